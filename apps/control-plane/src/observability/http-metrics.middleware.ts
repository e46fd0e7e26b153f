import { Injectable, type NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { Metrics, UNMATCHED_ROUTE } from './metrics.js';

/** Counts every answered request, including guard refusals and 404s, by its route template. */
@Injectable()
export class HttpMetricsMiddleware implements NestMiddleware {
  constructor(private readonly metrics: Metrics) {}

  use(request: Request, response: Response, next: NextFunction): void {
    const started = process.hrtime.bigint();
    response.once('finish', () => {
      // Express sets `req.route` once a route matched; its path is the template (`/api/v1/licenses/:id`).
      // Nest answers unknown paths from a wildcard route; no controller of ours uses a wildcard.
      const template = (request.route as { path?: unknown } | undefined)?.path;
      const route = typeof template === 'string' && !template.includes('*') ? template : UNMATCHED_ROUTE;
      this.metrics.httpRequest(request.method, route, response.statusCode, Number(process.hrtime.bigint() - started) / 1e9);
    });
    next();
  }
}
