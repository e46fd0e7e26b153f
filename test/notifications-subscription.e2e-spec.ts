import { BillingSweeper } from '../apps/control-plane/src/billing/billing-sweeper.cron.js';
import { DAY_MS, mapPrices, PRICES } from './support/billing-fixtures.js';
import { FakeStripe, type SignedEvent } from './support/fake-stripe.js';
import { dropRedisPrefix, fastNotifications, redisPrefix, TEST_REDIS_URL } from './support/notification-env.js';
import { SmtpSink } from './support/smtp-sink.js';
import { startTestApp, type TestApp } from './support/test-app.js';

/**
 * The subscription story's emails, caused the way production causes them: signed Stripe webhooks
 * (against a fake Stripe the test owns) and the billing sweeper.
 */
describe('subscription lifecycle emails (end to end)', () => {
  const prefix = redisPrefix('notif-sub');
  let smtp: SmtpSink;
  let stripe: FakeStripe;
  let cp: TestApp;
  let customer: string;
  const delivered: SignedEvent[] = [];

  beforeAll(async () => {
    smtp = await SmtpSink.start();
    stripe = await FakeStripe.start();
    cp = await startTestApp('notif-subscription', {
      env: fastNotifications(smtp.url, { REDIS_URL: TEST_REDIS_URL, REDIS_KEY_PREFIX: prefix, ...stripe.env(), BILLING_SWEEP_INTERVAL_MS: '86400000' }),
    });
    const support = await cp.token('support');
    await cp.http('POST', '/api/v1/tenants', {
      token: support,
      body: { id: 'hooli', name: 'Hooli', contact_email: 'billing@hooli.example', deployment_mode: 'saas' },
    });
    await mapPrices(cp, support);
    // The portal endpoint creates the tenant's Stripe customer; Stripe then reports its subscription.
    expect((await cp.http('POST', '/api/v1/billing/portal-sessions', { token: support, body: { tenant_id: 'hooli' } })).status).toBe(201);
    customer = [...stripe.customers.keys()][0];
    const now = cp.clock.now();
    stripe.setSubscription({
      id: 'sub_hooli',
      customer,
      status: 'active',
      prices: [PRICES.operations.monthly],
      periodStart: now,
      periodEnd: new Date(now.getTime() + 30 * DAY_MS),
    });
    expect(await deliver(stripe.event('customer.subscription.created', { id: 'sub_hooli', object: 'subscription', customer }, now))).toBe('processed');
  });

  afterAll(async () => {
    await cp.destroy();
    await stripe.close();
    await smtp.close();
    await dropRedisPrefix(prefix);
  });

  async function deliver(event: SignedEvent): Promise<string> {
    const response = await stripe.deliver(cp, event);
    expect(response.status).toBe(200);
    if (!delivered.includes(event)) delivered.push(event);
    return response.body.outcome;
  }

  const invoice = (type: string) => stripe.event(type, stripe.invoice('sub_hooli', customer), cp.clock.now());
  const sweep = () => cp.app.get(BillingSweeper).sweep();

  it('payment failed (replayed five times), grace ending, suspended, reactivated: one email each, with dates and days left', async () => {
    stripe.setStatus('sub_hooli', 'past_due');
    const failure = invoice('invoice.payment_failed');
    const outcomes = [];
    for (let replay = 0; replay < 5; replay += 1) outcomes.push(await deliver(failure));
    expect(outcomes).toEqual(['processed', 'duplicate', 'duplicate', 'duplicate', 'duplicate']);
    // Stripe's next retry in the same cycle fails too: still one email.
    expect(await deliver(invoice('invoice.payment_failed'))).toBe('unchanged');

    const [failed] = await smtp.waitFor(1);
    expect(failed.envelope.to).toEqual(['billing@hooli.example']);
    expect(failed.subject).toBe('Payment failed for Hooli: update your payment method by 1 December 2026');
    expect(failed.text).toContain('The grace period ends on 1 December 2026, in 7 days');
    expect(failed.text).toContain('writes (creating incidents, running automation, and so on) are suspended');
    expect(failed.text).toContain('Plan: Operations');
    expect(failed.text).toContain('Billing: monthly');
    expect(failed.text).toContain('Payment failed on: 24 November 2026');
    expect(failed.text).toContain('Grace period ends: 1 December 2026 (7 days from now)');
    expect(failed.text).toContain('Update your payment method: https://portal.atlastechlab.test/billing');
    expect(failed.html).toContain('<a href="https://portal.atlastechlab.test/billing"');

    cp.clock.advanceDays(5);
    expect(await sweep()).toMatchObject({ suspended: 0, noticed: 1 });
    const [ending] = (await smtp.waitFor(2)).slice(1);
    expect(ending.subject).toBe('Hooli: your AtlasAI account will be suspended in 2 days');
    expect(ending.text).toContain('The grace period ends on 1 December 2026 (2 days left)');

    cp.clock.advanceDays(2);
    expect(await sweep()).toMatchObject({ suspended: 1 });
    const [suspended] = (await smtp.waitFor(3)).slice(2);
    expect(suspended.subject).toBe('Hooli: your AtlasAI account is suspended');
    expect(suspended.text).toContain('all API access is blocked');
    expect(suspended.text).toContain('Suspended on: 1 December 2026');
    expect(suspended.text).toContain('Pay and reactivate: https://portal.atlastechlab.test/billing');

    cp.clock.advanceDays(1);
    stripe.setStatus('sub_hooli', 'active');
    expect(await deliver(invoice('invoice.paid'))).toBe('processed');
    const [reactivated] = (await smtp.waitFor(4)).slice(3);
    expect(reactivated.subject).toBe('Hooli: your AtlasAI subscription is active again');
    expect(reactivated.text).toContain('Reactivated on: 2 December 2026');
    expect(reactivated.text).toContain('Review your billing: https://portal.atlastechlab.test/billing');

    // Replaying every webhook and sweeping again now changes nothing.
    for (const event of delivered) expect(await deliver(event)).toBe('duplicate');
    expect(await sweep()).toMatchObject({ suspended: 0, noticed: 0 });
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(smtp.messages.map((mail) => mail.subject)).toHaveLength(4);
  });
});
