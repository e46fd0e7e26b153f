import { Inject, Injectable, Logger } from '@nestjs/common';
import Stripe from 'stripe';
import { DataSource, type EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service.js';
import { AppError } from '../common/app-error.js';
import { CLOCK, type Clock } from '../common/clock.js';
import { transactionWithRetry } from '../common/transaction-retry.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { Metrics } from '../observability/metrics.js';
import { SubscriptionHistory } from '../subscriptions/subscription-history.service.js';
import { earlierGraceEnd, nextState } from '../subscriptions/subscription-transitions.js';
import { SubscriptionEntity } from '../subscriptions/subscription.entity.js';
import { TenantEntity } from '../tenants/tenant.entity.js';
import { stripeEventSchema, type StripeEventEnvelope } from './billing.schemas.js';
import { firstFailureOf } from './invoice-failure.js';
import { billingNotConfigured, StripeGateway } from './stripe-client.js';
import { StripeEventEntity, type StripeEventOutcome } from './stripe-event.entity.js';
import { StripePrices } from './stripe-prices.service.js';
import { standingOf } from './stripe-status.js';

/** The events that can change a subscription; every other type is acknowledged and ignored. */
const HANDLED = new Set([
  'checkout.session.completed',
  'customer.subscription.created',
  'customer.subscription.updated',
  'customer.subscription.deleted',
  'customer.subscription.paused',
  'customer.subscription.resumed',
  'invoice.payment_failed',
  'invoice.payment_action_required',
  'invoice.paid',
  'invoice.payment_succeeded',
]);

/** The events whose own time is a failed payment (the others only report a state). */
const FAILURES = new Set(['invoice.payment_failed', 'invoice.payment_action_required']);

export type WebhookOutcome = StripeEventOutcome | 'duplicate';

interface EventRefs {
  subscriptionId: string | null;
  customerId: string | null;
  /** Invoice events only: the invoice the event is about. */
  invoiceId: string | null;
  /** Checkout only: the tenant the session was created for (client_reference_id). */
  tenantId: string | null;
}

/** What Stripe said, read before the transaction; `seq` orders reads so that an older one never wins. */
interface StripeSnapshot {
  seq: string;
  remote: Stripe.Subscription | null;
  /** When the delinquent subscription's invoice first failed, per the invoice itself. */
  failedAt: Date | null;
}

interface Result {
  outcome: StripeEventOutcome;
  detail?: string;
  tenantId?: string;
}

/**
 * Stripe webhooks: verify the signature over the raw body, re-read the subscription (and the failed
 * invoice) from Stripe, then store the event id in the same transaction as its effect (a redelivery is
 * a no-op) and apply Stripe's current state. The read happens before the transaction, so a slow or
 * hung Stripe holds no pool connection and no tenant lock; each read is numbered first, and a
 * subscription never takes a read older than the one it last took, so the order of arrival does not
 * matter and nothing moves backwards. Locks: tenant row, then subscription row (the sweeper's order
 * too); a deadlock or serialization victim runs again instead of answering 500.
 */
@Injectable()
export class StripeWebhooks {
  private readonly logger = new Logger(StripeWebhooks.name);

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly dataSource: DataSource,
    private readonly stripe: StripeGateway,
    private readonly prices: StripePrices,
    private readonly history: SubscriptionHistory,
    private readonly audit: AuditService,
    private readonly metrics: Metrics,
  ) {}

  async receive(rawBody: Buffer | undefined, signature: string | undefined, requestId: string | null): Promise<{ received: true; outcome: WebhookOutcome }> {
    const secret = this.config.STRIPE_WEBHOOK_SECRET;
    if (!secret) throw billingNotConfigured('STRIPE_WEBHOOK_SECRET');
    if (!this.stripe.configured) throw billingNotConfigured('STRIPE_SECRET_KEY');
    const event = this.verify(rawBody, signature, secret);
    try {
      const outcome = await this.handle(event, requestId);
      this.metrics.webhookEvent(event.type, outcome);
      return { received: true, outcome };
    } catch (error) {
      this.metrics.webhookEvent(event.type, 'failed');
      throw error;
    }
  }

  private verify(rawBody: Buffer | undefined, signature: string | undefined, secret: string): StripeEventEnvelope {
    const reject = (code: string, message: string): AppError => {
      this.metrics.webhookEvent('(unverified)', 'rejected');
      return new AppError(400, code, message);
    };
    if (!signature) throw reject('WEBHOOK_SIGNATURE_MISSING', 'The Stripe-Signature header is missing.');
    if (!rawBody || rawBody.length === 0)
      throw reject('WEBHOOK_PAYLOAD_INVALID', 'The webhook body must be the JSON event Stripe sent (Content-Type: application/json).');
    let parsed: unknown;
    try {
      parsed = Stripe.webhooks.constructEvent(rawBody, signature, secret, this.config.STRIPE_WEBHOOK_TOLERANCE_SECONDS, undefined, this.clock.now().getTime());
    } catch (error) {
      if (error instanceof Stripe.errors.StripeSignatureVerificationError) {
        throw reject('WEBHOOK_SIGNATURE_INVALID', `The Stripe signature does not verify: ${error.message.split('\n')[0]}`);
      }
      throw reject('WEBHOOK_PAYLOAD_INVALID', 'The webhook body is not a JSON Stripe event.');
    }
    const event = stripeEventSchema.safeParse(parsed);
    if (!event.success) throw reject('WEBHOOK_PAYLOAD_INVALID', 'The webhook body is not a Stripe event (id, type, created, data.object).');
    return event.data;
  }

  private async handle(event: StripeEventEnvelope, requestId: string | null): Promise<WebhookOutcome> {
    if (await this.dataSource.manager.existsBy(StripeEventEntity, { id: event.id })) return 'duplicate';
    const refs = refsOf(event);
    const snapshot = HANDLED.has(event.type) ? await this.readStripe(event, refs) : null;
    return transactionWithRetry(this.dataSource, async (manager) => {
      // The event id is the idempotency key; a concurrent delivery of the same event waits here and then sees it.
      const inserted = (await manager.query(
        `INSERT INTO stripe_events (id, type, created_at, received_at, outcome, stripe_subscription_id)
         VALUES ($1, $2, $3, $4, 'ignored', $5) ON CONFLICT (id) DO NOTHING RETURNING id`,
        [event.id, event.type, new Date(event.created * 1000), this.clock.now(), refs.subscriptionId],
      )) as unknown[];
      if (inserted.length === 0) return 'duplicate';
      const result = HANDLED.has(event.type)
        ? await this.apply(manager, event, refs, snapshot, requestId)
        : { outcome: 'ignored' as const, detail: 'event type not handled' };
      if (result.outcome === 'unknown_customer' || result.outcome === 'unknown_price' || result.outcome === 'second_subscription') {
        this.logger.warn(`Stripe event ${event.id} (${event.type}) changed nothing: ${result.detail}`);
      }
      await manager.update(StripeEventEntity, { id: event.id }, { outcome: result.outcome, detail: result.detail ?? null, tenantId: result.tenantId ?? null });
      return result.outcome;
    });
  }

  /** Stripe's view, read with no connection or lock held; null when the event names no subscription or customer. */
  private async readStripe(event: StripeEventEnvelope, refs: EventRefs): Promise<StripeSnapshot | null> {
    if (!refs.subscriptionId || !refs.customerId) return null;
    const [{ seq }] = (await this.dataSource.query(`SELECT nextval('stripe_read_seq')::text AS seq`)) as [{ seq: string }];
    const remote = await this.stripe.retrieveSubscription(refs.subscriptionId);
    let failedAt: Date | null = null;
    if (remote && standingOf(remote.status) === 'delinquent') {
      const invoiceId = FAILURES.has(event.type) ? refs.invoiceId : idOf(remote.latest_invoice);
      const invoice = invoiceId ? await this.stripe.retrieveInvoice(invoiceId) : null;
      failedAt = invoice ? firstFailureOf(invoice) : null;
    }
    return { seq, remote, failedAt };
  }

  private async apply(
    manager: EntityManager,
    event: StripeEventEnvelope,
    refs: EventRefs,
    snapshot: StripeSnapshot | null,
    requestId: string | null,
  ): Promise<Result> {
    if (!refs.subscriptionId) return { outcome: 'ignored', detail: 'the event names no subscription' };
    if (!refs.customerId || !snapshot) return { outcome: 'ignored', detail: 'the event names no customer' };
    const tenant = await this.tenantFor(manager, refs);
    if ('outcome' in tenant) return tenant;

    const remote = snapshot.remote;
    if (!remote) return { outcome: 'ignored', detail: `Stripe has no subscription ${refs.subscriptionId}`, tenantId: tenant.id };
    if (idOf(remote.customer) !== tenant.stripeCustomerId) {
      return {
        outcome: 'unknown_customer',
        detail: `subscription ${remote.id} belongs to customer ${idOf(remote.customer)}, not ${tenant.stripeCustomerId}`,
        tenantId: tenant.id,
      };
    }
    const priced = await this.pricesOf(manager, remote);
    if ('outcome' in priced) return { ...priced, tenantId: tenant.id };

    const current = await manager.findOne(SubscriptionEntity, { where: { tenantId: tenant.id }, lock: { mode: 'pessimistic_write' } });
    if (current?.stripeSubscriptionId && current.stripeSubscriptionId !== remote.id) {
      // A tenant moves to another Stripe subscription only once the one it has is over and the new one is live.
      const live = !['canceled', 'incomplete', 'incomplete_expired'].includes(remote.status);
      if (current.status !== 'canceled' && live) {
        // Several Checkout sessions can be open at once; a second one completed bills the customer twice.
        return {
          outcome: 'second_subscription',
          detail: `second subscription for tenant ${tenant.id}: ${remote.id} (${remote.status}) while it follows ${current.stripeSubscriptionId}; cancel one in Stripe`,
          tenantId: tenant.id,
        };
      }
      // A late event of a subscription that is over, or one still being paid for the first time.
      if (!live) return { outcome: 'ignored', detail: `tenant follows subscription ${current.stripeSubscriptionId}, not ${remote.id}`, tenantId: tenant.id };
    }
    if (current?.stripeReadSeq && BigInt(current.stripeReadSeq) > BigInt(snapshot.seq)) {
      return { outcome: 'unchanged', detail: 'a later read of the subscription from Stripe was already applied', tenantId: tenant.id };
    }
    const standing = standingOf(remote.status);
    const episodeStart = standing === 'delinquent' ? await this.lastRecovery(manager, current) : null;
    // The invoice's own failure time; the event's time only when Stripe gave none (never later than now).
    const reported = Math.min(snapshot.failedAt?.getTime() ?? event.created * 1000, this.clock.now().getTime());
    // A failure reported late, from before the subscription last recovered, cannot start the new episode's grace.
    const failedAt = new Date(Math.max(reported, episodeStart?.getTime() ?? 0));
    const timing = {
      failedAt,
      interval: priced.interval,
      grace: { monthlyDays: this.config.BILLING_GRACE_DAYS_MONTHLY, annualDays: this.config.BILLING_GRACE_DAYS_ANNUAL },
    };
    const transition = nextState(current, standing, timing);
    const earlierEnd =
      standing === 'delinquent' && FAILURES.has(event.type) ? earlierGraceEnd(current, { ...timing, failedAt: new Date(reported), episodeStart }) : null;
    if (!current && !transition) return { outcome: 'ignored', detail: `subscription ${remote.id} is ${remote.status}`, tenantId: tenant.id };

    const now = this.clock.now();
    const subscription = current ?? manager.create(SubscriptionEntity, { tenantId: tenant.id, createdAt: now, graceEndsAt: null });
    const periodStart = remote.items.data[0]?.current_period_start;
    const synced = {
      planId: priced.planId,
      addons: priced.addons,
      billingInterval: priced.interval,
      stripeSubscriptionId: remote.id,
      stripeStatus: remote.status,
      currentPeriodStart: periodStart ? new Date(periodStart * 1000) : subscription.currentPeriodStart,
    };
    const changed =
      !current || Object.entries(synced).some(([key, value]) => JSON.stringify(value) !== JSON.stringify(current[key as keyof SubscriptionEntity]));
    Object.assign(subscription, synced, { stripeReadSeq: snapshot.seq });
    const by = { actor: `stripe:${event.id}`, requestId };
    if (transition) {
      await this.history.transition(manager, subscription, { ...transition, failedAt }, by, by.actor);
      return { outcome: 'processed', tenantId: tenant.id };
    }
    if (earlierEnd) {
      const previous = subscription.graceEndsAt;
      subscription.graceEndsAt = earlierEnd;
      subscription.updatedAt = now;
      await manager.save(subscription);
      await this.audit.record(manager, by, 'subscription.grace_moved', 'subscription', tenant.id, {
        subscription_id: subscription.id,
        from: previous?.toISOString() ?? null,
        to: earlierEnd.toISOString(),
        reason: 'an earlier failed payment of the same past-due episode arrived late',
        source: by.actor,
      });
      return { outcome: 'processed', detail: 'grace end moved to an earlier failed payment', tenantId: tenant.id };
    }
    if (!changed) {
      await manager.update(SubscriptionEntity, { id: subscription.id }, { stripeReadSeq: snapshot.seq });
      return { outcome: 'unchanged', tenantId: tenant.id };
    }
    subscription.updatedAt = now;
    await manager.save(subscription);
    return { outcome: 'processed', detail: 'plan, add-ons or billing period updated', tenantId: tenant.id };
  }

  /** When the subscription last became active or trialing (the end of its previous past-due episode), if ever. */
  private async lastRecovery(manager: EntityManager, current: SubscriptionEntity | null): Promise<Date | null> {
    if (!current?.id) return null;
    const [row] = (await manager.query(
      `SELECT max(occurred_at) AS at FROM subscription_events WHERE subscription_id = $1 AND to_status IN ('active', 'trialing')`,
      [current.id],
    )) as { at: Date | null }[];
    return row?.at ?? null;
  }

  /**
   * The tenant paying with this customer, locked so that events of one tenant apply one at a time. FOR NO
   * KEY UPDATE: it excludes the sweeper and other events as FOR UPDATE would, but not the foreign-key
   * checks of a renewal being written for the tenant meanwhile (phone-home's group commit must not wait).
   */
  private async tenantFor(manager: EntityManager, refs: EventRefs): Promise<TenantEntity | Result> {
    const bound = await manager.findOne(TenantEntity, { where: { stripeCustomerId: refs.customerId! }, lock: { mode: 'for_no_key_update' } });
    if (bound) return bound;
    if (refs.tenantId) {
      const tenant = await manager.findOne(TenantEntity, { where: { id: refs.tenantId }, lock: { mode: 'for_no_key_update' } });
      if (tenant && !tenant.stripeCustomerId) {
        // Checkout completed for a tenant that had no customer yet: the session binds them.
        tenant.stripeCustomerId = refs.customerId;
        tenant.updatedAt = this.clock.now();
        return manager.save(tenant);
      }
      if (tenant)
        return {
          outcome: 'unknown_customer',
          detail: `tenant ${tenant.id} pays with customer ${tenant.stripeCustomerId}, not ${refs.customerId}`,
          tenantId: tenant.id,
        };
    }
    return { outcome: 'unknown_customer', detail: `Stripe customer ${refs.customerId} is not bound to any tenant` };
  }

  /** The plan, interval and add-ons a subscription's prices stand for; every price must be known. */
  private async pricesOf(
    manager: EntityManager,
    remote: Stripe.Subscription,
  ): Promise<{ planId: string; interval: SubscriptionEntity['billingInterval']; addons: string[] } | Result> {
    const priceIds = remote.items.data.map((item) => item.price.id);
    const known = await this.prices.find(manager, priceIds);
    const unknown = priceIds.filter((id) => !known.some((price) => price.priceId === id));
    if (unknown.length > 0) return { outcome: 'unknown_price', detail: `subscription ${remote.id} has unmapped Stripe price(s) ${unknown.join(', ')}` };
    const plans = known.filter((price) => price.planId);
    if (plans.length !== 1) return { outcome: 'unknown_price', detail: `subscription ${remote.id} must have exactly one plan price, has ${plans.length}` };
    return {
      planId: plans[0].planId!,
      interval: plans[0].billingInterval,
      addons: known.flatMap((price) => (price.addonId ? [price.addonId] : [])).sort(),
    };
  }
}

function idOf(value: string | { id: string } | null | undefined): string | null {
  if (!value) return null;
  return typeof value === 'string' ? value : value.id;
}

/** Where an event names its subscription and customer; invoices name theirs under parent.subscription_details. */
function refsOf(event: StripeEventEnvelope): EventRefs {
  const object = event.data.object as Record<string, unknown>;
  const ref = (value: unknown) => idOf(value as string | { id: string } | null | undefined);
  if (event.type.startsWith('checkout.session.')) {
    const metadata = object.metadata as Record<string, string> | null | undefined;
    return {
      subscriptionId: ref(object.subscription),
      customerId: ref(object.customer),
      invoiceId: null,
      tenantId: (object.client_reference_id as string | null | undefined) ?? metadata?.tenant_id ?? null,
    };
  }
  if (event.type.startsWith('customer.subscription.'))
    return { subscriptionId: ref(object.id), customerId: ref(object.customer), invoiceId: null, tenantId: null };
  if (event.type.startsWith('invoice.')) {
    const parent = object.parent as { subscription_details?: { subscription?: unknown } | null } | null | undefined;
    return { subscriptionId: ref(parent?.subscription_details?.subscription), customerId: ref(object.customer), invoiceId: ref(object.id), tenantId: null };
  }
  return { subscriptionId: null, customerId: null, invoiceId: null, tenantId: null };
}
