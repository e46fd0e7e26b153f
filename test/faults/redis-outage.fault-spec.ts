import { settledDeliveries } from './support/deliveries.js';
import { recordFault } from './support/fault-report.js';
import { startMailStack, type MailStack } from './support/mail-stack.js';
import { createTenants, failedProbes, issueLicenses, probeRoutes, serverErrors } from './support/workload.js';

const BEFORE = 10;
const DURING = 30;
const OUTAGE_MS = 5_000;

/**
 * Scenario 2. The app's Redis (a server of this test's own) is killed, losing every job it held, while
 * licenses are issued and their emails queued; it comes back empty after a while. The API keeps
 * answering throughout, and every email is delivered once Redis is back: the outbox rows, not the
 * queue, are the truth (a row whose job was lost is relayed again after NOTIFICATION_REQUEUE_AFTER_MS).
 */
describe('fault: Redis stopped for a while', () => {
  let stack: MailStack;

  beforeAll(async () => {
    stack = await startMailStack('fault-redis', { NOTIFICATION_REQUEUE_AFTER_MS: '3000' });
  });

  afterAll(() => stack?.close());

  it(`issues ${DURING} licenses during a ${OUTAGE_MS / 1000} s outage, answers every unrelated request, then delivers every email`, async () => {
    const started = Date.now();
    const { cp, redis, smtp, query } = stack;
    const support = await cp.token('support');
    const viewer = await cp.token('viewer');
    const tenants = await createTenants(cp.baseUrl, support, 'redis', 5);
    // Slow enough that jobs are waiting and running in Redis when it dies.
    smtp.delayMs = 100;
    const before = await issueLicenses(cp.baseUrl, support, tenants, BEFORE);

    const probes = probeRoutes(cp.baseUrl, viewer, [
      '/api/health',
      `/api/v1/tenants/${tenants[0]}`,
      `/api/v1/tenants/${tenants[1]}/entitlements`,
      `/api/v1/licenses?tenant_id=${tenants[2]}`,
      '/api/v1/notifications?status=pending',
      '/metrics',
    ]);
    await redis.kill();
    const outageStarted = Date.now();
    const during = await issueLicenses(cp.baseUrl, support, tenants, DURING, 2);
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, OUTAGE_MS - (Date.now() - outageStarted))));
    const [{ waiting }] = (await query(`SELECT count(*)::int AS waiting FROM notifications WHERE status <> 'sent'`)) as [{ waiting: number }];
    await redis.start();
    const outageMs = Date.now() - outageStarted;
    const answers = await probes.stop();
    smtp.delayMs = 0;

    const figures = await settledDeliveries(query, smtp, 60_000);
    const failed = failedProbes(answers);
    recordFault({
      scenario: '2 Redis stopped',
      lost: figures.lost,
      duplicated: figures.duplicated,
      server_errors: serverErrors([...before, ...during]) + failed.length,
      duration_ms: Date.now() - started,
      emails: figures.rows,
      undelivered_when_redis_returned: waiting,
      redis_down_ms: outageMs,
      unrelated_requests: answers.length,
      unrelated_failed: failed.length,
      unrelated_slowest_ms: Math.max(...answers.map((answer) => answer.ms)),
      delivered_after_return_ms: Date.now() - started - outageMs,
    });
    expect(serverErrors([...before, ...during])).toBe(0);
    expect(failed).toEqual([]);
    expect(figures.rows).toBe(BEFORE + DURING);
    expect(figures).toMatchObject({ lost: 0, duplicated: 0 });
  });
});
