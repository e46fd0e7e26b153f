import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DataSource, type DataSourceOptions } from 'typeorm';
import { PGliteDriver } from 'typeorm-pglite';
import { migrations } from '../../../../prisma-free-migrations/index.js';
import type { AppConfig } from '../config/app-config.js';
import { entities } from './entities.js';

/** Any fixed 64-bit number shared by every replica; it names the migration lock. */
const MIGRATION_LOCK_ID = 4_242_001;

type DatabaseConfig = Pick<AppConfig, 'DATABASE_URL' | 'DATABASE_POOL_SIZE' | 'DATA_DIR'>;

export function dataSourceOptions(config: DatabaseConfig): DataSourceOptions {
  // gen_random_uuid() is built into Postgres 13+ and PGlite; no extension is installed.
  const common = {
    type: 'postgres' as const,
    entities,
    migrations,
    synchronize: false,
    migrationsTableName: 'schema_migrations',
    uuidExtension: 'pgcrypto' as const,
    installExtensions: false,
  };
  if (config.DATABASE_URL) {
    return { ...common, url: config.DATABASE_URL, extra: { max: config.DATABASE_POOL_SIZE, connectionTimeoutMillis: 5_000 } };
  }
  const dataDir = resolve(config.DATA_DIR, 'pglite');
  mkdirSync(dataDir, { recursive: true });
  return { ...common, driver: new PGliteDriver({ dataDir }).driver } as DataSourceOptions;
}

export function embeddedDatabasePath(config: Pick<AppConfig, 'DATA_DIR'>): string {
  return join(resolve(config.DATA_DIR), 'pglite');
}

/** Runs pending migrations while holding a Postgres advisory lock, so replicas booting together don't race. */
export async function runMigrationsLocked(dataSource: DataSource): Promise<string[]> {
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    await runner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_ID]);
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    return applied.map((migration) => migration.name);
  } finally {
    await runner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_ID]).catch(() => undefined);
    await runner.release();
  }
}

export async function openDataSource(config: DatabaseConfig, options: { migrate: boolean }): Promise<DataSource> {
  const dataSource = await new DataSource(dataSourceOptions(config)).initialize();
  if (options.migrate) await runMigrationsLocked(dataSource);
  return dataSource;
}
