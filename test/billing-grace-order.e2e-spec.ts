import { billingEnv, createTenant, DAY_MS, mapPrices, PRICES } from './support/billing-fixtures.js';
import { FakeStripe } from './support/fake-stripe.js';
import { startTestApp, type TestApp } from './support/test-app.js';

/**
 * Grace ends N days after the FIRST failed payment of the episode, whatever order Stripe delivers
 * the failures in: an earlier failure that arrives late pulls the grace end earlier, a later one
 * never pushes it later.
 */
describe.each([
  { interval: 'monthly' as const, graceDays: 7 },
  { interval: 'annual' as const, graceDays: 14 },
])('grace end with failures delivered out of order, $interval', ({ interval, graceDays }) => {
  const tenant = `late-${interval}`;
  const subscriptionId = `sub_late${interval}`;
  let stripe: FakeStripe;
  let cp: TestApp;
  let support: string;
  let customer: string;

  beforeAll(async () => {
    stripe = await FakeStripe.start();
    cp = await startTestApp(`billing-grace-order-${interval}`, { env: billingEnv(stripe) });
    support = await cp.token('support');
    await mapPrices(cp, support);
    await createTenant(cp, support, tenant, 'saas');
    customer = `cus_late${interval}`;
    const start = cp.clock.now();
    const subscription = {
      id: subscriptionId,
      customer,
      status: 'active',
      prices: [PRICES.operations[interval]],
      periodStart: start,
      periodEnd: new Date(start.getTime() + 30 * DAY_MS),
    };
    expect((await stripe.completeCheckout(cp, subscription, tenant, 'cs_test_late')).response.body.outcome).toBe('processed');
  });

  afterAll(async () => {
    await cp.destroy();
    await stripe.close();
  });

  const subscription = async () => (await cp.http('GET', `/api/v1/tenants/${tenant}/subscription`, { token: support })).body;
  const failure = (at: Date, attempt: number) =>
    stripe.event('invoice.payment_failed', stripe.invoice(subscriptionId, customer, { attempt_count: attempt }), at);

  it(`two failures delivered in reverse order: grace ends ${graceDays} days after the first`, async () => {
    const t1 = new Date(cp.clock.now().getTime() + 3 * DAY_MS);
    const t2 = new Date(t1.getTime() + 3 * DAY_MS);
    cp.clock.set(new Date(t2.getTime() + 60_000));
    stripe.setStatus(subscriptionId, 'past_due');

    expect((await stripe.deliver(cp, failure(t2, 2))).body.outcome).toBe('processed');
    expect(await subscription()).toMatchObject({ status: 'past_due', grace_ends_at: new Date(t2.getTime() + graceDays * DAY_MS).toISOString() });

    expect((await stripe.deliver(cp, failure(t1, 1))).body.outcome).toBe('processed');
    const firstFailureGrace = new Date(t1.getTime() + graceDays * DAY_MS).toISOString();
    expect(await subscription()).toMatchObject({ status: 'past_due', grace_ends_at: firstFailureGrace });

    // A later retry never moves it later again.
    cp.clock.advanceDays(1);
    expect((await stripe.deliver(cp, failure(cp.clock.now(), 3))).body.outcome).toBe('unchanged');
    expect((await subscription()).grace_ends_at).toBe(firstFailureGrace);

    const audit = await cp.http('GET', `/api/v1/audit-events?target_type=subscription&target_id=${tenant}&action=subscription.grace_moved`, { token: support });
    expect(audit.body.items).toHaveLength(1);
    const failed = await cp.http('GET', `/api/v1/notifications?tenant_id=${tenant}&stage=payment_failed`, { token: support });
    expect(failed.body.items).toHaveLength(1);
  });

  it('a failure from before the subscription last recovered does not shorten a new episode', async () => {
    stripe.setStatus(subscriptionId, 'active');
    expect((await stripe.deliver(cp, stripe.event('invoice.paid', stripe.invoice(subscriptionId, customer), cp.clock.now()))).body.outcome).toBe('processed');
    const oldFailure = new Date(cp.clock.now().getTime() - 2 * DAY_MS);
    cp.clock.advanceDays(2);
    const newFailure = cp.clock.now();
    stripe.setStatus(subscriptionId, 'past_due');
    expect((await stripe.deliver(cp, failure(newFailure, 1))).body.outcome).toBe('processed');
    const grace = new Date(newFailure.getTime() + graceDays * DAY_MS).toISOString();
    expect((await stripe.deliver(cp, failure(oldFailure, 4))).body.outcome).toBe('unchanged');
    expect(await subscription()).toMatchObject({ status: 'past_due', grace_ends_at: grace });
  });
});
