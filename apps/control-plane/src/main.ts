import 'reflect-metadata';
import { Logger } from 'nestjs-pino';
import { createApp } from './app.factory.js';
import { ConfigError, loadConfig } from './config/app-config.js';
import { SigningKeyConfigError } from './keys/signing-key.loader.js';
import { installGracefulShutdown } from './observability/graceful-shutdown.js';

async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const app = await createApp(config);
  const logger = app.get(Logger);
  installGracefulShutdown(app, config.SHUTDOWN_TIMEOUT_MS, logger);
  await app.listen(config.PORT, config.HOST);
  logger.log(
    `License Authority control plane listening on http://${config.HOST}:${config.PORT} (database: ${config.DATABASE_URL ? 'postgres' : 'embedded PGlite'})`,
    'Main',
  );
}

main().catch((error: unknown) => {
  // A configuration error is the operator's to fix: print what is wrong, not a stack trace.
  console.error(error instanceof ConfigError || error instanceof SigningKeyConfigError ? error.message : error);
  process.exit(1);
});
