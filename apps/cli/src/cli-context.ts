import { userInfo } from 'node:os';
import { NestFactory } from '@nestjs/core';
import { ConsoleLogger, Logger, type INestApplicationContext, type LogLevel } from '@nestjs/common';
import { AppModule } from '../../control-plane/src/app.module.js';
import type { AuditActor } from '../../control-plane/src/auth/auth.decorators.js';
import { systemClock } from '../../control-plane/src/common/clock.js';
import { loadConfig } from '../../control-plane/src/config/app-config.js';

/** Warnings and errors go to stderr, so a command's JSON on stdout stays parseable (`| jq .token`). */
class StderrLogger extends ConsoleLogger {
  protected override printMessages(messages: unknown[], context?: string, logLevel?: LogLevel, _stream?: 'stdout' | 'stderr', errorStack?: unknown): void {
    super.printMessages(messages, context, logLevel, 'stderr', errorStack);
  }
}

/** Boots the control plane's services without HTTP, against the configured database. */
export async function withControlPlane<T>(run: (context: INestApplicationContext) => Promise<T>): Promise<T> {
  // A command does its one job: no relay, sweeps or email delivery in the CLI process (the service does those).
  const config = loadConfig({ ...process.env, SCHEDULES_ENABLED: 'false', NOTIFICATIONS_WORKER_IN_PROCESS: 'false' });
  const logger = new StderrLogger({ logLevels: ['error', 'warn'] });
  // Building the module already logs (the development-key warning), before the context has a logger.
  Logger.overrideLogger(logger);
  const context = await NestFactory.createApplicationContext(AppModule.forRoot(config, systemClock), { logger });
  try {
    return await run(context);
  } finally {
    await context.close();
  }
}

export function cliActor(): AuditActor {
  return { actor: `cli:${userInfo().username}`, requestId: null };
}
