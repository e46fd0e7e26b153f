import { DataSource } from 'typeorm';
import { billingEnv, createTenant, DAY_MS, mapPrices, PRICES } from './support/billing-fixtures.js';
import { FakeStripe } from './support/fake-stripe.js';
import { startTestApp, type TestApp } from './support/test-app.js';

const CONCURRENT_WEBHOOKS = 15;

/** What a webhook reads from Stripe, and when: before its transaction, and the failure time from the invoice itself. */
describe('webhooks re-read Stripe before the transaction (end to end)', () => {
  let stripe: FakeStripe;
  let cp: TestApp;
  let support: string;
  const tenant = 'reader';
  const subscriptionId = 'sub_reader';
  const customer = 'cus_reader';

  beforeAll(async () => {
    stripe = await FakeStripe.start();
    cp = await startTestApp('billing-stripe-read', {
      env: billingEnv(stripe, { DATABASE_POOL_SIZE: '10', STRIPE_TIMEOUT_MS: '15000', STRIPE_MAX_NETWORK_RETRIES: '0' }),
    });
    support = await cp.token('support');
    await mapPrices(cp, support);
    await createTenant(cp, support, tenant, 'saas');
    const start = cp.clock.now();
    const subscription = {
      id: subscriptionId,
      customer,
      status: 'active',
      prices: [PRICES.core.monthly],
      periodStart: start,
      periodEnd: new Date(start.getTime() + 30 * DAY_MS),
    };
    expect((await stripe.completeCheckout(cp, subscription, tenant, 'cs_reader')).response.body.outcome).toBe('processed');
  });

  afterAll(async () => {
    await cp.destroy();
    await stripe.close();
  });

  const subscription = async () => (await cp.http('GET', `/api/v1/tenants/${tenant}/subscription`, { token: support })).body;

  it('takes the failure time from the failed invoice, even when a stale event about the subscription arrives first', async () => {
    const failedAt = new Date(cp.clock.now().getTime() + 5 * DAY_MS);
    cp.clock.set(new Date(failedAt.getTime() + 3_600_000));
    const finalized = Math.floor(failedAt.getTime() / 1000);
    const invoice = stripe.invoice(subscriptionId, customer, {
      status: 'open',
      attempt_count: 1,
      created: finalized - 3600,
      status_transitions: { finalized_at: finalized },
    });
    stripe.setStatus(subscriptionId, 'past_due');
    stripe.subscriptions.get(subscriptionId)!.latest_invoice = invoice.id;

    // An update Stripe sent two days before the failure, delivered late (Stripe retried it), arrives first.
    const stale = stripe.event(
      'customer.subscription.updated',
      { id: subscriptionId, object: 'subscription', customer },
      new Date(failedAt.getTime() - 2 * DAY_MS),
    );
    expect((await stripe.deliver(cp, stale)).body.outcome).toBe('processed');
    const graceEnd = new Date(failedAt.getTime() + 7 * DAY_MS).toISOString();
    expect(await subscription()).toMatchObject({ status: 'past_due', grace_ends_at: graceEnd });

    expect((await stripe.deliver(cp, stripe.event('invoice.payment_failed', invoice, failedAt))).body.outcome).toBe('unchanged');
    expect((await subscription()).grace_ends_at).toBe(graceEnd);
    const [notice] = (await cp.http('GET', `/api/v1/notifications?tenant_id=${tenant}&stage=payment_failed`, { token: support })).body.items;
    expect(notice.facts).toMatchObject({ failed_at: failedAt.toISOString(), grace_ends_at: graceEnd });
  });

  it(`${CONCURRENT_WEBHOOKS} webhooks waiting on a hung Stripe hold no pool connection: other requests keep answering`, async () => {
    stripe.stallNext('/v1/subscriptions/', CONCURRENT_WEBHOOKS, 30_000);
    const before = stripe.requestsTo(`/v1/subscriptions/${subscriptionId}`).length;
    const webhooks = Array.from({ length: CONCURRENT_WEBHOOKS }, () =>
      stripe.deliver(cp, stripe.event('customer.subscription.updated', { id: subscriptionId, object: 'subscription', customer }, cp.clock.now())),
    );
    // Every webhook is inside its Stripe call (a pool of 10 could not hold 15 of them).
    for (let waited = 0; stripe.requestsTo(`/v1/subscriptions/${subscriptionId}`).length < before + CONCURRENT_WEBHOOKS && waited < 5_000; waited += 20) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(stripe.requestsTo(`/v1/subscriptions/${subscriptionId}`).length).toBe(before + CONCURRENT_WEBHOOKS);
    const unrelated = await Promise.all([
      cp.http('GET', `/api/v1/tenants/${tenant}/entitlements`, { token: support }),
      cp.http('GET', `/api/v1/tenants/${tenant}/subscription`, { token: support }),
      cp.http('GET', '/api/health/ready'),
    ]);
    expect(unrelated.map((response) => response.status)).toEqual([200, 200, 200]);

    const answers = await Promise.all(webhooks);
    // Stripe did not answer in time: 502, nothing stored, so Stripe delivers each event again later.
    expect(answers.map((answer) => `${answer.status} ${answer.body.error.code}`)).toEqual(Array(CONCURRENT_WEBHOOKS).fill('502 STRIPE_UNAVAILABLE'));
    const stored = await cp.app.get(DataSource).query(`SELECT count(*)::int AS n FROM stripe_events WHERE type = 'customer.subscription.updated'`);
    expect(stored[0].n).toBe(1);
  }, 60_000);
});
