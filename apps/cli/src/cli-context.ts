import { userInfo } from 'node:os';
import { NestFactory } from '@nestjs/core';
import type { INestApplicationContext } from '@nestjs/common';
import { AppModule } from '../../control-plane/src/app.module.js';
import type { AuditActor } from '../../control-plane/src/auth/auth.decorators.js';
import { systemClock } from '../../control-plane/src/common/clock.js';
import { loadConfig } from '../../control-plane/src/config/app-config.js';

/** Boots the control plane's services without HTTP, against the configured database. */
export async function withControlPlane<T>(run: (context: INestApplicationContext) => Promise<T>): Promise<T> {
  const config = loadConfig(process.env);
  const context = await NestFactory.createApplicationContext(AppModule.forRoot(config, systemClock), { logger: ['error', 'warn'] });
  try {
    return await run(context);
  } finally {
    await context.close();
  }
}

export function cliActor(): AuditActor {
  return { actor: `cli:${userInfo().username}`, requestId: null };
}
