import { rmSync } from 'node:fs';
import pg from 'pg';
import { compileApp, freePort, spawnControlPlane, stopGroup, waitHealthy, type ControlPlaneProcess } from '../support/control-plane-process.js';
import { fastNotifications } from '../support/notification-env.js';
import { RedisProcess } from '../support/redis-process.js';
import { SmtpSink } from '../support/smtp-sink.js';
import { startTestApp } from '../support/test-app.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { generateTestPrivateKeyPem } from '../support/test-keys.js';
import { arrivals, settledDeliveries } from './support/deliveries.js';
import { recordFault } from './support/fault-report.js';
import { createTenants, issueLicenses } from './support/workload.js';

const EMAILS = 100;
const KILL_AFTER = 40;
const CONCURRENCY = 5;

/**
 * Scenario 1. The compiled control plane is SIGKILLed while its in-process worker sends a batch of
 * 100 emails, then started again. No email is lost; the only ones sent twice are those in flight at
 * the kill (accepted by the SMTP server before their row could be marked sent), at most one per
 * worker lane.
 */
describe('fault: the control plane is SIGKILLed mid-batch', () => {
  let outDir: string;
  let database: TestDatabase;
  let redis: RedisProcess;
  let smtp: SmtpSink;
  let db: pg.Client;
  let server: ControlPlaneProcess | undefined;
  let env: Record<string, string>;

  beforeAll(async () => {
    outDir = await compileApp('la-fault-dist-');
    database = await createTestDatabase('fault_kill');
    redis = await RedisProcess.start();
    smtp = await SmtpSink.start();
    const mail = fastNotifications(smtp.url, {
      REDIS_URL: redis.url,
      NOTIFICATION_WORKER_CONCURRENCY: String(CONCURRENCY),
      NOTIFICATION_REQUEUE_AFTER_MS: '3000',
    });
    env = { ...mail, NODE_ENV: 'test', LOG_LEVEL: 'warn', HOST: '127.0.0.1', DATABASE_URL: database.url, CP_LICENSE_PRIVATE_KEY: generateTestPrivateKeyPem() };
    // The batch is recorded first, by the same app in-process with its schedules off: 100 pending rows.
    const seeder = await startTestApp('fault-kill', {
      database,
      env: { ...mail, SCHEDULES_ENABLED: 'false', CP_LICENSE_PRIVATE_KEY: env.CP_LICENSE_PRIVATE_KEY },
    });
    try {
      const support = await seeder.token('support');
      const answers = await issueLicenses(seeder.baseUrl, support, await createTenants(seeder.baseUrl, support, 'kill', 10), EMAILS, 8);
      expect(answers.filter((answer) => answer.status !== 201)).toEqual([]);
    } finally {
      await seeder.close();
    }
    db = new pg.Client({ connectionString: database.url });
    await db.connect();
  }, 180_000);

  afterAll(async () => {
    if (server) stopGroup(server, 'SIGKILL');
    await server?.exited;
    await db?.end();
    await smtp?.close();
    await redis?.kill();
    await database?.drop();
    if (outDir) rmSync(outDir, { recursive: true, force: true });
  });

  async function boot(): Promise<ControlPlaneProcess> {
    const port = String(await freePort());
    const started = spawnControlPlane({ ...env, PORT: port }, outDir);
    if (!(await waitHealthy(`http://127.0.0.1:${port}`, started, 60_000))) throw new Error(`control plane did not start:\n${started.output()}`);
    return started;
  }

  it(`loses none of ${EMAILS} emails; sends twice only what was in flight at the kill`, async () => {
    const started = Date.now();
    const query = async (sql: string) => (await db.query(sql)).rows as unknown[];
    smtp.delayMs = 40;
    server = await boot();
    const deadline = Date.now() + 60_000;
    while (smtp.messages.length < KILL_AFTER && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
    stopGroup(server, 'SIGKILL');
    await server.exited;
    const killedAt = Date.now();
    // What the dead process left: rows not marked sent, and among them those the SMTP server took anyway.
    await new Promise((resolve) => setTimeout(resolve, smtp.delayMs * 3));
    const unmarked = ((await query(`SELECT id FROM notifications WHERE status <> 'sent'`)) as { id: string }[]).map((row) => row.id);
    const receivedAtKill = arrivals(smtp);
    const inFlight = unmarked.filter((id) => receivedAtKill.has(id));
    const sentAtKill = EMAILS - unmarked.length;

    server = await boot();
    const figures = await settledDeliveries(query, smtp, 120_000);
    const recoveredMs = Date.now() - killedAt;
    stopGroup(server, 'SIGTERM');
    await server.exited;
    server = undefined;

    recordFault({
      scenario: '1 control plane SIGKILLed mid-batch',
      lost: figures.lost,
      duplicated: figures.duplicated,
      server_errors: 0,
      duration_ms: Date.now() - started,
      emails: figures.rows,
      sent_before_kill: sentAtKill,
      in_flight_at_kill: inFlight.length,
      recovered_after_restart_ms: recoveredMs,
    });
    expect(figures.rows).toBe(EMAILS);
    expect(figures.lost).toBe(0);
    expect(sentAtKill).toBeLessThan(EMAILS);
    // Duplicates only for messages in flight at the kill: accepted by SMTP, their row not yet marked sent.
    expect(figures.duplicatedIds.filter((id) => !inFlight.includes(id))).toEqual([]);
    expect(figures.duplicated).toBeLessThanOrEqual(CONCURRENCY);
  });
});
