import 'reflect-metadata';
import cluster from 'node:cluster';
import { Logger } from 'nestjs-pino';
import { createApp } from './app.factory.js';
import { runClusterPrimary } from './cluster-primary.js';
import { loadConfig, type AppConfig } from './config/app-config.js';
import { installGracefulShutdown } from './observability/graceful-shutdown.js';
import { CONTROL_PLANE_SERVICE } from './observability/logging.js';
import { startProcessLogging } from './observability/process-logging.js';

const processLogging = startProcessLogging(CONTROL_PLANE_SERVICE);

async function serve(config: AppConfig): Promise<void> {
  const app = await createApp(config);
  const logger = app.get(Logger);
  installGracefulShutdown(app, config.SHUTDOWN_TIMEOUT_MS, logger);
  await app.listen(config.PORT, config.HOST);
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
