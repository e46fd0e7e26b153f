import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service.js';
import type { AuditActor } from '../auth/auth.decorators.js';
import { CLOCK, type Clock } from '../common/clock.js';
import { NotificationOutbox } from '../notifications/notification-outbox.service.js';
import type { NotificationFacts } from '../notifications/notification.entity.js';
import { PlanEntity } from '../plans/plan.entity.js';
import { SubscriptionEventEntity } from './subscription-event.entity.js';
import { cycleOf, type Transition } from './subscription-transitions.js';
import { SubscriptionEntity, type SubscriptionStatus } from './subscription.entity.js';

export interface AppliedTransition extends Transition {
  /** The failure that started grace (payment_failed only). */
  failedAt?: Date;
}

/**
 * Writes a subscription's status change with everything it causes, in the caller's transaction:
 * the row, its history, the audit record and the customer email (one per stage and cycle).
 */
@Injectable()
export class SubscriptionHistory {
  constructor(
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly audit: AuditService,
    private readonly outbox: NotificationOutbox,
  ) {}

  async transition(
    manager: EntityManager,
    subscription: SubscriptionEntity,
    change: AppliedTransition,
    by: AuditActor,
    source: string,
  ): Promise<SubscriptionEntity> {
    const now = this.clock.now();
    const from = subscription.id ? subscription.status : null;
    subscription.status = change.to;
    subscription.graceEndsAt = change.graceEndsAt;
    subscription.updatedAt = now;
    const saved = await manager.save(subscription);
    await this.record(manager, saved, from, change.reason, source);
    await this.audit.record(manager, by, 'subscription.status_changed', 'subscription', saved.tenantId, {
      subscription_id: saved.id,
      from,
      to: saved.status,
      reason: change.reason,
      grace_ends_at: saved.graceEndsAt?.toISOString() ?? null,
      source,
    });
    if (change.stage) {
      const plan = await manager.findOneByOrFail(PlanEntity, { id: saved.planId });
      const facts: NotificationFacts = { plan_name: plan.name, billing_interval: saved.billingInterval };
      if (change.stage === 'payment_failed') Object.assign(facts, { failed_at: (change.failedAt ?? now).toISOString(), grace_ends_at: iso(saved.graceEndsAt) });
      if (change.stage === 'suspended') Object.assign(facts, { suspended_at: now.toISOString(), grace_ends_at: iso(saved.graceEndsAt) });
      if (change.stage === 'reactivated') facts.reactivated_at = now.toISOString();
      if (change.stage === 'canceled') facts.canceled_at = now.toISOString();
      await this.outbox.record(manager, { stage: change.stage, tenantId: saved.tenantId, audience: 'tenant', subject: saved.id, cycle: cycleOf(saved), facts });
    }
    return saved;
  }

  /** One history row; staff edits write it too. */
  async record(manager: EntityManager, subscription: SubscriptionEntity, from: SubscriptionStatus | null, reason: string, source: string): Promise<void> {
    if (from === subscription.status) return;
    await manager.insert(SubscriptionEventEntity, {
      subscriptionId: subscription.id,
      tenantId: subscription.tenantId,
      fromStatus: from,
      toStatus: subscription.status,
      reason,
      source,
      graceEndsAt: subscription.graceEndsAt,
      occurredAt: this.clock.now(),
    });
  }
}

function iso(date: Date | null): string | null {
  return date ? date.toISOString() : null;
}
