import { DataSource } from 'typeorm';
import { BillingSweeper } from '../../apps/control-plane/src/billing/billing-sweeper.cron.js';
import { billingEnv, stripeCustomerOf as cus, stripeSubscriptionOf as sub, subscribeTenants } from '../support/billing-fixtures.js';
import { FakeStripe } from '../support/fake-stripe.js';
import { MovableClock } from '../support/movable-clock.js';
import { fastNotifications } from '../support/notification-env.js';
import { PostgresProbe } from '../support/postgres-probe.js';
import { RedisProcess } from '../support/redis-process.js';
import { SmtpSink } from '../support/smtp-sink.js';
import type { TestResponse } from '../support/http-call.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { settledDeliveries } from './support/deliveries.js';
import { recordFault } from './support/fault-report.js';
import { serverErrors } from './support/workload.js';

const TENANTS = 15;
/** The first 10 pay as their grace ends; the other 5 do not (Stripe keeps retrying their invoice). */
const PAYERS = 10;
const ROUNDS = 3;

/**
 * Scenario 6. Two app instances on one database, 15 past-due tenants whose grace just ended: 10 have paid
 * in Stripe, 5 have not. Both instances' grace sweepers race the payers' `invoice.paid` and the others'
 * retried `invoice.payment_failed` webhooks, over several rounds, with emails delivered for real. No
 * deadlock, no 5xx, every payer ends active and is never sent a "suspended" email, every other tenant
 * ends suspended and is told so.
 */
describe('fault: grace sweeper raced against invoice.paid on two instances', () => {
  const clock = new MovableClock();
  let stripe: FakeStripe;
  let redis: RedisProcess;
  let smtp: SmtpSink;
  let first: TestApp;
  let second: TestApp;
  let probe: PostgresProbe;
  const tenants = Array.from({ length: TENANTS }, (_, index) => `race-${index}`);
  const payers = tenants.slice(0, PAYERS);
  const others = tenants.slice(PAYERS);

  beforeAll(async () => {
    stripe = await FakeStripe.start();
    redis = await RedisProcess.start();
    smtp = await SmtpSink.start();
    const env = {
      ...billingEnv(stripe, { BILLING_SWEEP_BATCH: '4' }),
      ...fastNotifications(smtp.url, { REDIS_URL: redis.url, NOTIFICATIONS_WORKER_IN_PROCESS: 'true' }),
    };
    first = await startTestApp('fault-race', { env, clock });
    second = await startTestApp('fault-race-2', { env, clock, database: first.database });
    probe = await PostgresProbe.open(first.database.name);
    await subscribeTenants(first, stripe, tenants);
  });

  afterAll(async () => {
    await probe?.close();
    await second?.close();
    await first?.destroy();
    await stripe?.close();
    await smtp?.close();
    await redis?.kill();
  });

  const deliver = (cp: TestApp, tenant: string, type: string) => stripe.deliver(cp, stripe.event(type, stripe.invoice(sub(tenant), cus(tenant)), clock.now()));

  it(`${ROUNDS} rounds: no deadlock, no 5xx, no "suspended" email to a tenant that paid`, async () => {
    const started = Date.now();
    const query = (sql: string, params?: unknown[]) => first.app.get(DataSource).query(sql, params) as Promise<unknown[]>;
    const statuses = async (ids: string[]) =>
      (await query(`SELECT status, count(*)::int AS n FROM subscriptions WHERE tenant_id = ANY($1) GROUP BY status`, [ids])) as { status: string; n: number }[];
    const deadlocksBefore = await probe.deadlocks();
    const answers: TestResponse[] = [];
    let suspendedBySweeps = 0;
    for (let round = 0; round < ROUNDS; round += 1) {
      for (const tenant of tenants) {
        stripe.setStatus(sub(tenant), 'past_due');
        answers.push(await deliver(first, tenant, 'invoice.payment_failed'));
      }
      clock.advanceDays(8);
      // The payers have paid in Stripe; their payments reach us while both replicas sweep, as do Stripe's
      // retries of the others' invoices.
      for (const tenant of payers) stripe.setStatus(sub(tenant), 'active');
      const sweeps = [first, second, first, second].map((cp) => cp.app.get(BillingSweeper).sweep());
      const webhooks = tenants.map((tenant, index) =>
        deliver(index % 2 ? second : first, tenant, payers.includes(tenant) ? 'invoice.paid' : 'invoice.payment_failed'),
      );
      answers.push(...(await Promise.all(webhooks)));
      suspendedBySweeps += (await Promise.all(sweeps)).reduce((sum, result) => sum + result.suspended, 0);
      // A tenant a webhook held was skipped by the sweep: the next tick takes it.
      suspendedBySweeps += (await first.app.get(BillingSweeper).sweep()).suspended;
      expect(await statuses(payers)).toEqual([{ status: 'active', n: PAYERS }]);
      expect(await statuses(others)).toEqual([{ status: 'suspended', n: TENANTS - PAYERS }]);
      // The others pay too, late, before the next round.
      for (const tenant of others) {
        stripe.setStatus(sub(tenant), 'active');
        answers.push(await deliver(first, tenant, 'invoice.paid'));
      }
    }
    const deadlocks = (await probe.deadlocks()) - deadlocksBefore;
    const figures = await settledDeliveries(query, smtp, 60_000);
    const suspendedTo = smtp.messages.filter((mail) => / is suspended$/.test(mail.subject)).map((mail) => mail.envelope.to[0]);
    const suspendedEmails = suspendedTo.filter((address) => payers.some((tenant) => address === `billing@${tenant}.example`)).length;
    const stages = (await query(`SELECT stage, status, count(*)::int AS n FROM notifications GROUP BY stage, status ORDER BY stage, status`)) as {
      stage: string;
      status: string;
      n: number;
    }[];

    recordFault({
      scenario: '6 sweeper vs invoice.paid, two instances',
      lost: figures.lost,
      duplicated: figures.duplicated,
      server_errors: serverErrors(answers),
      duration_ms: Date.now() - started,
      tenants: TENANTS,
      rounds: ROUNDS,
      deadlocks,
      suspended_by_sweeps: suspendedBySweeps,
      suspended_emails_to_payers: suspendedEmails,
      suspended_emails_to_others: suspendedTo.length - suspendedEmails,
      emails: figures.rows,
      outbox: stages,
    });
    expect(serverErrors(answers)).toBe(0);
    expect(answers.map((answer) => answer.status).filter((status) => status !== 200)).toEqual([]);
    expect(deadlocks).toBe(0);
    expect(suspendedEmails).toBe(0);
    for (const tenant of others) expect(suspendedTo).toContain(`billing@${tenant}.example`);
    expect(figures).toMatchObject({ lost: 0, duplicated: 0 });
  });
});
