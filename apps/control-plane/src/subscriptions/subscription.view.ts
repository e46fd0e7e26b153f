import { accessLevelFor } from './subscription-rules.js';
import type { SubscriptionEntity } from './subscription.entity.js';

export function subscriptionView(subscription: SubscriptionEntity) {
  return {
    id: subscription.id,
    tenant_id: subscription.tenantId,
    plan_id: subscription.planId,
    addons: subscription.addons,
    billing_interval: subscription.billingInterval,
    status: subscription.status,
    access: accessLevelFor(subscription.status),
    grace_ends_at: subscription.graceEndsAt,
    created_at: subscription.createdAt,
    updated_at: subscription.updatedAt,
  };
}
