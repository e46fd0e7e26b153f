import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository, type EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service.js';
import type { AuditActor } from '../auth/auth.decorators.js';
import { AppError } from '../common/app-error.js';
import { CLOCK, type Clock } from '../common/clock.js';
import { assertAddonsAvailable, PlansService } from '../plans/plans.service.js';
import { TenantsService } from '../tenants/tenants.service.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { SubscriptionHistory } from './subscription-history.service.js';
import { graceEndsAt } from './subscription-rules.js';
import { SubscriptionEntity } from './subscription.entity.js';
import type { PatchSubscriptionInput, PutSubscriptionInput } from './subscriptions.schemas.js';

export function managedByStripe(tenantId: string, stripeSubscriptionId: string): AppError {
  return AppError.conflict(
    'SUBSCRIPTION_MANAGED_BY_STRIPE',
    `The subscription of tenant "${tenantId}" is managed by Stripe (${stripeSubscriptionId}); change it in Stripe or through the Customer Portal, not here.`,
  );
}

/** Staff-managed subscriptions, for customers billed outside Stripe; a Stripe-managed one is read-only here. */
@Injectable()
export class SubscriptionsService {
  constructor(
    @InjectRepository(SubscriptionEntity) private readonly subscriptions: Repository<SubscriptionEntity>,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly tenants: TenantsService,
    private readonly plans: PlansService,
    private readonly audit: AuditService,
    private readonly history: SubscriptionHistory,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  findForTenant(tenantId: string, manager: EntityManager = this.subscriptions.manager): Promise<SubscriptionEntity | null> {
    return manager.findOneBy(SubscriptionEntity, { tenantId });
  }

  async getForTenant(tenantId: string): Promise<SubscriptionEntity> {
    await this.tenants.get(tenantId);
    const subscription = await this.findForTenant(tenantId);
    if (!subscription) throw AppError.notFound('Subscription of tenant', tenantId, 'SUBSCRIPTION_NOT_FOUND');
    return subscription;
  }

  async put(tenantId: string, input: PutSubscriptionInput, by: AuditActor): Promise<SubscriptionEntity> {
    return this.write(tenantId, by, (current) => ({ ...input, current }));
  }

  async patch(tenantId: string, input: PatchSubscriptionInput, by: AuditActor): Promise<SubscriptionEntity> {
    return this.write(tenantId, by, (current) => {
      if (!current) throw AppError.notFound('Subscription of tenant', tenantId, 'SUBSCRIPTION_NOT_FOUND');
      return {
        plan_id: input.plan_id ?? current.planId,
        addons: input.addons ?? current.addons,
        billing_interval: input.billing_interval ?? current.billingInterval,
        status: input.status ?? current.status,
        current,
      };
    });
  }

  private async write(
    tenantId: string,
    by: AuditActor,
    resolve: (current: SubscriptionEntity | null) => PutSubscriptionInput & { current: SubscriptionEntity | null },
  ): Promise<SubscriptionEntity> {
    return this.subscriptions.manager.transaction(async (manager) => {
      await this.tenants.get(tenantId, manager);
      const current = await manager.findOne(SubscriptionEntity, { where: { tenantId }, lock: { mode: 'pessimistic_write' } });
      // Stripe drives this one: a staff edit would be overwritten by the next webhook (and bill nothing).
      if (current?.stripeSubscriptionId) throw managedByStripe(tenantId, current.stripeSubscriptionId);
      const next = resolve(current);
      const plan = await this.plans.get(next.plan_id, manager);
      assertAddonsAvailable(plan, next.addons);
      const now = this.clock.now();
      const subscription = current ?? manager.create(SubscriptionEntity, { tenantId, createdAt: now });
      const previousStatus = current?.status ?? null;
      subscription.planId = next.plan_id;
      subscription.addons = next.addons;
      subscription.billingInterval = next.billing_interval;
      subscription.status = next.status;
      // Entering past_due starts the grace window; staying in it keeps the window where it is.
      if (next.status !== 'past_due') subscription.graceEndsAt = null;
      else if (previousStatus !== 'past_due' || !subscription.graceEndsAt) {
        subscription.graceEndsAt = graceEndsAt(now, next.billing_interval, {
          monthlyDays: this.config.BILLING_GRACE_DAYS_MONTHLY,
          annualDays: this.config.BILLING_GRACE_DAYS_ANNUAL,
        });
      }
      subscription.updatedAt = now;
      const saved = await manager.save(subscription);
      await this.history.record(manager, saved, previousStatus, 'set by staff', by.actor);
      const { current: _current, ...change } = next;
      await this.audit.record(manager, by, current ? 'subscription.updated' : 'subscription.created', 'subscription', tenantId, {
        ...change,
        previous_status: previousStatus,
      });
      return saved;
    });
  }
}
