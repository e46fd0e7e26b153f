import { DataSource, type DataSourceOptions } from 'typeorm';
import { migrations } from '../../../../prisma-free-migrations/index.js';
import type { AppConfig } from '../config/app-config.js';
import { embeddedDatabaseUrl, startEmbeddedDatabase, type EmbeddedDatabase } from './embedded-database.js';
import { entities } from './entities.js';

/** Any fixed 64-bit number shared by every replica; it names the migration lock. */
export const MIGRATION_LOCK_ID = 4_242_001;
const EMBEDDED_CONNECTION_TIMEOUT_MS = 60_000;

type DatabaseConfig = Pick<AppConfig, 'DATABASE_URL' | 'DATABASE_POOL_SIZE' | 'DATABASE_LOCK_TIMEOUT_MS' | 'DATA_DIR' | 'PORT'>;

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
  // Without DATABASE_URL this process owns the embedded database and reaches it like any client: see embedded-database.ts.
  const url = config.DATABASE_URL ?? embeddedDatabaseUrl(config.DATA_DIR);
  // The embedded database runs one transaction at a time (even the connection handshake queues behind it),
  // so a connection there waits its turn instead of failing after Postgres's 5 s.
  const connectionTimeoutMillis = config.DATABASE_URL ? 5_000 : EMBEDDED_CONNECTION_TIMEOUT_MS;
  const extra = { max: config.DATABASE_POOL_SIZE, connectionTimeoutMillis, onConnect: keepConnectionErrorsHandled };
  if (!config.DATABASE_URL) return { ...common, url, extra };
  // Every statement gives up waiting for a row or table lock after DATABASE_LOCK_TIMEOUT_MS (55P03, answered
  // 503): a lock held outside the app, such as an operator's psql session, must not stall the renewals queued
  // behind one group statement (or a migration's queue of waiters) for as long as it is held. The embedded
  // database has no other client that could hold one.
  return { ...common, url, extra: { ...extra, options: `-c lock_timeout=${config.DATABASE_LOCK_TIMEOUT_MS}` } };
}

/**
 * A new pool connection is handed to its first user with no 'error' listener for a moment (pg-pool drops
 * its idle listener, TypeORM adds its own a few microtasks later). When Postgres terminates the backend
 * right then (pg_terminate_backend, a failover), the FATAL can arrive in the same read as the connection's
 * ReadyForQuery, and an 'error' event with no listener is an uncaught exception: the process would exit.
 * This listener stays for the connection's life and only keeps that from happening; the pool and the
 * query runner still see the error and discard the connection (the request it served fails once).
 */
function keepConnectionErrorsHandled(client: { on(event: 'error', listener: () => void): unknown }): void {
  client.on('error', () => undefined);
}

/** Runs pending migrations while holding a Postgres advisory lock, so replicas booting together don't race. */
export async function runMigrationsLocked(dataSource: DataSource): Promise<string[]> {
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    // A replica booting beside another waits for the other's migrations however long they take.
    await runner.query('SET lock_timeout = 0');
    await runner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_ID]);
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    return applied.map((migration) => migration.name);
  } finally {
    await runner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_ID]).catch(() => undefined);
    await runner.query('RESET lock_timeout').catch(() => undefined);
    await runner.release();
  }
}

/** A data source on the embedded database; destroying it also closes the database and frees DATA_DIR. */
class EmbeddedDataSource extends DataSource {
  constructor(
    options: DataSourceOptions,
    private readonly embedded: EmbeddedDatabase,
  ) {
    super(options);
  }

  override async destroy(): Promise<void> {
    try {
      await super.destroy();
    } finally {
      await this.embedded.close();
    }
  }
}

export async function openDataSource(config: DatabaseConfig, options: { migrate: boolean }): Promise<DataSource> {
  const embedded = config.DATABASE_URL ? undefined : await startEmbeddedDatabase(config.DATA_DIR, config.PORT);
  const dataSource = embedded ? new EmbeddedDataSource(dataSourceOptions(config), embedded) : new DataSource(dataSourceOptions(config));
  try {
    await dataSource.initialize();
  } catch (error) {
    await embedded?.close();
    throw error;
  }
  if (!options.migrate) return dataSource;
  try {
    await runMigrationsLocked(dataSource);
  } catch (error) {
    // The boot retries with a new data source (a migration that timed out on a lock, say); this one's pool goes.
    await dataSource.destroy().catch(() => undefined);
    throw error;
  }
  return dataSource;
}
