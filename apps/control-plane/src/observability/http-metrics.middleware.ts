import { Injectable, type NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { Metrics } from './metrics.js';
import { routeTemplate } from './route-template.js';

/** Counts every answered request, including guard refusals and 404s, by its route template. */
@Injectable()
export class HttpMetricsMiddleware implements NestMiddleware {
  constructor(private readonly metrics: Metrics) {}

  use(request: Request, response: Response, next: NextFunction): void {
    const started = process.hrtime.bigint();
    response.once('finish', () => {
      this.metrics.httpRequest(request.method, routeTemplate(request), response.statusCode, Number(process.hrtime.bigint() - started) / 1e9);
    });
    next();
  }
}
