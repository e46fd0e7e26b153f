import { DataSource } from 'typeorm';
import { BillingSweeper } from '../apps/control-plane/src/billing/billing-sweeper.cron.js';
import { billingEnv, stripeCustomerOf as cus, stripeSubscriptionOf as sub, subscribeTenants } from './support/billing-fixtures.js';
import { FakeStripe } from './support/fake-stripe.js';
import { MovableClock } from './support/movable-clock.js';
import { PostgresProbe } from './support/postgres-probe.js';
import type { TestResponse } from './support/http-call.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { withOpenTransaction } from './support/test-database.js';

const TENANTS = 15;
const ROUNDS = 3;

/**
 * The grace sweeper and payment webhooks lock the same tenants and subscriptions. They take them in
 * one order (tenant, then subscription), and a transaction Postgres still picks as a deadlock victim
 * runs again: a customer who pays while the grace ends gets a 200 and ends active, never a 500.
 */
describe('billing sweeper against payment webhooks (end to end)', () => {
  const clock = new MovableClock();
  let stripe: FakeStripe;
  let first: TestApp;
  let second: TestApp;
  let probe: PostgresProbe;
  const tenants = Array.from({ length: TENANTS }, (_, index) => `payer-${index}`);

  beforeAll(async () => {
    stripe = await FakeStripe.start();
    const env = billingEnv(stripe, { BILLING_SWEEP_BATCH: '4' });
    first = await startTestApp('billing-deadlock', { env, clock });
    second = await startTestApp('billing-deadlock-2', { env, clock, database: first.database });
    probe = await PostgresProbe.open(first.database.name);
    await subscribeTenants(first, stripe, tenants);
  });

  afterAll(async () => {
    await probe.close();
    await second.close();
    await first.destroy();
    await stripe.close();
  });

  const deliver = (cp: TestApp, tenant: string, type: string) => stripe.deliver(cp, stripe.event(type, stripe.invoice(sub(tenant), cus(tenant)), clock.now()));
  const statuses = async () =>
    (await first.app.get(DataSource).query(`SELECT status, count(*)::int AS n FROM subscriptions GROUP BY status ORDER BY status`)) as {
      status: string;
      n: number;
    }[];

  async function pastDueWithGraceOver(): Promise<void> {
    for (const tenant of tenants) {
      stripe.setStatus(sub(tenant), 'past_due');
      expect((await deliver(first, tenant, 'invoice.payment_failed')).status).toBe(200);
    }
    expect(await statuses()).toEqual([{ status: 'past_due', n: TENANTS }]);
    clock.advanceDays(8);
  }

  it('a webhook chosen as a deadlock victim runs again and answers 200', async () => {
    const tenant = tenants[0];
    await pastDueWithGraceOver();
    const before = await probe.deadlocks();
    // Another transaction holds the subscription, then wants the tenant the webhook holds: a deadlock
    // cycle whose victim is the webhook (it waits longest; the other side checks only after 10 s).
    await withOpenTransaction(first.database.url, async (other) => {
      await other.query(`SET LOCAL deadlock_timeout = '10s'`);
      await other.query(`SELECT 1 FROM subscriptions WHERE tenant_id = $1 FOR UPDATE`, [tenant]);
      stripe.setStatus(sub(tenant), 'active');
      const paid = deliver(first, tenant, 'invoice.paid');
      await probe.waitForLockWaiter((await other.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0].pid);
      await other.query(`SELECT 1 FROM tenants WHERE id = $1 FOR UPDATE`, [tenant]);
      await other.query(`COMMIT`);
      expect(await paid).toMatchObject({ status: 200, body: { outcome: 'processed' } });
    });
    expect(await probe.deadlocks()).toBe(before + 1);
    const [row] = await first.app.get(DataSource).query(`SELECT status FROM subscriptions WHERE tenant_id = $1`, [tenant]);
    expect(row.status).toBe('active');
    // The others pay normally before the race rounds start from a clean slate.
    for (const other of tenants.slice(1)) {
      stripe.setStatus(sub(other), 'active');
      expect((await deliver(first, other, 'invoice.paid')).status).toBe(200);
    }
  });

  it(`${ROUNDS} rounds of ${TENANTS} payments racing two replicas' sweeps: no deadlock, no 5xx, every payer ends active`, async () => {
    const deadlocksBefore = await probe.deadlocks();
    const answers: TestResponse[] = [];
    for (let round = 0; round < ROUNDS; round += 1) {
      await pastDueWithGraceOver();
      for (const tenant of tenants) stripe.setStatus(sub(tenant), 'active');
      const sweeps = [first, second, first, second].map((cp) => cp.app.get(BillingSweeper).sweep());
      const payments = tenants.map((tenant, index) => deliver(index % 2 ? second : first, tenant, 'invoice.paid'));
      answers.push(...(await Promise.all(payments)));
      await Promise.all(sweeps);
      expect(await statuses()).toEqual([{ status: 'active', n: TENANTS }]);
    }
    expect(answers.map((answer) => answer.status).filter((status) => status !== 200)).toEqual([]);
    expect(await probe.deadlocks()).toBe(deadlocksBefore);
  });
});
