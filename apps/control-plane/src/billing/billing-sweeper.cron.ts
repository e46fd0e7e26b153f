import { Inject, Injectable, Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { DataSource, type EntityManager } from 'typeorm';
import { CLOCK, type Clock } from '../common/clock.js';
import { transactionWithRetry } from '../common/transaction-retry.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { NotificationOutbox } from '../notifications/notification-outbox.service.js';
import { Metrics } from '../observability/metrics.js';
import { PlanEntity } from '../plans/plan.entity.js';
import { SubscriptionHistory } from '../subscriptions/subscription-history.service.js';
import { cycleOf, graceEndingNoticeDue, graceIsOver } from '../subscriptions/subscription-transitions.js';
import { SubscriptionEntity } from '../subscriptions/subscription.entity.js';
import { StripeGateway } from './stripe-client.js';
import { standingOf } from './stripe-status.js';

/** Any fixed 64-bit number shared by every replica; it names the billing sweep's lock. */
const SWEEP_LOCK_ID = 4_242_005;
const SWEEPER = { actor: 'billing-sweeper', requestId: null };
/** Stripe reads in flight at once when the sweep checks which due subscriptions are already paid. */
const STRIPE_READS_AT_ONCE = 10;

export interface SweepResult {
  /** False when another replica held the sweep. */
  ran: boolean;
  suspended: number;
  noticed: number;
}

/**
 * Suspends past-due subscriptions whose grace window is over, and records the grace_ending notice
 * GRACE_ENDING_NOTICE_DAYS before that. Runs once across replicas (a transaction-scoped advisory
 * lock per batch); rows are claimed with SKIP LOCKED (tenant, then subscription, as webhooks lock them)
 * and re-checked, so even two sweeps that overlap transition each subscription once, and a batch that
 * still loses a deadlock runs again instead of rolling back for good.
 */
@Injectable()
export class BillingSweeper implements OnApplicationBootstrap, OnModuleDestroy, BeforeApplicationShutdown {
  private readonly logger = new Logger(BillingSweeper.name);
  private running: Promise<unknown> | null = null;
  private readonly name = 'billing.sweep';
  private registered = false;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly registry: SchedulerRegistry,
    private readonly dataSource: DataSource,
    private readonly history: SubscriptionHistory,
    private readonly outbox: NotificationOutbox,
    private readonly metrics: Metrics,
    private readonly stripe: StripeGateway,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.config.SCHEDULES_ENABLED) return;
    const tick = () => {
      if (this.running) return;
      this.running = this.sweep()
        .then((result) => result.ran && this.metrics.sweepSucceeded('billing'))
        .catch((error: unknown) => this.logger.error(`${this.name}: ${(error as Error).message}`))
        .finally(() => (this.running = null));
    };
    this.registry.addInterval(this.name, setInterval(tick, this.config.BILLING_SWEEP_INTERVAL_MS));
    this.registered = true;
    tick();
  }

  async sweep(): Promise<SweepResult> {
    const result: SweepResult = { ran: false, suspended: 0, noticed: 0 };
    const paid = await this.paidInStripe();
    for (;;) {
      const batch = await transactionWithRetry(this.dataSource, (manager) => this.sweepBatch(manager, paid));
      if (!batch) return result;
      result.ran = true;
      result.suspended += batch.suspended;
      result.noticed += batch.noticed;
      if (batch.claimed < this.config.BILLING_SWEEP_BATCH) return result;
    }
  }

  /**
   * Due subscriptions that Stripe already reports paid (active or trialing): the customer paid as the grace
   * ended and the invoice.paid webhook is on its way, or racing this sweep. They are not suspended (nor told
   * so by email); the webhook reactivates them, and if it never comes the next sweep asks again. Read before
   * any lock or connection is held, as the webhook reads. A subscription billed outside Stripe is left to the
   * grace timer alone, and so is everything once Stripe fails to answer: an outage never extends access.
   */
  private async paidInStripe(): Promise<string[]> {
    if (!this.stripe.configured) return [];
    const due = (await this.dataSource.query(
      `SELECT id, stripe_subscription_id AS remote FROM subscriptions WHERE status = 'past_due' AND grace_ends_at <= $1 AND stripe_subscription_id IS NOT NULL`,
      [this.clock.now()],
    )) as { id: string; remote: string }[];
    const paid: string[] = [];
    for (let start = 0; start < due.length; start += STRIPE_READS_AT_ONCE) {
      try {
        const reads = due.slice(start, start + STRIPE_READS_AT_ONCE).map(async (row) => ({ row, remote: await this.stripe.retrieveSubscription(row.remote) }));
        for (const { row, remote } of await Promise.all(reads)) {
          if (remote && ['active', 'trialing'].includes(standingOf(remote.status))) paid.push(row.id);
        }
      } catch (error) {
        this.logger.warn(`${this.name}: Stripe did not answer (${(error as Error).message}); suspending on the grace timer alone`);
        break;
      }
    }
    return paid;
  }

  /** One batch in one transaction; null when another replica holds the lock. `paid` are left past due. */
  private async sweepBatch(manager: EntityManager, paid: string[]): Promise<{ claimed: number; suspended: number; noticed: number } | null> {
    const [{ locked }] = (await manager.query('SELECT pg_try_advisory_xact_lock($1) AS locked', [SWEEP_LOCK_ID])) as [{ locked: boolean }];
    if (!locked) return null;
    const now = this.clock.now();
    // Tenant rows first, then their subscriptions: the order a payment webhook takes them in, so the two
    // never wait on each other in a cycle. A tenant a webhook holds right now is skipped (its payment may
    // be landing) and swept next time. FOR NO KEY UPDATE, as the webhook: renewals written meanwhile do not wait.
    const claimed = (await manager.query(
      `SELECT t.id FROM tenants t JOIN subscriptions s ON s.tenant_id = t.id
       WHERE s.status = 'past_due' AND s.grace_ends_at <= $1 AND s.id <> ALL($3::uuid[])
       ORDER BY t.id LIMIT $2 FOR NO KEY UPDATE OF t SKIP LOCKED`,
      [now, this.config.BILLING_SWEEP_BATCH, paid],
    )) as { id: string }[];
    const due = claimed.length
      ? await manager
          .createQueryBuilder(SubscriptionEntity, 'subscription')
          .where('subscription.tenant_id IN (:...tenants)', { tenants: claimed.map((row) => row.id) })
          .orderBy('subscription.tenant_id', 'ASC')
          .setLock('pessimistic_write')
          .getMany()
      : [];
    let suspended = 0;
    for (const subscription of due) {
      if (!graceIsOver(subscription, now) || paid.includes(subscription.id)) continue;
      await this.history.transition(
        manager,
        subscription,
        { to: 'suspended', graceEndsAt: subscription.graceEndsAt, stage: 'suspended', reason: 'grace period ended' },
        SWEEPER,
        'sweeper',
      );
      suspended += 1;
    }
    const noticed = await this.recordGraceEndingNotices(manager, now);
    return { claimed: claimed.length, suspended, noticed };
  }

  /** grace_ending: one per subscription and cycle (the outbox's key), however often the sweep runs. */
  private async recordGraceEndingNotices(manager: EntityManager, now: Date): Promise<number> {
    const horizon = new Date(now.getTime() + this.config.GRACE_ENDING_NOTICE_DAYS * 86_400_000);
    const ending = await manager
      .createQueryBuilder(SubscriptionEntity, 'subscription')
      .where(`subscription.status = 'past_due' AND subscription.grace_ends_at > :now AND subscription.grace_ends_at <= :horizon`, { now, horizon })
      .getMany();
    let recorded = 0;
    for (const subscription of ending) {
      if (!graceEndingNoticeDue(subscription, now, this.config.GRACE_ENDING_NOTICE_DAYS)) continue;
      const plan = await manager.findOneByOrFail(PlanEntity, { id: subscription.planId });
      const id = await this.outbox.record(manager, {
        stage: 'grace_ending',
        tenantId: subscription.tenantId,
        audience: 'tenant',
        subject: subscription.id,
        cycle: cycleOf(subscription),
        facts: { plan_name: plan.name, billing_interval: subscription.billingInterval, grace_ends_at: subscription.graceEndsAt!.toISOString() },
      });
      if (id) recorded += 1;
    }
    return recorded;
  }

  onModuleDestroy(): void {
    if (this.registered) this.registry.deleteInterval(this.name);
    this.registered = false;
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.running;
  }
}
