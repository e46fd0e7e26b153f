import { Module } from '@nestjs/common';
import { BillingAdminController } from './billing-admin.controller.js';
import { BillingCaller } from './billing-caller.js';
import { BillingController } from './billing.controller.js';
import { CheckoutService } from './checkout.service.js';
import { LoginLinks } from './login-links.service.js';
import { BillingSweeper } from './billing-sweeper.cron.js';
import { EntitlementChanges } from './entitlement-changes.listener.js';
import { EntitlementsController } from './entitlements.controller.js';
import { EntitlementsStreamController } from './entitlements-stream.controller.js';
import { EntitlementStreams } from './entitlements-stream.service.js';
import { Entitlements } from './entitlements.service.js';
import { StripeGateway } from './stripe-client.js';
import { StripePrices } from './stripe-prices.service.js';
import { StripeWebhookController } from './stripe-webhook.controller.js';
import { StripeWebhooks } from './stripe-webhook.service.js';

/**
 * Stripe billing: price mapping, the webhook, the grace sweeper, entitlements, Checkout and the
 * Customer Portal with one-time login links. Without Stripe
 * configured the module still loads (entitlements and the sweeper work for staff-managed
 * subscriptions); the Stripe endpoints answer 503 BILLING_NOT_CONFIGURED.
 */
@Module({
  controllers: [StripeWebhookController, BillingAdminController, BillingController, EntitlementsController, EntitlementsStreamController],
  providers: [
    StripeGateway,
    StripePrices,
    StripeWebhooks,
    BillingSweeper,
    Entitlements,
    CheckoutService,
    LoginLinks,
    BillingCaller,
    EntitlementChanges,
    EntitlementStreams,
  ],
  exports: [BillingCaller, LoginLinks],
})
export class BillingModule {}
