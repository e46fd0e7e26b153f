import { userInfo } from 'node:os';
import type { INestApplicationContext, LogLevel } from '@nestjs/common';
import type { AuditActor } from '../../control-plane/src/auth/auth.decorators.js';
import type { AppConfig } from '../../control-plane/src/config/app-config.js';

// Nest, TypeORM and the control plane are imported inside the functions: `licensectl --help` never loads them.

/** The CLI's configuration: the server's environment, without the periodic jobs or email delivery. */
export async function cliConfig(): Promise<AppConfig> {
  const { loadConfig } = await import('../../control-plane/src/config/app-config.js');
  // A command does its one job: no relay, sweeps or email delivery in the CLI process (the service does those).
  return loadConfig({ ...process.env, SCHEDULES_ENABLED: 'false', NOTIFICATIONS_WORKER_IN_PROCESS: 'false' });
}

/**
 * Runs `run` against the configured database. On the embedded default that is the running control plane's
 * database, reached through its socket in DATA_DIR; with no server running, the CLI owns DATA_DIR meanwhile.
 */
export async function withCliDatabase<T>(config: AppConfig, run: (config: AppConfig) => Promise<T>): Promise<T> {
  if (config.DATABASE_URL) return run(config);
  const { joinOrStartEmbeddedDatabase } = await import('../../control-plane/src/database/embedded-database.js');
  const embedded = await joinOrStartEmbeddedDatabase(config.DATA_DIR);
  try {
    return await run({ ...config, DATABASE_URL: embedded.url, DATABASE_POOL_SIZE: 2 });
  } finally {
    await embedded.close();
  }
}

/** Boots the control plane's services without HTTP, against the configured database. */
export async function withControlPlane<T>(run: (context: INestApplicationContext) => Promise<T>): Promise<T> {
  const [{ NestFactory }, { ConsoleLogger, Logger }, { AppModule }, { systemClock }] = await Promise.all([
    import('@nestjs/core'),
    import('@nestjs/common'),
    import('../../control-plane/src/app.module.js'),
    import('../../control-plane/src/common/clock.js'),
  ]);
  /** Warnings and errors go to stderr, so a command's JSON on stdout stays parseable (`| jq .token`). */
  class StderrLogger extends ConsoleLogger {
    protected override printMessages(messages: unknown[], context?: string, logLevel?: LogLevel, _stream?: 'stdout' | 'stderr', errorStack?: unknown): void {
      super.printMessages(messages, context, logLevel, 'stderr', errorStack);
    }
  }
  return withCliDatabase(await cliConfig(), async (config) => {
    const logger = new StderrLogger({ logLevels: ['error', 'warn'] });
    // Building the module already logs (the development-key warning), before the context has a logger.
    Logger.overrideLogger(logger);
    const context = await NestFactory.createApplicationContext(AppModule.forRoot(config, systemClock), { logger, abortOnError: false });
    try {
      return await run(context);
    } finally {
      await context.close();
    }
  });
}

export function cliActor(): AuditActor {
  return { actor: `cli:${userInfo().username}`, requestId: null };
}
