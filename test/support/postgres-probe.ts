import pg from 'pg';
import { ADMIN_DATABASE_URL } from './test-database.js';

/** Reads Postgres' own counters and activity for one test database, from an admin connection. */
export class PostgresProbe {
  private constructor(
    private readonly client: pg.Client,
    readonly database: string,
  ) {}

  static async open(database: string): Promise<PostgresProbe> {
    const client = new pg.Client({ connectionString: ADMIN_DATABASE_URL });
    await client.connect();
    return new PostgresProbe(client, database);
  }

  /** Deadlocks Postgres detected in this database. Backends report their counters when idle, so this waits for that first. */
  async deadlocks(): Promise<number> {
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    await this.client.query('SELECT pg_stat_clear_snapshot()');
    const { rows } = await this.client.query<{ deadlocks: string }>('SELECT deadlocks FROM pg_stat_database WHERE datname = $1', [this.database]);
    return Number(rows[0]?.deadlocks ?? 0);
  }

  /** Resolves once some backend of this database (other than `exceptPid`) waits on a row or table lock. */
  async waitForLockWaiter(exceptPid: number, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const { rows } = await this.client.query(`SELECT 1 FROM pg_stat_activity WHERE datname = $1 AND pid <> $2 AND wait_event_type = 'Lock'`, [
        this.database,
        exceptPid,
      ]);
      if (rows.length > 0) return;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    throw new Error('no backend started waiting on a lock');
  }

  /** Ends every backend connected to this database (never another one); returns how many. */
  async terminateBackends(): Promise<number> {
    const { rows } = await this.client.query(
      `SELECT count(*) FILTER (WHERE pg_terminate_backend(pid))::int AS n FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()`,
      [this.database],
    );
    return (rows[0] as { n: number }).n;
  }

  close(): Promise<void> {
    return this.client.end();
  }
}
