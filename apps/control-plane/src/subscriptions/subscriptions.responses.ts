import { z } from 'zod';
import { timestamp } from '../openapi/api-reply.decorator.js';
import type { AccessLevel } from './subscription-rules.js';
import { BILLING_INTERVALS, SUBSCRIPTION_STATUSES } from './subscription.entity.js';

export const accessLevelResponse = z.enum(['full', 'read_only', 'blocked'] satisfies AccessLevel[]);

export const subscriptionResponse = z
  .object({
    id: z.uuid(),
    tenant_id: z.string(),
    plan_id: z.string(),
    addons: z.array(z.string()),
    billing_interval: z.enum(BILLING_INTERVALS),
    status: z.enum(SUBSCRIPTION_STATUSES),
    access: accessLevelResponse,
    grace_ends_at: timestamp.nullable(),
    created_at: timestamp,
    updated_at: timestamp,
  })
  .meta({ id: 'Subscription' });
