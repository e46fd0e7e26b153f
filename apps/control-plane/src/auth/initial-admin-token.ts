import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { INestApplicationContext, LoggerService } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { AppConfig } from '../config/app-config.js';
import { ApiTokenEntity } from './api-token.entity.js';
import { ApiTokenService } from './api-token.service.js';

/** Names the session lock under which replicas booting together decide who creates the first token. */
const INITIAL_ADMIN_TOKEN_LOCK_ID = 4_242_010;

export function initialAdminTokenPath(config: Pick<AppConfig, 'DATA_DIR'>): string {
  return join(resolve(config.DATA_DIR), 'initial-admin-token');
}

/**
 * The first admin credential without a second command: on a database with no API token at all, creates one
 * admin token and writes it to DATA_DIR/initial-admin-token (mode 0600). The log names the file, never the token.
 * Off in production unless BOOTSTRAP_ADMIN_TOKEN=true.
 */
export async function createInitialAdminToken(
  app: INestApplicationContext,
  config: Pick<AppConfig, 'DATA_DIR' | 'NODE_ENV' | 'BOOTSTRAP_ADMIN_TOKEN'>,
  logger: LoggerService,
): Promise<void> {
  if (!(config.BOOTSTRAP_ADMIN_TOKEN ?? config.NODE_ENV !== 'production')) return;
  const dataSource = app.get(DataSource);
  // A session lock, not a transaction: the token is written by ApiTokenService's own transaction, and the
  // embedded database serves one transaction at a time, so holding one here would wait on itself.
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    await runner.query('SELECT pg_advisory_lock($1)', [INITIAL_ADMIN_TOKEN_LOCK_ID]);
    if ((await dataSource.getRepository(ApiTokenEntity).count()) > 0) return;
    const path = initialAdminTokenPath(config);
    // On Postgres nothing else creates DATA_DIR; made before the token, so a token is never created that no file holds.
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    const created = await app.get(ApiTokenService).create({ name: 'initial-admin', role: 'admin' }, { actor: 'system:first-boot', requestId: null });
    // A file left from an earlier database would otherwise keep its mode and its stale token.
    rmSync(path, { force: true });
    writeFileSync(path, `${created.token}\n`, { mode: 0o600 });
    logger.log(`No API token existed: created an admin token (id ${created.record.id}) and wrote it to ${path} (mode 0600)`, 'InitialAdminToken');
  } finally {
    await runner.query('SELECT pg_advisory_unlock($1)', [INITIAL_ADMIN_TOKEN_LOCK_ID]).catch(() => undefined);
    await runner.release();
  }
}
