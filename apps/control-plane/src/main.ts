import 'reflect-metadata';
import cluster from 'node:cluster';
import type { AddressInfo } from 'node:net';
import { Logger } from 'nestjs-pino';
import { createApp } from './app.factory.js';
import { createInitialAdminToken } from './auth/initial-admin-token.js';
import { runClusterPrimary } from './cluster-primary.js';
import { loadConfig, type AppConfig } from './config/app-config.js';
import { assertEmbeddedDatabaseFree, recordEmbeddedDatabasePort } from './database/embedded-database-lock.js';
import { installGracefulShutdown } from './observability/graceful-shutdown.js';
import { CONTROL_PLANE_SERVICE } from './observability/logging.js';
import { startProcessLogging } from './observability/process-logging.js';

const processLogging = startProcessLogging(CONTROL_PLANE_SERVICE);

async function serve(config: AppConfig): Promise<void> {
  if (!config.DATABASE_URL) assertEmbeddedDatabaseFree(config.DATA_DIR);
  const app = await createApp(config);
  const logger = app.get(Logger);
  installGracefulShutdown(app, config.SHUTDOWN_TIMEOUT_MS, logger);
  await createInitialAdminToken(app, config, logger);
  await app.listen(config.PORT, config.HOST);
  if (!config.DATABASE_URL) recordEmbeddedDatabasePort(config.DATA_DIR, (app.getHttpServer().address() as AddressInfo).port);
  logger.log(
    `License Authority control plane listening on http://${config.HOST}:${config.PORT} (database: ${config.DATABASE_URL ? 'postgres' : 'embedded PGlite'})`,
    'Main',
  );
}

async function main(): Promise<void> {
  const config = loadConfig(process.env);
  if (config.CLUSTER_WORKERS > 1 && cluster.isPrimary) runClusterPrimary(config.CLUSTER_WORKERS, (line) => processLogging.log.info(line));
  else await serve(config);
}

main().catch((error: unknown) => processLogging.bootFailed(error));
