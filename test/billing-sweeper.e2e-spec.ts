import { DataSource } from 'typeorm';
import { BillingSweeper, type SweepResult } from '../apps/control-plane/src/billing/billing-sweeper.cron.js';
import { billingEnv, createTenant, DAY_MS } from './support/billing-fixtures.js';
import { FakeStripe } from './support/fake-stripe.js';
import { MovableClock } from './support/movable-clock.js';
import { startTestApp, type TestApp } from './support/test-app.js';

const TENANTS = 23;

/** Two control-plane replicas on one database sweep at the same time: each subscription is suspended exactly once. */
describe('billing sweeper across replicas (end to end)', () => {
  const clock = new MovableClock();
  let stripe: FakeStripe;
  let first: TestApp;
  let second: TestApp;

  beforeAll(async () => {
    stripe = await FakeStripe.start();
    // Small batches, so a sweep takes several transactions and the replicas interleave.
    const env = billingEnv(stripe, { BILLING_SWEEP_BATCH: '4' });
    first = await startTestApp('billing-sweeper', { env, clock });
    second = await startTestApp('billing-sweeper-2', { env, clock, database: first.database });
    const support = await first.token('support');
    for (let index = 0; index < TENANTS; index += 1) {
      const tenant = `tenant-${index}`;
      await createTenant(first, support, tenant, 'saas');
      // Staff-managed past_due starts the same grace window as a failed payment (monthly: 7 days).
      const response = await first.http('PUT', `/api/v1/tenants/${tenant}/subscription`, {
        token: support,
        body: { plan_id: 'core', billing_interval: 'monthly', status: 'past_due' },
      });
      expect(response.body.grace_ends_at).toBe(new Date(clock.now().getTime() + 7 * DAY_MS).toISOString());
    }
  });

  afterAll(async () => {
    await second.close();
    await first.destroy();
    await stripe.close();
  });

  it('suspends nothing before the grace ends', async () => {
    clock.advanceDays(6);
    expect(await first.app.get(BillingSweeper).sweep()).toMatchObject({ suspended: 0, noticed: TENANTS });
  });

  it('transitions each subscription once when two replicas sweep at the same time', async () => {
    clock.advanceDays(2);
    const sweeps: Promise<SweepResult>[] = [];
    for (let round = 0; round < 3; round += 1) sweeps.push(first.app.get(BillingSweeper).sweep(), second.app.get(BillingSweeper).sweep());
    const results = await Promise.all(sweeps);
    expect(results.reduce((sum, result) => sum + result.suspended, 0)).toBe(TENANTS);

    const db = first.app.get(DataSource);
    const statuses = await db.query(`SELECT status, count(*)::int AS n FROM subscriptions GROUP BY status`);
    expect(statuses).toEqual([{ status: 'suspended', n: TENANTS }]);
    const history = await db.query(
      `SELECT subscription_id, count(*)::int AS n FROM subscription_events WHERE to_status = 'suspended' GROUP BY subscription_id`,
    );
    expect(history).toHaveLength(TENANTS);
    expect(history.every((row: { n: number }) => row.n === 1)).toBe(true);
    const audits = await db.query(`SELECT count(*)::int AS n FROM audit_events WHERE action = 'subscription.status_changed' AND details->>'to' = 'suspended'`);
    expect(audits[0].n).toBe(TENANTS);
    const emails = await db.query(
      `SELECT stage, count(*)::int AS n FROM notifications WHERE stage IN ('suspended', 'grace_ending') GROUP BY stage ORDER BY stage`,
    );
    expect(emails).toEqual([
      { stage: 'grace_ending', n: TENANTS },
      { stage: 'suspended', n: TENANTS },
    ]);
  });

  it('finds nothing more to do on the next sweep', async () => {
    const [a, b] = await Promise.all([first.app.get(BillingSweeper).sweep(), second.app.get(BillingSweeper).sweep()]);
    expect(a.suspended + b.suspended).toBe(0);
  });
});
