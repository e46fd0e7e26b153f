import pg from 'pg';
import { ADMIN_DATABASE_URL } from '../support/test-database.js';
import type { TestResponse } from '../support/http-call.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { recordFault } from './support/fault-report.js';
import { createTenants, issueLicense, serverErrors } from './support/workload.js';

const REQUESTS = 240;
const PARALLEL = 8;
const TERMINATIONS = 4;

/**
 * Scenario 3. Every backend of the app's database is terminated (pg_terminate_backend, that database
 * only) several times during a burst of writes and reads. Some requests may fail with a 5xx (counted);
 * no state change that was answered 2xx is missing afterwards, and the app answers again without a
 * restart.
 */
describe('fault: Postgres backends terminated during a burst', () => {
  let cp: TestApp;
  let admin: pg.Client;

  beforeAll(async () => {
    cp = await startTestApp('fault-pg');
    admin = new pg.Client({ connectionString: ADMIN_DATABASE_URL });
    await admin.connect();
  });

  afterAll(async () => {
    await admin?.end();
    await cp?.destroy();
  });

  const terminate = async () =>
    (
      await admin.query<{ n: number }>(
        `SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()`,
        [cp.database.name],
      )
    ).rows[0].n;

  it(`${REQUESTS} requests, ${TERMINATIONS} terminations: no committed change lost, recovery without restart`, async () => {
    const started = Date.now();
    const support = await cp.token('support');
    const viewer = await cp.token('viewer');
    const tenants = await createTenants(cp.baseUrl, support, 'pg', 6);
    // Every third request a license (a state change with its outbox row), the others reads.
    const request = (index: number): Promise<TestResponse> =>
      index % 3 === 0
        ? issueLicense(cp.baseUrl, support, tenants[index % tenants.length])
        : cp.http(
            'GET',
            index % 3 === 1 ? `/api/v1/tenants/${tenants[index % tenants.length]}` : `/api/v1/licenses?tenant_id=${tenants[index % tenants.length]}`,
            {
              token: viewer,
            },
          );
    const answers: { index: number; response: TestResponse }[] = [];
    let next = 0;
    const lanes = Array.from({ length: PARALLEL }, async () => {
      for (let index = next++; index < REQUESTS; index = next++) {
        const response = await request(index).catch((error: Error) => ({ status: 0, text: error.message }) as TestResponse);
        answers.push({ index, response });
      }
    });
    const terminated: number[] = [];
    const killer = (async () => {
      for (let round = 0; round < TERMINATIONS; round += 1) {
        await new Promise((resolve) => setTimeout(resolve, 150));
        terminated.push(await terminate());
      }
    })();
    await Promise.all([...lanes, killer]);

    const licenses = answers.filter((answer) => answer.index % 3 === 0);
    const acknowledged = licenses.filter((answer) => answer.response.status === 201).map((answer) => answer.response.body.license.id as string);
    const failed = answers.filter((answer) => answer.response.status === 0 || answer.response.status >= 500);

    // Recovery: the same app, not restarted, answers every request again (10 more licenses among them).
    const after: TestResponse[] = [];
    for (let index = 0; index < 30; index += 1) after.push(await request(index));
    acknowledged.push(...after.filter((answer) => answer.status === 201).map((answer) => answer.body.license.id as string));

    const check = new pg.Client({ connectionString: cp.database.url });
    await check.connect();
    const committed = await check
      .query<{ id: string; emailed: boolean }>(
        `SELECT l.id, EXISTS (SELECT 1 FROM notifications n WHERE n.stage = 'license_issued' AND n.dedupe_key LIKE '%|' || l.id || '|issued') AS emailed
         FROM licenses l`,
      )
      .finally(() => check.end());
    const stored = new Map(committed.rows.map((row) => [row.id, row.emailed]));
    const lost = acknowledged.filter((id) => !stored.has(id)).length;
    const withoutEmail = committed.rows.filter((row) => !row.emailed).length;

    recordFault({
      scenario: '3 Postgres backends terminated',
      lost: lost + withoutEmail,
      duplicated: 0,
      server_errors: serverErrors(failed.map((answer) => answer.response)) + failed.filter((answer) => answer.response.status === 0).length,
      duration_ms: Date.now() - started,
      requests: REQUESTS,
      backends_terminated: terminated.reduce((sum, n) => sum + n, 0),
      licenses_acknowledged: acknowledged.length,
      licenses_committed: committed.rows.length,
      committed_but_answered_5xx: committed.rows.length - acknowledged.length,
      failed_by_status: Object.fromEntries(
        [...new Set(failed.map((answer) => answer.response.status))].map((status) => [
          status,
          failed.filter((answer) => answer.response.status === status).length,
        ]),
      ),
      failed_after_recovery: after.filter((answer) => answer.status >= 400).length,
    });
    expect(terminated.reduce((sum, n) => sum + n, 0)).toBeGreaterThan(0);
    expect(lost).toBe(0);
    expect(withoutEmail).toBe(0);
    // Committed but answered 5xx (the answer lost, not the change): possible, and counted.
    expect(committed.rows.length).toBeLessThanOrEqual(acknowledged.length + failed.length);
    expect(after.filter((answer) => answer.status >= 400)).toEqual([]);
    // The database going away is a 503 the caller can retry, never a 500.
    const answered5xx = failed.map((answer) => answer.response).filter((response) => response.status !== 0);
    expect(answered5xx.filter((response) => response.status !== 503 || response.body?.error?.code !== 'DATABASE_UNAVAILABLE')).toEqual([]);
  });
});
