import pg from 'pg';
import { MIGRATION_LOCK_ID, openDataSource } from '../apps/control-plane/src/database/data-source.factory.js';
import { createTestDatabase, TEST_EMBEDDED, type TestDatabase } from './support/test-database.js';

const LOCK_TIMEOUT_MS = 300;

/**
 * DATABASE_LOCK_TIMEOUT_MS at boot, on Postgres: a migration gives up on a table lock held elsewhere
 * (and leaves no connection behind for the retry to add to), while the advisory lock that orders
 * replicas' migrations is waited for however long another replica holds it.
 */
(TEST_EMBEDDED ? describe.skip : describe)('database lock timeout at boot', () => {
  let db: TestDatabase;
  let other: pg.Client;
  const config = () => ({ DATABASE_URL: db.url, DATABASE_POOL_SIZE: 3, DATABASE_LOCK_TIMEOUT_MS: LOCK_TIMEOUT_MS, DATA_DIR: '/nonexistent', PORT: 0 });
  const connectionsOtherThan = async (pid: number) =>
    (await other.query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1 AND pid <> $2`, [db.name, pid])).rows[0].n;

  beforeAll(async () => {
    db = await createTestDatabase('lock_timeout');
    const migrated = await openDataSource(config(), { migrate: true });
    // The newest migration is pending again, for the boots below to apply.
    await migrated.undoLastMigration();
    await migrated.destroy();
    other = new pg.Client({ connectionString: db.url });
    await other.connect();
  });

  afterAll(async () => {
    await other?.end();
    await db?.drop();
  });

  it('gives up on a table lock held elsewhere, closes its connections, and migrates once the lock is gone', async () => {
    const [{ pid }] = (await other.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows;
    await other.query('BEGIN');
    // An open write transaction on the table the pending migration indexes.
    await other.query('LOCK TABLE notifications IN ROW EXCLUSIVE MODE');
    await expect(openDataSource(config(), { migrate: true })).rejects.toMatchObject({ driverError: { code: '55P03' } });
    expect(await connectionsOtherThan(pid)).toBe(0);
    await other.query('ROLLBACK');

    const booted = await openDataSource(config(), { migrate: true });
    try {
      const indexes = await booted.query(`SELECT indexname FROM pg_indexes WHERE indexname = 'notifications_created_idx'`);
      expect(indexes).toHaveLength(1);
    } finally {
      await booted.destroy();
    }
  });

  it("waits for another replica's migrations however much longer than the lock timeout they take", async () => {
    await other.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_ID]);
    let released = false;
    const release = setTimeout(() => {
      released = true;
      void other.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_ID]);
    }, 4 * LOCK_TIMEOUT_MS);
    try {
      const booted = await openDataSource(config(), { migrate: true });
      expect(released).toBe(true);
      // The pool's connections keep the configured timeout once the migration lock is let go.
      expect(await booted.query(`SHOW lock_timeout`)).toEqual([{ lock_timeout: `${LOCK_TIMEOUT_MS}ms` }]);
      await booted.destroy();
    } finally {
      clearTimeout(release);
    }
  });
});
