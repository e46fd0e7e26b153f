import type { INestApplication } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { PinoLogger } from 'nestjs-pino';
import { sendError } from '../common/http-error.filter.js';
import { RunningHandlers } from '../observability/graceful-shutdown.js';
import { requestLine } from '../observability/logging.js';
import { Metrics } from '../observability/metrics.js';
import { PHONE_HOME_PATH, PhoneHomeController, phoneHomeBody } from './phone-home.controller.js';

/**
 * POST /api/v1/phone-home answered from Express's middleware chain, right after the shared request id,
 * security headers, body parser and hostile-text check, instead of through Nest's router, guards,
 * interceptors, pipes and the per-request logger: the busiest endpoint by far, and the one whose
 * framework overhead the benchmark measured. Everything else is the same code: the controller's own
 * method and body pipe, the error shape of every route, the metrics, the running-handler count that
 * graceful shutdown waits for, the request id on every line logged while renewing, and a request line
 * for every refusal (a renewal is logged once, by the service, as before).
 */
export async function phoneHomeFastPath(app: INestApplication): Promise<(request: Request, response: Response, next: NextFunction) => void> {
  const controller = app.get(PhoneHomeController);
  const metrics = app.get(Metrics);
  const handlers = app.get(RunningHandlers);
  const logger = await app.resolve(PinoLogger);
  return (request, response, next) => {
    if (request.method !== 'POST' || request.path !== PHONE_HOME_PATH) return next();
    const started = process.hrtime.bigint();
    // What the request line and the metrics read the route template from, as on a Nest route.
    Object.assign(request, { route: { path: PHONE_HOME_PATH } });
    response.once('finish', () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      metrics.httpRequest('POST', PHONE_HOME_PATH, response.statusCode, seconds);
      if (response.statusCode < 400) return;
      const line = requestLine(request, response, { responseTime: Math.round(seconds * 1000) });
      const root = PinoLogger.root?.child({ request_id: request.id });
      if (response.statusCode >= 500) root?.error(line, 'request completed');
      else root?.warn(line, 'request completed');
    });
    const renew = async () => controller.phoneHome(phoneHomeBody.transform(request.body), request);
    void handlers
      .track(() => (PinoLogger.root ? logger.runInContext(renew, { bindings: { request_id: request.id } }) : renew()))
      // Written directly: Express's send would hash the body for an ETag no tenant plane uses.
      .then((reply) => {
        const body = JSON.stringify(reply);
        response.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
        response.end(body);
      })
      .catch((error: unknown) => sendError(request as Request & { id?: string }, response, error));
  };
}
