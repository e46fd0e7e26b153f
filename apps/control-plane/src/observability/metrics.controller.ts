import { Controller, Get, Header } from '@nestjs/common';
import { ApiProduces } from '@nestjs/swagger';
import { Public } from '../auth/auth.decorators.js';
import { METRICS_CONTENT_TYPE } from './metrics-server.js';
import { Metrics } from './metrics.js';
import { ApiReply } from '../openapi/api-reply.decorator.js';

/** Prometheus scrapes without a staff token; keep `/metrics` off the public ingress, or set METRICS_PORT (README, Operations). */
@Controller('metrics')
@Public()
export class MetricsController {
  constructor(private readonly metrics: Metrics) {}

  @Get()
  @ApiProduces('text/plain')
  @Header('Content-Type', METRICS_CONTENT_TYPE)
  @Header('Cache-Control', 'no-store')
  @ApiReply({ summary: 'Prometheus metrics', produces: 'text/plain' })
  scrape(): Promise<string> {
    return this.metrics.registry.metrics();
  }
}
