import { DataSource } from 'typeorm';
import { BillingSweeper } from '../apps/control-plane/src/billing/billing-sweeper.cron.js';
import { billingEnv, createTenant, DAY_MS, mapPrices, PRICES } from './support/billing-fixtures.js';
import { FakeStripe, type SignedEvent } from './support/fake-stripe.js';
import { MovableClock } from './support/movable-clock.js';
import { startTestApp, type TestApp } from './support/test-app.js';

/**
 * The "Done when" story, for monthly (7 days of grace) and annual (14 days) billing, driven
 * through signed webhooks against a fake Stripe the test controls, the sweeper, the entitlements
 * endpoint and BYOC phone-home.
 */
describe.each([
  { interval: 'monthly' as const, graceDays: 7, periodDays: 30 },
  { interval: 'annual' as const, graceDays: 14, periodDays: 365 },
])('billing lifecycle, $interval ($graceDays days of grace)', ({ interval, graceDays, periodDays }) => {
  const tenant = `acme-${interval}`;
  const subscriptionId = `sub_${interval}Story`;
  const delivered: SignedEvent[] = [];
  let stripe: FakeStripe;
  let cp: TestApp;
  let support: string;
  let service: string;
  let customer: string;
  let license: string;
  let failedAt: Date;
  /** How many of `delivered` make up the story up to (and including) the past_due stage. */
  let pastDueStage = 0;

  beforeAll(async () => {
    stripe = await FakeStripe.start();
    cp = await startTestApp(`billing-${interval}`, { env: billingEnv(stripe) });
    support = await cp.token('support');
    await mapPrices(cp, support);
    await createTenant(cp, support, tenant, 'byoc');
    service = await cp.token('service', tenant);
  });

  afterAll(async () => {
    await cp.destroy();
    await stripe.close();
  });

  async function deliver(type: string, object: Record<string, unknown>): Promise<string> {
    const event = stripe.event(type, object, cp.clock.now());
    const response = await stripe.deliver(cp, event);
    expect([type, response.status, response.text]).toEqual([type, 200, expect.any(String)]);
    delivered.push(event);
    return response.body.outcome;
  }

  const subscription = async () => (await cp.http('GET', `/api/v1/tenants/${tenant}/subscription`, { token: support })).body;
  const entitlements = async () => (await cp.http('GET', `/api/v1/tenants/${tenant}/entitlements`, { token: service })).body;
  const phoneHome = () => cp.http('POST', '/api/v1/phone-home', { body: { license, tp_version: '2.4.0' } });
  const stages = async (stage: string) =>
    (await cp.http('GET', `/api/v1/notifications?tenant_id=${tenant}&stage=${stage}`, { token: support })).body.items as { facts: Record<string, unknown> }[];

  it('checkout completed: active, full access, a BYOC license that renews', async () => {
    const checkout = await cp.http('POST', '/api/v1/billing/checkout-sessions', {
      token: support,
      body: { tenant_id: tenant, plan_id: 'operations', billing_interval: interval, addons: ['automation_pro'] },
    });
    expect(checkout.status).toBe(201);
    expect(checkout.body.url).toMatch(/^https:\/\/checkout\.stripe\.test\/c\/pay\/cs_test_/);
    const [created] = stripe.requestsTo('/v1/checkout/sessions');
    expect(created.params).toMatchObject({
      mode: 'subscription',
      client_reference_id: tenant,
      'line_items[0][price]': PRICES.operations[interval],
      'line_items[1][price]': PRICES.automation_pro[interval],
    });
    expect(created.idempotencyKey).toBeTruthy();
    expect(created.apiVersion).toBe('2026-10-28.endive');
    customer = created.params.customer;
    expect(customer).toMatch(/^cus_/);

    const start = cp.clock.now();
    stripe.setSubscription({
      id: subscriptionId,
      customer,
      status: 'active',
      prices: [PRICES.operations[interval], PRICES.automation_pro[interval]],
      periodStart: start,
      periodEnd: new Date(start.getTime() + periodDays * DAY_MS),
    });
    const outcome = await deliver('checkout.session.completed', {
      id: checkout.body.id,
      object: 'checkout.session',
      mode: 'subscription',
      customer,
      subscription: subscriptionId,
      client_reference_id: tenant,
    });
    expect(outcome).toBe('processed');
    expect(await subscription()).toMatchObject({
      status: 'active',
      plan_id: 'operations',
      addons: ['automation_pro'],
      billing_interval: interval,
      access: 'full',
      grace_ends_at: null,
    });
    expect(await entitlements()).toMatchObject({ access: 'full', subscription_status: 'active', plan_id: 'operations', addons: ['automation_pro'] });

    const issued = await cp.http('POST', '/api/v1/licenses', { token: support, body: { tenant_id: tenant, deployment_mode: 'byoc' } });
    expect(issued.status).toBe(201);
    license = issued.body.token;
    const renewed = await phoneHome();
    expect(renewed.status).toBe(200);
    license = renewed.body.license;
  });

  it(`payment failed: past_due, grace ends ${graceDays} days later, entitlements read_only`, async () => {
    cp.clock.advanceDays(3);
    failedAt = cp.clock.now();
    stripe.setStatus(subscriptionId, 'past_due');
    expect(await deliver('invoice.payment_failed', stripe.invoice(subscriptionId, customer))).toBe('processed');
    const graceEnd = new Date(failedAt.getTime() + graceDays * DAY_MS).toISOString();
    expect(await subscription()).toMatchObject({ status: 'past_due', access: 'read_only', grace_ends_at: graceEnd });
    expect(await entitlements()).toMatchObject({ access: 'read_only', subscription_status: 'past_due', grace_ends_at: graceEnd });
    const [failed, ...more] = await stages('payment_failed');
    expect(more).toHaveLength(0);
    expect(failed.facts).toEqual({ plan_name: 'Operations', billing_interval: interval, failed_at: failedAt.toISOString(), grace_ends_at: graceEnd });
  });

  it('two more failures leave the grace end where it was', async () => {
    const before = (await subscription()).grace_ends_at;
    for (const attempt of [2, 3]) {
      cp.clock.advanceDays(1);
      expect(await deliver('invoice.payment_failed', stripe.invoice(subscriptionId, customer, { attempt_count: attempt }))).toBe('unchanged');
    }
    // Stripe's own subscription.updated for the same failure does not move it either.
    expect(await deliver('customer.subscription.updated', { id: subscriptionId, object: 'subscription', customer, status: 'past_due' })).toBe('unchanged');
    expect((await subscription()).grace_ends_at).toBe(before);
    expect(await stages('payment_failed')).toHaveLength(1);
    pastDueStage = delivered.length;
  });

  it('grace over and the sweeper runs: suspended, blocked, phone-home refused with SUBSCRIPTION_INACTIVE', async () => {
    const sweeper = cp.app.get(BillingSweeper);
    cp.clock.set(new Date(failedAt.getTime() + (graceDays - 1) * DAY_MS));
    expect(await sweeper.sweep()).toMatchObject({ ran: true, suspended: 0, noticed: 1 });
    expect((await subscription()).status).toBe('past_due');
    expect(await stages('grace_ending')).toHaveLength(1);

    cp.clock.set(new Date(failedAt.getTime() + graceDays * DAY_MS + 60_000));
    expect(await sweeper.sweep()).toMatchObject({ ran: true, suspended: 1 });
    expect(await sweeper.sweep()).toMatchObject({ ran: true, suspended: 0 });
    expect(await subscription()).toMatchObject({ status: 'suspended', access: 'blocked' });
    expect(await entitlements()).toMatchObject({ access: 'blocked', subscription_status: 'suspended' });
    const [suspended] = await stages('suspended');
    expect(suspended.facts).toMatchObject({ plan_name: 'Operations', suspended_at: cp.clock.now().toISOString() });

    // Stripe still retries; a late failure does not bring it back to past_due.
    expect(await deliver('invoice.payment_failed', stripe.invoice(subscriptionId, customer, { attempt_count: 4 }))).toBe('unchanged');
    expect((await subscription()).status).toBe('suspended');

    const refused = await phoneHome();
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe('SUBSCRIPTION_INACTIVE');
  });

  it('invoice paid: active again, full access, phone-home renews', async () => {
    cp.clock.advanceDays(1);
    stripe.setStatus(subscriptionId, 'active');
    expect(await deliver('invoice.paid', stripe.invoice(subscriptionId, customer, { status: 'paid' }))).toBe('processed');
    expect(await subscription()).toMatchObject({ status: 'active', access: 'full', grace_ends_at: null });
    expect(await entitlements()).toMatchObject({ access: 'full', subscription_status: 'active' });
    expect((await stages('reactivated'))[0].facts).toMatchObject({ reactivated_at: cp.clock.now().toISOString() });

    const renewed = await phoneHome();
    expect(renewed.status).toBe(200);
    expect(renewed.body.license).toEqual(expect.any(String));
  });

  it('wrote each transition to the history and the audit log', async () => {
    const history = await cp.app
      .get(DataSource)
      .query(`SELECT from_status, to_status, source FROM subscription_events WHERE tenant_id = $1 ORDER BY occurred_at, to_status`, [tenant]);
    expect(history.map((row: Record<string, string>) => [row.from_status, row.to_status, row.source.replace(/^stripe:evt_.*/, 'stripe')])).toEqual([
      [null, 'active', 'stripe'],
      ['active', 'past_due', 'stripe'],
      ['past_due', 'suspended', 'sweeper'],
      ['suspended', 'active', 'stripe'],
    ]);
    const audit = await cp.http('GET', `/api/v1/audit-events?target_type=subscription&target_id=${tenant}&action=subscription.status_changed`, {
      token: support,
    });
    expect(audit.body.items).toHaveLength(4);
  });

  it('replaying every event of the story twice changes nothing and sends nothing', async () => {
    const before = { subscription: await subscription(), notifications: await cp.http('GET', `/api/v1/notifications?tenant_id=${tenant}`, { token: support }) };
    for (const pass of [1, 2]) {
      for (const event of delivered) {
        const response = await stripe.deliver(cp, event);
        expect([pass, event.type, response.status, response.body.outcome]).toEqual([pass, event.type, 200, 'duplicate']);
      }
    }
    expect(await subscription()).toEqual(before.subscription);
    expect((await cp.http('GET', `/api/v1/notifications?tenant_id=${tenant}`, { token: support })).body.items).toHaveLength(
      before.notifications.body.items.length,
    );
  });

  it('the same events, delivered twice in order or in reverse order to a fresh control plane, end in the same state', async () => {
    const finalState = pick(await subscription());
    const pastDueState = {
      ...finalState,
      status: 'past_due',
      access: 'read_only',
      grace_ends_at: new Date(failedAt.getTime() + graceDays * DAY_MS).toISOString(),
    };
    for (const order of ['in order, twice', 'reverse', 'past_due stage, reverse'] as const) {
      const fresh = await startTestApp(`billing-replay-${interval}`, { env: billingEnv(stripe), clock: new MovableClock(cp.clock.now()) });
      try {
        const token = await fresh.token('support');
        await mapPrices(fresh, token);
        await createTenant(fresh, token, tenant, 'byoc');
        if (order !== 'in order, twice') {
          // The customer is already bound, so every event (not only the checkout) is applied against Stripe's state.
          await fresh.app.get(DataSource).query('UPDATE tenants SET stripe_customer_id = $1 WHERE id = $2', [customer, tenant]);
        }
        // The past_due stage is replayed while Stripe still says past_due: the failures arrive newest first.
        const events =
          order === 'reverse'
            ? [...delivered].reverse()
            : order === 'past_due stage, reverse'
              ? delivered.slice(0, pastDueStage).reverse()
              : [...delivered, ...delivered];
        if (order === 'past_due stage, reverse') stripe.setStatus(subscriptionId, 'past_due');
        for (const event of events) expect((await stripe.deliver(fresh, event)).status).toBe(200);
        const replayed = (await fresh.http('GET', `/api/v1/tenants/${tenant}/subscription`, { token })).body;
        expect([order, pick(replayed)]).toEqual([order, order === 'past_due stage, reverse' ? pastDueState : finalState]);
      } finally {
        stripe.setStatus(subscriptionId, 'active');
        await fresh.destroy();
      }
    }
  });
});

function pick(subscription: Record<string, unknown>) {
  const { status, access, plan_id, addons, billing_interval, grace_ends_at } = subscription;
  return { status, access, plan_id, addons, billing_interval, grace_ends_at };
}
