import { billingEnv, createTenant, DAY_MS, mapPrices, PRICES } from './support/billing-fixtures.js';
import { FakeStripe } from './support/fake-stripe.js';
import { startTestApp, type TestApp } from './support/test-app.js';

/**
 * Changing a plan's price keeps the old one resolvable: subscribers Stripe still bills on the old price
 * keep their plan and their payment failures still count; only new Checkout sessions use the new price.
 */
describe('changing a plan price', () => {
  const tenant = 'oldprice';
  const subscriptionId = 'sub_oldPrice';
  const customer = 'cus_oldPrice';
  const NEW_PRICE = 'price_coreMonthly2027';
  let stripe: FakeStripe;
  let cp: TestApp;
  let support: string;

  beforeAll(async () => {
    stripe = await FakeStripe.start();
    cp = await startTestApp('billing-price-change', { env: billingEnv(stripe) });
    support = await cp.token('support');
    await mapPrices(cp, support);
    await createTenant(cp, support, tenant, 'saas');
    await createTenant(cp, support, 'newcomer', 'saas');
    const now = cp.clock.now();
    const subscription = {
      id: subscriptionId,
      customer,
      status: 'active',
      prices: [PRICES.core.monthly],
      periodStart: now,
      periodEnd: new Date(now.getTime() + 30 * DAY_MS),
    };
    expect((await stripe.completeCheckout(cp, subscription, tenant, 'cs_test_old')).response.body.outcome).toBe('processed');
  });

  afterAll(async () => {
    await cp.destroy();
    await stripe.close();
  });

  const subscription = async () => (await cp.http('GET', `/api/v1/tenants/${tenant}/subscription`, { token: support })).body;

  it('retires the old price instead of forgetting it; checkout uses the new one', async () => {
    const changed = await cp.http('PUT', '/api/v1/plans/core/prices', { token: support, body: { monthly: NEW_PRICE } });
    expect(changed.status).toBe(200);
    expect(changed.body.items).toEqual([
      expect.objectContaining({ price_id: PRICES.core.annual, billing_interval: 'annual', retired_at: null }),
      expect.objectContaining({ price_id: NEW_PRICE, billing_interval: 'monthly', retired_at: null }),
    ]);
    const listed = (await cp.http('GET', '/api/v1/billing/prices', { token: support })).body.items;
    expect(listed).toContainEqual(expect.objectContaining({ price_id: PRICES.core.monthly, plan_id: 'core', retired_at: cp.clock.now().toISOString() }));

    const checkout = await cp.http('POST', '/api/v1/billing/checkout-sessions', {
      token: support,
      body: { tenant_id: 'newcomer', plan_id: 'core', billing_interval: 'monthly' },
    });
    expect(checkout.status).toBe(201);
    expect(stripe.requestsTo('/v1/checkout/sessions').at(-1)!.params['line_items[0][price]']).toBe(NEW_PRICE);
  });

  it('a payment failure of a subscription on the old price still moves it to past_due', async () => {
    cp.clock.advanceDays(1);
    stripe.setStatus(subscriptionId, 'past_due');
    const failed = await stripe.deliver(cp, stripe.event('invoice.payment_failed', stripe.invoice(subscriptionId, customer), cp.clock.now()));
    expect([failed.status, failed.body.outcome]).toEqual([200, 'processed']);
    expect(await subscription()).toMatchObject({ status: 'past_due', plan_id: 'core', billing_interval: 'monthly', access: 'read_only' });
  });

  it('a retired price still belongs to its plan: another plan cannot take it, its own plan can take it back', async () => {
    const taken = await cp.http('PUT', '/api/v1/plans/operations/prices', { token: support, body: { monthly: PRICES.core.monthly } });
    expect([taken.status, taken.body.error.code]).toEqual([409, 'PRICE_IN_USE']);
    const back = await cp.http('PUT', '/api/v1/plans/core/prices', { token: support, body: { monthly: PRICES.core.monthly } });
    expect(back.status).toBe(200);
    expect(back.body.items).toContainEqual(expect.objectContaining({ price_id: PRICES.core.monthly, billing_interval: 'monthly', retired_at: null }));
    const listed = (await cp.http('GET', '/api/v1/billing/prices', { token: support })).body.items;
    expect(listed).toContainEqual(expect.objectContaining({ price_id: NEW_PRICE, plan_id: 'core', retired_at: expect.any(String) }));
  });
});
