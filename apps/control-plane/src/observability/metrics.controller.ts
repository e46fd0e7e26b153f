import { Controller, Get, Header } from '@nestjs/common';
import { ApiProduces } from '@nestjs/swagger';
import { Public } from '../auth/auth.decorators.js';
import { Metrics } from './metrics.js';
import { ApiReply } from '../openapi/api-reply.decorator.js';

/** Prometheus scrapes without a staff token; keep `/metrics` off the public ingress (README, Operations). */
@Controller('metrics')
@Public()
export class MetricsController {
  constructor(private readonly metrics: Metrics) {}

  @Get()
  @ApiProduces('text/plain')
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  @Header('Cache-Control', 'no-store')
  @ApiReply({ summary: 'Prometheus metrics', produces: 'text/plain' })
  scrape(): Promise<string> {
    return this.metrics.registry.metrics();
  }
}
