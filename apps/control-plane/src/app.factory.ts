import { Logger as NestLogger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { IncomingMessage } from 'node:http';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { json } from 'express';
import helmet from 'helmet';
import { Logger } from 'nestjs-pino';
import type { DestinationStream } from 'pino';
import { AppModule } from './app.module.js';
import { STRIPE_WEBHOOK_PATH } from './billing/stripe-webhook.controller.js';
import { systemClock, type Clock } from './common/clock.js';
import { hostileTextMiddleware } from './common/hostile-text.js';
import { HttpErrorFilter } from './common/http-error.filter.js';
import { requestIdMiddleware } from './common/request-id.middleware.js';
import type { AppConfig } from './config/app-config.js';
import { setupOpenApi } from './openapi/openapi.js';
import { phoneHomeFastPath } from './phone-home/phone-home-fast-path.js';
import { serveWebApps } from './web/web-apps.js';

export interface AppOptions {
  clock?: Clock;
  /** This replica's own clock, checked against the database's (default: the system clock). */
  machineClock?: Clock;
  logger?: false;
  /** Where JSON log lines go instead of stdout (tests capture them). */
  logDestination?: DestinationStream;
}

/** Builds the HTTP app; main.ts and the end-to-end tests share it so tests exercise the real wiring. */
export async function createApp(config: AppConfig, options: AppOptions = {}): Promise<NestExpressApplication> {
  const logging = options.logger !== false;
  // Lines logged while the module graph is built (the development-key warning) wait for the JSON logger.
  if (logging) NestLogger.attachBuffer();
  let module: ReturnType<typeof AppModule.forRoot>;
  try {
    module = AppModule.forRoot(config, options.clock ?? systemClock, { enabled: logging, destination: options.logDestination }, options.machineClock);
  } catch (error) {
    NestLogger.flush();
    throw error;
  }
  const app = await NestFactory.create<NestExpressApplication>(module, {
    bodyParser: false,
    rawBody: true,
    // A failed boot (database unreachable) is an error main.ts reports, not a process.abort() core dump.
    abortOnError: false,
    ...(logging ? { bufferLogs: true } : { logger: false }),
  });
  if (logging) app.useLogger(app.get(Logger));
  app.use(requestIdMiddleware);
  app.use(helmet());
  // CORS stays closed (no Access-Control-* headers) unless origins are listed.
  if (config.CORS_ORIGINS.length > 0) app.enableCors({ origin: config.CORS_ORIGINS, exposedHeaders: ['X-Request-Id'] });
  // Stripe events (an invoice with many lines) can outgrow any API request, and Stripe retries a 413 until it
  // gives up, so the webhook gets its own limit. It parses first; the general parser then skips the parsed body.
  app.use(
    STRIPE_WEBHOOK_PATH,
    json({
      limit: config.STRIPE_WEBHOOK_BODY_LIMIT_BYTES,
      // The signature is verified over these exact bytes (what Nest's rawBody option keeps on other routes).
      verify: (request: IncomingMessage & { rawBody?: Buffer }, _response, buffer) => {
        request.rawBody = buffer;
      },
    }),
  );
  app.useBodyParser('json', { limit: config.BODY_LIMIT_BYTES });
  app.use(hostileTextMiddleware);
  app.use(await phoneHomeFastPath(app));
  app.useGlobalFilters(new HttpErrorFilter());
  app.disable('x-powered-by');
  // Which proxies may name the client in X-Forwarded-For: the source address of phone-home records and rate limits.
  app.set('trust proxy', config.TRUST_PROXY);
  setupOpenApi(app);
  // The console and the portal: static files, same origin as the API (no CORS).
  if (!serveWebApps(app)) NestLogger.warn('apps/web/dist is missing: /console and /portal are not served (npm run build:web builds them).', 'WebApps');
  return app;
}
