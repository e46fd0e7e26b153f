import { Inject, Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import type Stripe from 'stripe';
import { DataSource, IsNull } from 'typeorm';
import { AuditService } from '../audit/audit.service.js';
import type { AuditActor } from '../auth/auth.decorators.js';
import { AppError } from '../common/app-error.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { assertAddonsAvailable, PlansService } from '../plans/plans.service.js';
import { SubscriptionEntity } from '../subscriptions/subscription.entity.js';
import { TenantEntity } from '../tenants/tenant.entity.js';
import { TenantsService } from '../tenants/tenants.service.js';
import type { CheckoutSessionInput } from './billing.schemas.js';
import { StripeGateway } from './stripe-client.js';
import { StripePrices } from './stripe-prices.service.js';

/** Stripe Checkout (subscribe) and the Customer Portal (pay, change the card, reactivate) for a tenant. */
@Injectable()
export class CheckoutService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly dataSource: DataSource,
    private readonly stripe: StripeGateway,
    private readonly prices: StripePrices,
    private readonly plans: PlansService,
    private readonly tenants: TenantsService,
    private readonly audit: AuditService,
  ) {}

  async checkout(input: CheckoutSessionInput, by: AuditActor): Promise<{ id: string; url: string; expires_at: string }> {
    if (!this.stripe.configured)
      throw new AppError(503, 'BILLING_NOT_CONFIGURED', 'Stripe billing is not configured on this control plane (STRIPE_SECRET_KEY is not set).');
    const manager = this.dataSource.manager;
    const tenant = await this.tenants.get(input.tenant_id);
    const plan = await this.plans.get(input.plan_id);
    assertAddonsAvailable(plan, input.addons);
    const planPrice = await this.prices.priceFor(manager, { kind: 'plan', id: plan.id }, input.billing_interval);
    if (!planPrice) throw priceMissing(`plan "${plan.id}"`, input.billing_interval);
    const addonPrices = [];
    for (const addon of input.addons) {
      const price = await this.prices.priceFor(manager, { kind: 'addon', id: addon }, input.billing_interval);
      if (!price) throw priceMissing(`add-on "${addon}"`, input.billing_interval);
      addonPrices.push(price);
    }
    const existing = await manager.findOneBy(SubscriptionEntity, { tenantId: tenant.id });
    if (existing?.stripeSubscriptionId && existing.status !== 'canceled') {
      throw AppError.conflict(
        'ALREADY_SUBSCRIBED',
        `Tenant "${tenant.id}" already has a Stripe subscription (${existing.status}); use the Customer Portal to change or pay it.`,
      );
    }
    const customer = await this.customerFor(tenant);
    const params: Stripe.Checkout.SessionCreateParams = {
      mode: 'subscription',
      customer,
      client_reference_id: tenant.id,
      line_items: [planPrice, ...addonPrices].map((price) => ({ price: price.priceId, quantity: 1 })),
      success_url: this.config.CHECKOUT_SUCCESS_URL,
      cancel_url: this.config.CHECKOUT_CANCEL_URL,
      metadata: { tenant_id: tenant.id },
      subscription_data: { metadata: { tenant_id: tenant.id } },
    };
    // A retry of the same request gets the same session; the caller's X-Request-Id reused for another plan,
    // interval or add-ons is a different request (Stripe refuses one key with different parameters).
    const paramsHash = createHash('sha256').update(JSON.stringify(params)).digest('hex').slice(0, 32);
    const session = await this.stripe.createCheckoutSession(params, `checkout:${tenant.id}:${by.requestId ? `${by.requestId}:` : ''}${paramsHash}`);
    if (!session.url) throw new AppError(502, 'STRIPE_UNAVAILABLE', 'Stripe returned a Checkout session without a URL.');
    await this.dataSource.transaction((tx) =>
      this.audit.record(tx, by, 'billing.checkout_session_created', 'tenant', tenant.id, {
        session_id: session.id,
        plan_id: plan.id,
        billing_interval: input.billing_interval,
        addons: input.addons,
      }),
    );
    return { id: session.id, url: session.url, expires_at: new Date(session.expires_at * 1000).toISOString() };
  }

  async portal(tenantId: string, by: AuditActor): Promise<{ url: string }> {
    if (!this.stripe.configured)
      throw new AppError(503, 'BILLING_NOT_CONFIGURED', 'Stripe billing is not configured on this control plane (STRIPE_SECRET_KEY is not set).');
    const tenant = await this.tenants.get(tenantId);
    const customer = await this.customerFor(tenant);
    const session = await this.stripe.createPortalSession({ customer, return_url: this.config.PORTAL_URL }, `portal:${tenant.id}:${by.requestId ?? customer}`);
    await this.dataSource.transaction((tx) => this.audit.record(tx, by, 'billing.portal_session_created', 'tenant', tenant.id, { session_id: session.id }));
    return { url: session.url };
  }

  /**
   * The tenant's Stripe customer, created (once: the idempotency key is the tenant) when it has none.
   * Every tenant has a validated contact email (the tenants API requires one), which the customer gets.
   */
  private async customerFor(tenant: TenantEntity): Promise<string> {
    if (tenant.stripeCustomerId) return tenant.stripeCustomerId;
    const customer = await this.stripe.createCustomer(
      { email: tenant.contactEmail, name: tenant.name, metadata: { tenant_id: tenant.id } },
      `customer:${tenant.id}`,
    );
    await this.dataSource.manager.update(TenantEntity, { id: tenant.id, stripeCustomerId: IsNull() }, { stripeCustomerId: customer.id });
    // A concurrent request may have bound the customer first (the same one, through the idempotency key).
    return (await this.tenants.get(tenant.id)).stripeCustomerId ?? customer.id;
  }
}

function priceMissing(what: string, interval: string): AppError {
  return AppError.conflict(
    'PRICE_NOT_CONFIGURED',
    `No Stripe price is configured for the ${interval} billing of ${what}; set it with PUT /api/v1/plans/:id/prices.`,
  );
}
