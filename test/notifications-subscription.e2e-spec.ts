import { DataSource } from 'typeorm';
import { NotificationOutbox, type NotificationRequest } from '../apps/control-plane/src/notifications/notification-outbox.service.js';
import { dropRedisPrefix, fastNotifications, redisPrefix, TEST_REDIS_URL } from './support/notification-env.js';
import { SmtpSink } from './support/smtp-sink.js';
import { startTestApp, type TestApp } from './support/test-app.js';

/**
 * The subscription story's emails. The billing webhook (issue 5) is not in this tree yet, so the
 * rows are recorded through the outbox exactly as its handlers will: in a transaction, with the
 * subscription as subject and the billing cycle as cycle. Replace `record` with webhook calls once
 * the webhook exists.
 */
describe('subscription lifecycle emails (end to end)', () => {
  const prefix = redisPrefix('notif-sub');
  let smtp: SmtpSink;
  let cp: TestApp;
  let subscriptionId: string;

  beforeAll(async () => {
    smtp = await SmtpSink.start();
    cp = await startTestApp('notif-subscription', {
      env: fastNotifications(smtp.url, { REDIS_URL: TEST_REDIS_URL, REDIS_KEY_PREFIX: prefix }),
    });
    const support = await cp.token('support');
    await cp.http('POST', '/api/v1/tenants', {
      token: support,
      body: { id: 'hooli', name: 'Hooli', contact_email: 'billing@hooli.example', deployment_mode: 'saas' },
    });
    const subscription = await cp.http('PUT', '/api/v1/tenants/hooli/subscription', {
      token: support,
      body: { plan_id: 'operations', billing_interval: 'monthly' },
    });
    expect(subscription.status).toBe(200);
    subscriptionId = subscription.body.id;
  });

  afterAll(async () => {
    await cp.destroy();
    await smtp.close();
    await dropRedisPrefix(prefix);
  });

  async function record(request: Omit<NotificationRequest, 'tenantId' | 'audience' | 'subject'>): Promise<string | null> {
    const outbox = cp.app.get(NotificationOutbox);
    return cp.app
      .get(DataSource)
      .transaction((manager) => outbox.record(manager, { tenantId: 'hooli', audience: 'tenant', subject: subscriptionId, ...request }));
  }

  it('payment failed (replayed five times), grace ending, suspended, reactivated: one email each, with dates and days left', async () => {
    const failedAt = cp.clock.now().toISOString();
    const graceEndsAt = new Date(cp.clock.now().getTime() + 7 * 86_400_000).toISOString();
    const failure = {
      stage: 'payment_failed' as const,
      cycle: '2026-11-24',
      facts: { plan_name: 'Operations', billing_interval: 'monthly', failed_at: failedAt, grace_ends_at: graceEndsAt },
    };
    const ids = [];
    for (let replay = 0; replay < 5; replay += 1) ids.push(await record(failure));
    expect(ids.filter(Boolean)).toHaveLength(1);

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
    await record({ stage: 'grace_ending', cycle: '2026-11-24', facts: { plan_name: 'Operations', grace_ends_at: graceEndsAt } });
    const [ending] = (await smtp.waitFor(2)).slice(1);
    expect(ending.subject).toBe('Hooli: your AtlasAI account will be suspended in 2 days');
    expect(ending.text).toContain('The grace period ends on 1 December 2026 (2 days left)');

    cp.clock.advanceDays(2);
    const suspendedAt = cp.clock.now().toISOString();
    await record({ stage: 'suspended', cycle: '2026-11-24', facts: { plan_name: 'Operations', grace_ends_at: graceEndsAt, suspended_at: suspendedAt } });
    const [suspended] = (await smtp.waitFor(3)).slice(2);
    expect(suspended.subject).toBe('Hooli: your AtlasAI account is suspended');
    expect(suspended.text).toContain('all API access is blocked');
    expect(suspended.text).toContain('Suspended on: 1 December 2026');
    expect(suspended.text).toContain('Pay and reactivate: https://portal.atlastechlab.test/billing');

    cp.clock.advanceDays(1);
    await record({
      stage: 'reactivated',
      cycle: '2026-11-24',
      facts: { plan_name: 'Operations', reactivated_at: cp.clock.now().toISOString(), portal_url: 'https://billing.stripe.test/session/abc' },
    });
    const [reactivated] = (await smtp.waitFor(4)).slice(3);
    expect(reactivated.subject).toBe('Hooli: your AtlasAI subscription is active again');
    expect(reactivated.text).toContain('Reactivated on: 2 December 2026');
    expect(reactivated.text).toContain('Review your billing: https://billing.stripe.test/session/abc');

    // Replaying any of them now changes nothing.
    for (const stage of ['payment_failed', 'grace_ending', 'suspended'] as const) expect(await record({ ...failure, stage })).toBeNull();
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(smtp.messages.map((mail) => mail.subject)).toHaveLength(4);
  });
});
