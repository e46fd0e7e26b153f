import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { embeddedDatabaseUrl } from '../../apps/control-plane/src/database/embedded-database.js';

/** Admin connection used to create and drop one database per test file, so files run in parallel. */
export const ADMIN_DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface TestDatabase {
  /** Postgres, or the embedded database's socket (reachable while an app that owns it runs). */
  url: string;
  name: string;
  /** Set on the embedded database: the app gets DATA_DIR instead of DATABASE_URL. */
  dataDir?: string;
  drop(): Promise<void>;
}

/** `TEST_EMBEDDED=1` (npm run test:embedded) runs a test file on the embedded default instead of Postgres. */
export const TEST_EMBEDDED = process.env.TEST_EMBEDDED === '1';

export async function createTestDatabase(label: string): Promise<TestDatabase> {
  if (TEST_EMBEDDED) return createEmbeddedTestDatabase(label);
  const name = `la_${label
    .replace(/[^a-z0-9]/gi, '_')
    .toLowerCase()
    .slice(0, 30)}_${randomBytes(4).toString('hex')}`;
  await adminQuery(`CREATE DATABASE ${name}`);
  const url = new URL(ADMIN_DATABASE_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    drop: () => adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  };
}

async function adminQuery(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: ADMIN_DATABASE_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/**
 * Runs `work` in a second session of the database with a transaction open: another client holding locks
 * the app must live with. Work ends the transaction itself when it matters (COMMIT, ROLLBACK); closing
 * the session rolls back whatever is still open.
 */
export async function withOpenTransaction(url: string, work: (session: pg.Client) => Promise<void>): Promise<void> {
  const session = new pg.Client({ connectionString: url });
  await session.connect();
  try {
    await session.query('BEGIN');
    await work(session);
  } finally {
    await session.end();
  }
}

function createEmbeddedTestDatabase(label: string): TestDatabase {
  // Short: the socket's path must fit a unix socket address (107 bytes).
  const dataDir = mkdtempSync(join(tmpdir(), 'la-'));
  return {
    url: embeddedDatabaseUrl(dataDir),
    name: label,
    dataDir,
    drop: async () => rmSync(dataDir, { recursive: true, force: true }),
  };
}
