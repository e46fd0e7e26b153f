import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FakeStripe } from './fake-stripe.js';
import type { TestApp } from './test-app.js';

export const PRICES = {
  operations: { monthly: 'price_opsMonthly', annual: 'price_opsAnnual' },
  core: { monthly: 'price_coreMonthly', annual: 'price_coreAnnual' },
  automation_pro: { monthly: 'price_autoProMonthly', annual: 'price_autoProAnnual' },
} as const;

/** Billing settings for a test app: Stripe is the fake, emails stay in the outbox, sweeps only when the test runs them. */
export function billingEnv(stripe: FakeStripe, extra: Record<string, string> = {}): Record<string, string> {
  return {
    ...stripe.env(),
    DATA_DIR: mkdtempSync(join(tmpdir(), 'la-billing-')),
    NOTIFICATIONS_WORKER_IN_PROCESS: 'false',
    BILLING_SWEEP_INTERVAL_MS: '86400000',
    NOTIFICATION_SWEEP_INTERVAL_MS: '86400000',
    PORTAL_URL: 'https://portal.atlastechlab.test/billing',
    ...extra,
  };
}

/** Maps the operations and core plans and the automation_pro add-on to their Stripe prices. */
export async function mapPrices(cp: TestApp, token: string): Promise<void> {
  for (const plan of ['operations', 'core'] as const) {
    const response = await cp.http('PUT', `/api/v1/plans/${plan}/prices`, { token, body: PRICES[plan] });
    if (response.status !== 200) throw new Error(`mapping ${plan} prices: ${response.status} ${response.text}`);
  }
  const addon = await cp.http('PUT', '/api/v1/addons/automation_pro/prices', { token, body: PRICES.automation_pro });
  if (addon.status !== 200) throw new Error(`mapping add-on prices: ${addon.status} ${addon.text}`);
}

export async function createTenant(cp: TestApp, token: string, id: string, mode: 'saas' | 'dedicated' | 'byoc' = 'byoc'): Promise<void> {
  const response = await cp.http('POST', '/api/v1/tenants', {
    token,
    body: { id, name: id.toUpperCase(), contact_email: `billing@${id}.example`, deployment_mode: mode },
  });
  if (response.status !== 201) throw new Error(`creating tenant ${id}: ${response.status} ${response.text}`);
}

export const DAY_MS = 86_400_000;

/** The Stripe subscription and customer ids `subscribeTenants` gives a tenant. */
export const stripeSubscriptionOf = (tenant: string) => `sub_${tenant.replace('-', '')}`;
export const stripeCustomerOf = (tenant: string) => `cus_${tenant.replace('-', '')}`;

/**
 * Maps the prices, then creates each tenant (saas) and completes its Checkout for an active monthly core
 * subscription starting at the app clock's now: every tenant ends `active`, billed through Stripe.
 */
export async function subscribeTenants(cp: TestApp, stripe: FakeStripe, tenants: string[]): Promise<void> {
  const support = await cp.token('support');
  await mapPrices(cp, support);
  for (const tenant of tenants) {
    await createTenant(cp, support, tenant, 'saas');
    const subscription = {
      id: stripeSubscriptionOf(tenant),
      customer: stripeCustomerOf(tenant),
      status: 'active',
      prices: [PRICES.core.monthly],
      periodStart: cp.clock.now(),
      periodEnd: new Date(cp.clock.now().getTime() + 30 * DAY_MS),
    };
    const { response } = await stripe.completeCheckout(cp, subscription, tenant, `cs_${tenant.replace('-', '')}`);
    if (response.body?.outcome !== 'processed') throw new Error(`Checkout of ${tenant}: ${response.status} ${response.text}`);
  }
}
