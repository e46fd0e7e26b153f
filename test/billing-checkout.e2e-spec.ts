import { createHash } from 'node:crypto';
import { DataSource } from 'typeorm';
import { billingEnv, createTenant, mapPrices, PRICES } from './support/billing-fixtures.js';
import { FakeStripe } from './support/fake-stripe.js';
import { startTestApp, type TestApp } from './support/test-app.js';

/** Checkout and the Customer Portal, reached by staff or by a customer through a one-time login link. */
describe('Checkout, Customer Portal and login links (end to end)', () => {
  let stripe: FakeStripe;
  let cp: TestApp;
  let support: string;

  beforeAll(async () => {
    stripe = await FakeStripe.start();
    cp = await startTestApp('billing-checkout', { env: billingEnv(stripe, { LOGIN_LINK_TTL_MINUTES: '15', BILLING_SESSION_TTL_MINUTES: '60' }) });
    support = await cp.token('support');
    await mapPrices(cp, support);
    await createTenant(cp, support, 'umbrella', 'saas');
    await createTenant(cp, support, 'wayne', 'dedicated');
  });

  afterAll(async () => {
    await cp.destroy();
    await stripe.close();
  });

  const checkout = (body: Record<string, unknown>, token = support) => cp.http('POST', '/api/v1/billing/checkout-sessions', { token, body });
  const portal = (tenant: string, token = support) => cp.http('POST', '/api/v1/billing/portal-sessions', { token, body: { tenant_id: tenant } });
  const loginLink = async (tenant: string) => {
    const response = await cp.http('POST', `/api/v1/tenants/${tenant}/login-links`, { token: support });
    expect(response.status).toBe(201);
    return { ...response.body, token: new URL(response.body.url).hash.replace('#login_token=', '') } as { url: string; expires_at: string; token: string };
  };
  const redeem = (token: string) => cp.http('POST', '/api/v1/billing/login-links/redeem', { body: { token } });

  it('refuses a checkout for an unknown plan, an unknown interval, or a plan without a price for the interval', async () => {
    const plan = await checkout({ tenant_id: 'umbrella', plan_id: 'platinum', billing_interval: 'monthly' });
    expect([plan.status, plan.body.error.code]).toEqual([404, 'PLAN_NOT_FOUND']);
    const interval = await checkout({ tenant_id: 'umbrella', plan_id: 'core', billing_interval: 'weekly' });
    expect([interval.status, interval.body.error.code, interval.body.error.details[0].field]).toEqual([400, 'VALIDATION_FAILED', 'billing_interval']);
    const unpriced = await checkout({ tenant_id: 'umbrella', plan_id: 'enterprise', billing_interval: 'annual' });
    expect([unpriced.status, unpriced.body.error.code]).toEqual([409, 'PRICE_NOT_CONFIGURED']);
    const addon = await checkout({ tenant_id: 'umbrella', plan_id: 'core', billing_interval: 'monthly', addons: ['edge_pack'] });
    expect([addon.status, addon.body.error.code]).toEqual([400, 'UNKNOWN_ADDON']);
    const tenant = await checkout({ tenant_id: 'nobody', plan_id: 'core', billing_interval: 'monthly' });
    expect([tenant.status, tenant.body.error.code]).toEqual([404, 'TENANT_NOT_FOUND']);
    expect(stripe.requests).toHaveLength(0);
  });

  it('creates the Stripe customer once and a Checkout session for the plan price, with idempotency keys', async () => {
    const first = await checkout({ tenant_id: 'umbrella', plan_id: 'core', billing_interval: 'annual' });
    expect(first.status).toBe(201);
    expect(first.body).toEqual({
      id: expect.stringMatching(/^cs_test_/),
      url: expect.stringMatching(/^https:\/\/checkout\.stripe\.test\//),
      expires_at: expect.any(String),
    });
    const second = await checkout({ tenant_id: 'umbrella', plan_id: 'core', billing_interval: 'monthly' });
    expect(second.status).toBe(201);
    expect(stripe.requestsTo('/v1/customers')).toHaveLength(1);
    const sessions = stripe.requestsTo('/v1/checkout/sessions');
    expect(sessions.map((request) => request.params['line_items[0][price]'])).toEqual([PRICES.core.annual, PRICES.core.monthly]);
    expect(sessions[0].params).toMatchObject({ mode: 'subscription', client_reference_id: 'umbrella', 'subscription_data[metadata][tenant_id]': 'umbrella' });
    for (const request of stripe.requests.filter((candidate) => candidate.method === 'POST')) expect(request.idempotencyKey).toBeTruthy();
    const [bound] = await cp.app.get(DataSource).query(`SELECT stripe_customer_id FROM tenants WHERE id = 'umbrella'`);
    expect(bound.stripe_customer_id).toBe(sessions[0].params.customer);
  });

  it('keys a Checkout by the request id and its parameters: a reused X-Request-Id with other parameters is a new session', async () => {
    const withId = (body: Record<string, unknown>) =>
      cp.http('POST', '/api/v1/billing/checkout-sessions', { token: support, body, headers: { 'x-request-id': 'req-reused-1' } });
    const annual = await withId({ tenant_id: 'umbrella', plan_id: 'core', billing_interval: 'annual' });
    expect(annual.status).toBe(201);
    const monthly = await withId({ tenant_id: 'umbrella', plan_id: 'core', billing_interval: 'monthly', addons: ['automation_pro'] });
    expect([monthly.status, monthly.text]).toEqual([201, expect.any(String)]);
    expect(monthly.body.id).not.toBe(annual.body.id);
    // The same request retried (same id, same parameters) is the same session: Stripe replays it.
    const retried = await withId({ tenant_id: 'umbrella', plan_id: 'core', billing_interval: 'annual' });
    expect([retried.status, retried.body.id]).toEqual([201, annual.body.id]);
    const keys = stripe
      .requestsTo('/v1/checkout/sessions')
      .slice(-3)
      .map((request) => request.idempotencyKey);
    expect(keys[0]).toBe(keys[2]);
    expect(keys[0]).not.toBe(keys[1]);
  });

  it('gives a portal URL, creating the customer of a tenant that has none from its contact email', async () => {
    const response = await portal('wayne');
    expect(response.status).toBe(201);
    expect(response.body.url).toMatch(/^https:\/\/billing\.stripe\.test\/p\/session\//);
    const created = stripe.requestsTo('/v1/customers').at(-1)!;
    expect(created.params).toMatchObject({ email: 'billing@wayne.example', name: 'WAYNE', 'metadata[tenant_id]': 'wayne' });
    expect(stripe.requestsTo('/v1/billing_portal/sessions').at(-1)!.params).toMatchObject({ return_url: 'https://portal.atlastechlab.test/billing' });
  });

  it('lets a customer in through a one-time login link, scoped to their tenant', async () => {
    const link = await loginLink('umbrella');
    expect(link.url).toMatch(/^https:\/\/portal\.atlastechlab\.test\/billing#login_token=lal_/);
    const [row] = await cp.app.get(DataSource).query(`SELECT token_hash FROM login_links WHERE tenant_id = 'umbrella'`);
    expect(row.token_hash).toBe(createHash('sha256').update(link.token).digest('hex'));

    const session = await redeem(link.token);
    expect(session.status).toBe(200);
    expect(session.body).toMatchObject({ tenant_id: 'umbrella', session_token: expect.stringMatching(/^lcs_/) });
    const customer = session.body.session_token as string;
    expect((await portal('umbrella', customer)).status).toBe(201);
    expect((await checkout({ tenant_id: 'umbrella', plan_id: 'operations', billing_interval: 'monthly' }, customer)).status).toBe(201);

    const elsewhere = await portal('wayne', customer);
    expect([elsewhere.status, elsewhere.body.error.code]).toEqual([403, 'FORBIDDEN']);
    // The session is for billing only: the staff API does not know it.
    expect((await cp.http('GET', '/api/v1/tenants/umbrella', { token: customer })).status).toBe(401);
  });

  it('refuses a reused login link, an expired one, and an expired session', async () => {
    const reused = await loginLink('wayne');
    expect((await redeem(reused.token)).status).toBe(200);
    const again = await redeem(reused.token);
    expect([again.status, again.body.error.code]).toEqual([401, 'LOGIN_LINK_INVALID']);

    const expiring = await loginLink('wayne');
    cp.clock.advance(15 * 60_000);
    const late = await redeem(expiring.token);
    expect([late.status, late.body.error.code]).toEqual([401, 'LOGIN_LINK_INVALID']);

    const fresh = await loginLink('wayne');
    const session = (await redeem(fresh.token)).body.session_token as string;
    cp.clock.advance(60 * 60_000);
    const stale = await portal('wayne', session);
    expect([stale.status, stale.body.error.code]).toEqual([401, 'UNAUTHENTICATED']);

    const malformed = await redeem('lal_short');
    expect([malformed.status, malformed.body.error.code]).toEqual([400, 'VALIDATION_FAILED']);
  });

  it('keeps viewers and anonymous callers out of checkout and the portal', async () => {
    const viewer = await portal('umbrella', await cp.token('viewer'));
    expect([viewer.status, viewer.body.error.code]).toEqual([403, 'FORBIDDEN']);
    const anonymous = await cp.http('POST', '/api/v1/billing/portal-sessions', { body: { tenant_id: 'umbrella' } });
    expect([anonymous.status, anonymous.body.error.code]).toEqual([401, 'UNAUTHENTICATED']);
  });

  it('refuses a second checkout once the tenant has a live Stripe subscription', async () => {
    const customer = stripe.requestsTo('/v1/checkout/sessions')[0].params.customer;
    const now = cp.clock.now();
    const subscription = { id: 'sub_umbrella', customer, status: 'active', prices: [PRICES.core.annual], periodStart: now, periodEnd: now };
    expect((await stripe.completeCheckout(cp, subscription, 'umbrella', 'cs_done')).response.body.outcome).toBe('processed');
    const twice = await checkout({ tenant_id: 'umbrella', plan_id: 'core', billing_interval: 'annual' });
    expect([twice.status, twice.body.error.code]).toEqual([409, 'ALREADY_SUBSCRIBED']);
  });

  it('records a second live subscription from another open Checkout session as second_subscription, for staff to resolve', async () => {
    const customer = stripe.requestsTo('/v1/checkout/sessions')[0].params.customer;
    const now = cp.clock.now();
    const subscription = { id: 'sub_umbrellaTwice', customer, status: 'active', prices: [PRICES.core.monthly], periodStart: now, periodEnd: now };
    const { event, response } = await stripe.completeCheckout(cp, subscription, 'umbrella', 'cs_twice');
    expect(response.body.outcome).toBe('second_subscription');
    const listed = await cp.http('GET', '/api/v1/billing/stripe-events?outcome=second_subscription&tenant_id=umbrella', { token: support });
    expect(listed.body.items).toEqual([
      expect.objectContaining({
        id: event.id,
        stripe_subscription_id: 'sub_umbrellaTwice',
        detail: expect.stringMatching(/^second subscription for tenant umbrella/),
      }),
    ]);
    expect((await cp.http('GET', '/api/v1/tenants/umbrella/subscription', { token: support })).body).toMatchObject({
      status: 'active',
      billing_interval: 'annual',
    });
  });

  it('refuses staff PUT and PATCH of a Stripe-managed subscription with 409 SUBSCRIPTION_MANAGED_BY_STRIPE', async () => {
    const path = '/api/v1/tenants/umbrella/subscription';
    const put = await cp.http('PUT', path, { token: support, body: { plan_id: 'operations', billing_interval: 'monthly' } });
    expect([put.status, put.body.error.code]).toEqual([409, 'SUBSCRIPTION_MANAGED_BY_STRIPE']);
    expect(put.body.error.message).toMatch(/sub_umbrella.*Stripe.*Customer Portal/);
    const patch = await cp.http('PATCH', path, { token: support, body: { status: 'suspended' } });
    expect([patch.status, patch.body.error.code]).toEqual([409, 'SUBSCRIPTION_MANAGED_BY_STRIPE']);
    expect((await cp.http('GET', path, { token: support })).body).toMatchObject({ status: 'active', plan_id: 'core', billing_interval: 'annual' });
  });

  it('cancels on customer.subscription.deleted: blocked, one canceled email, and checkout is open again', async () => {
    stripe.setStatus('sub_umbrella', 'canceled');
    const customer = stripe.requestsTo('/v1/checkout/sessions')[0].params.customer;
    const deleted = stripe.event('customer.subscription.deleted', { id: 'sub_umbrella', object: 'subscription', customer, status: 'canceled' }, cp.clock.now());
    expect((await stripe.deliver(cp, deleted)).body.outcome).toBe('processed');
    const late = stripe.event('invoice.paid', stripe.invoice('sub_umbrella', customer), cp.clock.now());
    expect((await stripe.deliver(cp, late)).body.outcome).toBe('unchanged');
    const entitlements = await cp.http('GET', '/api/v1/tenants/umbrella/entitlements', { token: support });
    expect(entitlements.body).toMatchObject({ access: 'blocked', subscription_status: 'canceled' });
    const emails = await cp.http('GET', '/api/v1/notifications?tenant_id=umbrella&stage=canceled', { token: support });
    expect(emails.body.items).toHaveLength(1);
    expect((await checkout({ tenant_id: 'umbrella', plan_id: 'core', billing_interval: 'annual' })).status).toBe(201);
  });
});
