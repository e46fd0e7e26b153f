import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { Logger } from 'nestjs-pino';
import { systemClock } from '../../control-plane/src/common/clock.js';
import { ConfigError, loadConfig } from '../../control-plane/src/config/app-config.js';
import { WorkerModule } from './worker.module.js';

/**
 * `npm run start:worker`: relays the outbox, sends email (BullMQ consumer, or in-process without
 * REDIS_URL) and runs the reminder sweep. SIGTERM lets the jobs in flight finish, then exits.
 */
async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const app = await NestFactory.createApplicationContext(WorkerModule.forRoot(config, systemClock, { service: 'license-authority-worker' }), {
    bufferLogs: true,
    abortOnError: false,
  });
  const logger = app.get(Logger);
  app.useLogger(logger);
  app.enableShutdownHooks(['SIGTERM', 'SIGINT']);
  logger.log(
    `notification worker started (queue: ${config.REDIS_URL ? 'BullMQ' : 'in-process, REDIS_URL is not set'}; mail: ${config.SMTP_URL ? 'SMTP' : `.eml files in ${config.DATA_DIR}/mail`})`,
    'Worker',
  );
}

main().catch((error: unknown) => {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
});
