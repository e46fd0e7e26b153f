import { DataSource } from 'typeorm';
import { billingEnv, stripeCustomerOf as cus, stripeSubscriptionOf as sub, subscribeTenants } from '../support/billing-fixtures.js';
import { FakeStripe, type SignedEvent } from '../support/fake-stripe.js';
import type { TestResponse } from '../support/http-call.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { recordFault } from './support/fault-report.js';
import { failedProbes, probeRoutes, serverErrors } from './support/workload.js';

const TENANTS = 4;
const WEBHOOKS = 20;
const POOL = 5;

/**
 * Scenario 5. Stripe hangs (never answers) while a burst of webhooks arrives: four times the database
 * pool's size. The webhook reads Stripe before it takes a connection, so entitlement reads keep
 * answering in time; each webhook answers 502 once the Stripe client gives up (STRIPE_TIMEOUT_MS times
 * its attempts), and when Stripe answers again the redelivered events all apply.
 */
describe('fault: Stripe hangs during webhooks', () => {
  let stripe: FakeStripe;
  let cp: TestApp;
  const tenants = Array.from({ length: TENANTS }, (_, index) => `hang-${index}`);

  beforeAll(async () => {
    stripe = await FakeStripe.start();
    cp = await startTestApp('fault-stripe', {
      env: billingEnv(stripe, { DATABASE_POOL_SIZE: String(POOL), STRIPE_TIMEOUT_MS: '2000', STRIPE_MAX_NETWORK_RETRIES: '1' }),
    });
    await subscribeTenants(cp, stripe, tenants);
  });

  afterAll(async () => {
    await cp?.destroy();
    await stripe?.close();
  });

  it(`${WEBHOOKS} webhooks against a hung Stripe: entitlements keep answering, webhooks answer 502, nothing is lost`, async () => {
    const started = Date.now();
    const viewer = await cp.token('viewer');
    const pool = (cp.app.get(DataSource).driver as unknown as { master: { waitingCount: number; totalCount: number; idleCount: number } }).master;
    // Every tenant falls past due in Stripe; the webhooks telling us so arrive while Stripe hangs.
    for (const tenant of tenants) stripe.setStatus(sub(tenant), 'past_due');
    stripe.stallNext('/v1/', 1_000, 120_000);
    const events: SignedEvent[] = Array.from({ length: WEBHOOKS }, (_, index) => {
      const tenant = tenants[index % TENANTS];
      return stripe.event('customer.subscription.updated', { id: sub(tenant), object: 'subscription', customer: cus(tenant) }, cp.clock.now());
    });

    // Each webhook takes a connection for two short reads when it arrives (a burst of 20 may queue for
    // them); what must not happen is a connection held while Stripe hangs. So the pool is sampled once
    // every webhook is waiting on Stripe.
    const stripeCallsBefore = stripe.requests.length;
    let maxWaiting = 0;
    let maxInUse = 0;
    let hanging = false;
    const sampler = setInterval(() => {
      hanging ||= stripe.requests.length - stripeCallsBefore >= WEBHOOKS;
      if (!hanging) return;
      maxWaiting = Math.max(maxWaiting, pool.waitingCount);
      maxInUse = Math.max(maxInUse, pool.totalCount - pool.idleCount);
    }, 20);
    const probes = probeRoutes(
      cp.baseUrl,
      viewer,
      tenants.map((tenant) => `/api/v1/tenants/${tenant}/entitlements`),
      1_000,
    );
    const deliveries = events.map(async (event) => {
      const sent = Date.now();
      const response = await stripe.deliver(cp, event);
      return { response, ms: Date.now() - sent };
    });
    const answered = await Promise.all(deliveries);
    const answers = await probes.stop();
    clearInterval(sampler);

    // Stripe is back: it redelivers every event it got no 2xx for.
    stripe.clearStalls();
    const redelivered: TestResponse[] = [];
    for (const [index, event] of events.entries()) if (answered[index].response.status !== 200) redelivered.push(await stripe.deliver(cp, event));
    const states = (await cp.app.get(DataSource).query(`SELECT status, count(*)::int AS n FROM subscriptions GROUP BY status`)) as {
      status: string;
      n: number;
    }[];
    const [{ stored }] = (await cp.app
      .get(DataSource)
      .query(`SELECT count(*)::int AS stored FROM stripe_events WHERE id = ANY($1)`, [events.map((event) => event.id)])) as [{ stored: number }];

    const failed = failedProbes(answers);
    const webhookStatuses = answered.map((answer) => answer.response.status);
    recordFault({
      scenario: '5 Stripe hangs during webhooks',
      lost: WEBHOOKS - stored,
      duplicated: 0,
      server_errors: serverErrors(answered.map((answer) => answer.response)) + failed.length,
      duration_ms: Date.now() - started,
      webhooks: WEBHOOKS,
      webhook_502: webhookStatuses.filter((status) => status === 502).length,
      webhook_slowest_ms: Math.max(...answered.map((answer) => answer.ms)),
      redelivered_processed: redelivered.filter((answer) => answer.status === 200).length,
      unrelated_requests: answers.length,
      unrelated_failed: failed.length,
      unrelated_slowest_ms: Math.max(...answers.map((answer) => answer.ms)),
      pool_size: POOL,
      pool_max_in_use_during_hang: maxInUse,
      pool_max_waiting_during_hang: maxWaiting,
    });
    expect(failed).toEqual([]);
    expect(answers.length).toBeGreaterThan(20);
    expect(webhookStatuses.every((status) => status === 502)).toBe(true);
    expect(hanging).toBe(true);
    expect(maxWaiting).toBe(0);
    expect(redelivered.map((answer) => answer.status)).toEqual(Array(WEBHOOKS).fill(200));
    expect(stored).toBe(WEBHOOKS);
    expect(states).toEqual([{ status: 'past_due', n: TENANTS }]);
  });
});
