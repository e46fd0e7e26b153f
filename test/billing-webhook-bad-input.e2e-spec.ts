import { DataSource } from 'typeorm';
import { billingEnv, createTenant, DAY_MS, mapPrices, PRICES } from './support/billing-fixtures.js';
import { FakeStripe } from './support/fake-stripe.js';
import { startTestApp, type TestApp } from './support/test-app.js';

/** Every bad webhook the issue lists is refused (or acknowledged without effect), and a failing handler leaves nothing behind. */
describe('Stripe webhook: bad input (end to end)', () => {
  let stripe: FakeStripe;
  let cp: TestApp;
  let support: string;
  let customer: string;
  const WEBHOOK = '/api/v1/billing/stripe/webhook';

  beforeAll(async () => {
    stripe = await FakeStripe.start();
    cp = await startTestApp('billing-bad-input', { env: billingEnv(stripe) });
    support = await cp.token('support');
    await mapPrices(cp, support);
    await createTenant(cp, support, 'globex', 'saas');
    // The portal endpoint creates and binds the tenant's Stripe customer.
    expect((await cp.http('POST', '/api/v1/billing/portal-sessions', { token: support, body: { tenant_id: 'globex' } })).status).toBe(201);
    const [created] = stripe.requestsTo('/v1/customers');
    expect(created.params).toMatchObject({ email: 'billing@globex.example', 'metadata[tenant_id]': 'globex' });
    customer = [...stripe.customers.keys()][0];
    expect(customer).toMatch(/^cus_/);
  });

  afterAll(async () => {
    await cp.destroy();
    await stripe.close();
  });

  const storedEvents = async () => Number((await cp.app.get(DataSource).query('SELECT count(*)::int AS n FROM stripe_events'))[0].n);
  const subscriptionRows = async () => Number((await cp.app.get(DataSource).query('SELECT count(*)::int AS n FROM subscriptions'))[0].n);
  const post = (payload: string, headers: Record<string, string>) =>
    cp.http('POST', WEBHOOK, { rawBody: payload, headers: { 'content-type': 'application/json', ...headers } });

  function subscriptionEvent(status = 'active', prices: string[] = [PRICES.core.monthly]) {
    const now = cp.clock.now();
    stripe.setSubscription({ id: 'sub_badInput', customer, status, prices, periodStart: now, periodEnd: new Date(now.getTime() + 30 * DAY_MS) });
    return stripe.event('customer.subscription.updated', { id: 'sub_badInput', object: 'subscription', customer, status }, now);
  }

  it('refuses a webhook without a signature', async () => {
    const response = await post(subscriptionEvent().payload, {});
    expect([response.status, response.body.error.code]).toEqual([400, 'WEBHOOK_SIGNATURE_MISSING']);
  });

  it('refuses a wrong signature', async () => {
    const event = subscriptionEvent();
    const response = await post(event.payload, { 'stripe-signature': stripe.sign(event.payload, cp.clock.now(), 'whsec_someoneElsesSecret') });
    expect([response.status, response.body.error.code]).toEqual([400, 'WEBHOOK_SIGNATURE_INVALID']);
  });

  it('refuses a body altered after signing', async () => {
    const event = subscriptionEvent();
    const signature = stripe.sign(event.payload, cp.clock.now());
    const response = await post(event.payload.replace('"status": "active"', '"status": "canceled"'), { 'stripe-signature': signature });
    expect([response.status, response.body.error.code]).toEqual([400, 'WEBHOOK_SIGNATURE_INVALID']);
  });

  it('refuses a timestamp outside the tolerance (300 s by default)', async () => {
    const event = subscriptionEvent();
    const stale = new Date(cp.clock.now().getTime() - 301_000);
    const response = await post(event.payload, { 'stripe-signature': stripe.sign(event.payload, stale) });
    expect([response.status, response.body.error.code]).toEqual([400, 'WEBHOOK_SIGNATURE_INVALID']);
    expect(response.body.error.message).toContain('Timestamp outside the tolerance zone');
  });

  it('refuses a payload that is not JSON, signed or not', async () => {
    const payload = 'id=evt_1&type=invoice.paid';
    const signed = { 'stripe-signature': stripe.sign(payload, cp.clock.now()) };
    const asJson = await post(payload, signed);
    expect([asJson.status, asJson.body.error.code]).toEqual([400, 'MALFORMED_JSON']);
    const asText = await cp.http('POST', WEBHOOK, { rawBody: payload, headers: { 'content-type': 'text/plain', ...signed } });
    expect([asText.status, asText.body.error.code]).toEqual([400, 'WEBHOOK_PAYLOAD_INVALID']);
    const notAnEvent = '{"hello": "world"}';
    const shape = await post(notAnEvent, { 'stripe-signature': stripe.sign(notAnEvent, cp.clock.now()) });
    expect([shape.status, shape.body.error.code]).toEqual([400, 'WEBHOOK_PAYLOAD_INVALID']);
  });

  it('stored nothing for any refused webhook', async () => {
    expect(await storedEvents()).toBe(0);
    expect(await subscriptionRows()).toBe(0);
  });

  it('acknowledges an event for an unknown customer without changing anything, and shows it to staff', async () => {
    const now = cp.clock.now();
    stripe.setSubscription({ id: 'sub_stranger', customer: 'cus_stranger', status: 'active', prices: [PRICES.core.monthly], periodStart: now, periodEnd: now });
    const event = stripe.event('customer.subscription.created', { id: 'sub_stranger', object: 'subscription', customer: 'cus_stranger' }, now);
    const response = await stripe.deliver(cp, event);
    expect([response.status, response.body.outcome]).toEqual([200, 'unknown_customer']);
    expect(await subscriptionRows()).toBe(0);
    const listed = await cp.http('GET', '/api/v1/billing/stripe-events?outcome=unknown_customer', { token: await cp.token('viewer') });
    expect(listed.body.items).toEqual([
      expect.objectContaining({ id: event.id, type: 'customer.subscription.created', detail: 'Stripe customer cus_stranger is not bound to any tenant' }),
    ]);
  });

  it('acknowledges an event whose subscription has a price the CP does not know, without changing anything', async () => {
    const response = await stripe.deliver(cp, subscriptionEvent('active', [PRICES.core.monthly, 'price_unmappedThing']));
    expect([response.status, response.body.outcome]).toEqual([200, 'unknown_price']);
    expect(await subscriptionRows()).toBe(0);
    const listed = await cp.http('GET', '/api/v1/billing/stripe-events?outcome=unknown_price', { token: support });
    expect(listed.body.items[0]).toMatchObject({ tenant_id: 'globex', detail: 'subscription sub_badInput has unmapped Stripe price(s) price_unmappedThing' });
  });

  it('acknowledges and ignores an event type it does not handle', async () => {
    const event = stripe.event('charge.refunded', { id: 'ch_1', object: 'charge', customer }, cp.clock.now());
    const response = await stripe.deliver(cp, event);
    expect([response.status, response.body.outcome]).toEqual([200, 'ignored']);
  });

  it('answers 5xx when Stripe fails during the handler, keeps no partial state, and applies the redelivery', async () => {
    const event = subscriptionEvent('past_due');
    stripe.failNext('/v1/subscriptions/');
    const failed = await stripe.deliver(cp, event);
    expect([failed.status, failed.body.error.code]).toEqual([502, 'STRIPE_UNAVAILABLE']);
    expect(await cp.app.get(DataSource).query('SELECT id FROM stripe_events WHERE id = $1', [event.id])).toEqual([]);
    expect(await subscriptionRows()).toBe(0);

    const retried = await stripe.deliver(cp, event);
    expect([retried.status, retried.body.outcome]).toEqual([200, 'processed']);
    expect((await cp.http('GET', '/api/v1/tenants/globex/subscription', { token: support })).body).toMatchObject({ status: 'past_due', plan_id: 'core' });
    expect((await stripe.deliver(cp, event)).body.outcome).toBe('duplicate');
  });

  it('counts webhook outcomes in the metrics', async () => {
    const metrics = (await cp.http('GET', '/metrics')).text;
    expect(metrics).toContain('la_stripe_webhook_events_total{type="(unverified)",outcome="rejected"}');
    expect(metrics).toContain('la_stripe_webhook_events_total{type="customer.subscription.updated",outcome="failed"} 1');
    expect(metrics).toContain('la_stripe_webhook_events_total{type="customer.subscription.updated",outcome="duplicate"} 1');
  });

  it('accepts a signed 200 KB event (the webhook has its own body limit), while other routes keep BODY_LIMIT_BYTES', async () => {
    const lines = Array.from({ length: 400 }, (_, index) => ({ id: `il_${index}`, object: 'line_item', description: 'x'.repeat(480) }));
    const event = stripe.event('invoice.finalized', { id: 'in_big', object: 'invoice', customer, lines: { object: 'list', data: lines } }, cp.clock.now());
    expect(event.payload.length).toBeGreaterThan(200_000);
    const accepted = await stripe.deliver(cp, event);
    expect([accepted.status, accepted.body.outcome]).toEqual([200, 'ignored']);

    const elsewhere = await cp.http('POST', '/api/v1/tenants', {
      token: support,
      rawBody: JSON.stringify({ id: 'bigcorp', name: 'x'.repeat(200_000), contact_email: 'a@bigcorp.example', deployment_mode: 'saas' }),
      headers: { 'content-type': 'application/json' },
    });
    expect([elsewhere.status, elsewhere.body.error.code]).toEqual([413, 'PAYLOAD_TOO_LARGE']);

    const huge = stripe.event('invoice.finalized', { id: 'in_huge', object: 'invoice', customer, padding: 'x'.repeat(1_100_000) }, cp.clock.now());
    const refused = await stripe.deliver(cp, huge);
    expect([refused.status, refused.body.error.code]).toEqual([413, 'PAYLOAD_TOO_LARGE']);
  });

  it('validates the price mapping: the shape of a price id, and one owner per price', async () => {
    const bad = await cp.http('PUT', '/api/v1/plans/core/prices', { token: support, body: { monthly: 'prod_notAPrice' } });
    expect([bad.status, bad.body.error.code, bad.body.error.details[0].field]).toEqual([400, 'VALIDATION_FAILED', 'monthly']);
    const taken = await cp.http('PUT', '/api/v1/plans/enterprise/prices', { token: support, body: { annual: PRICES.core.monthly } });
    expect([taken.status, taken.body.error.code]).toEqual([409, 'PRICE_IN_USE']);
    const unknownAddon = await cp.http('PUT', '/api/v1/addons/warp_drive/prices', { token: support, body: { monthly: 'price_warp' } });
    expect([unknownAddon.status, unknownAddon.body.error.code]).toEqual([404, 'ADDON_NOT_FOUND']);
    const listed = await cp.http('GET', '/api/v1/billing/prices', { token: support });
    expect(listed.body.items).toContainEqual(expect.objectContaining({ price_id: PRICES.core.monthly, plan_id: 'core', billing_interval: 'monthly' }));
  });

  it('answers 503 BILLING_NOT_CONFIGURED when Stripe is not configured', async () => {
    const bare = await startTestApp('billing-unconfigured', { env: { NOTIFICATIONS_WORKER_IN_PROCESS: 'false', BILLING_SWEEP_INTERVAL_MS: '86400000' } });
    try {
      const token = await bare.token('support');
      await createTenant(bare, token, 'initech', 'saas');
      const webhook = await bare.http('POST', WEBHOOK, { rawBody: '{}', headers: { 'content-type': 'application/json', 'stripe-signature': 't=1,v1=00' } });
      expect([webhook.status, webhook.body.error.code]).toEqual([503, 'BILLING_NOT_CONFIGURED']);
      const portal = await bare.http('POST', '/api/v1/billing/portal-sessions', { token, body: { tenant_id: 'initech' } });
      expect([portal.status, portal.body.error.code]).toEqual([503, 'BILLING_NOT_CONFIGURED']);
      expect((await bare.http('GET', '/api/v1/tenants/initech/entitlements', { token })).body).toMatchObject({ access: 'blocked', subscription_status: null });
    } finally {
      await bare.destroy();
    }
  });
});

describe('Stripe webhook: a hung Stripe (end to end)', () => {
  let stripe: FakeStripe;
  let cp: TestApp;

  beforeAll(async () => {
    stripe = await FakeStripe.start();
    cp = await startTestApp('billing-hung-stripe', { env: billingEnv(stripe, { STRIPE_TIMEOUT_MS: '1000', STRIPE_MAX_NETWORK_RETRIES: '1' }) });
    const support = await cp.token('support');
    await mapPrices(cp, support);
    await createTenant(cp, support, 'slowco', 'saas');
    expect((await cp.http('POST', '/api/v1/billing/portal-sessions', { token: support, body: { tenant_id: 'slowco' } })).status).toBe(201);
  });

  afterAll(async () => {
    await cp.destroy();
    await stripe.close();
  });

  it('gives up after STRIPE_TIMEOUT_MS times the attempts of STRIPE_MAX_NETWORK_RETRIES, answers 5xx and keeps nothing', async () => {
    const customer = [...stripe.customers.keys()][0];
    const now = cp.clock.now();
    stripe.setSubscription({
      id: 'sub_slow',
      customer,
      status: 'active',
      prices: [PRICES.core.monthly],
      periodStart: now,
      periodEnd: new Date(now.getTime() + 30 * DAY_MS),
    });
    const event = stripe.event('customer.subscription.updated', { id: 'sub_slow', object: 'subscription', customer, status: 'active' }, now);
    // Each stalled answer would still arrive (a 200) if the client waited for it: a 5xx means it timed out.
    stripe.stallNext('/v1/subscriptions/', 2, 2_500);
    const failed = await stripe.deliver(cp, event);
    expect(failed.status).toBeGreaterThanOrEqual(500);
    expect(stripe.requestsTo('/v1/subscriptions/sub_slow')).toHaveLength(2);
    expect(await cp.app.get(DataSource).query('SELECT id FROM stripe_events WHERE id = $1', [event.id])).toEqual([]);
  }, 30_000);
});
