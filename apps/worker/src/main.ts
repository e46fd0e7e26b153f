import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { Logger } from 'nestjs-pino';
import { systemClock } from '../../control-plane/src/common/clock.js';
import { loadConfig } from '../../control-plane/src/config/app-config.js';
import { startProcessLogging } from '../../control-plane/src/observability/process-logging.js';
import { WorkerModule } from './worker.module.js';

const SERVICE = 'license-authority-worker';
const processLogging = startProcessLogging(SERVICE);

/**
 * `npm run start:worker`: relays the outbox, sends email (BullMQ consumer, or in-process without
 * REDIS_URL) and runs the reminder sweep. SIGTERM lets the jobs in flight finish, then exits.
 * With METRICS_PORT it serves `/metrics` and `/healthz` there (its liveness probe); no other HTTP.
 */
async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const app = await NestFactory.createApplicationContext(WorkerModule.forRoot(config, systemClock, { service: SERVICE }), {
    bufferLogs: true,
    abortOnError: false,
  });
  const logger = app.get(Logger);
  app.useLogger(logger);
  app.enableShutdownHooks(['SIGTERM', 'SIGINT']);
  logger.log(
    `notification worker started (queue: ${config.REDIS_URL ? 'BullMQ' : 'in-process, REDIS_URL is not set'}; mail: ${config.SMTP_URL ? 'SMTP' : `.eml files in ${config.DATA_DIR}/mail`}; metrics: ${config.METRICS_PORT === undefined ? 'none' : `port ${config.METRICS_PORT}`})`,
    'Worker',
  );
}

main().catch((error: unknown) => processLogging.bootFailed(error));
