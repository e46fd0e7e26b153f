import { z } from 'zod';
import { identifierSchema } from '../../../../libs/license-core/src/index.js';
import { BILLING_INTERVALS, SUBSCRIPTION_STATUSES } from './subscription.entity.js';

export const putSubscriptionSchema = z.strictObject({
  plan_id: identifierSchema,
  addons: z.array(identifierSchema).max(64).default([]),
  billing_interval: z.enum(BILLING_INTERVALS),
  status: z.enum(SUBSCRIPTION_STATUSES).default('active'),
});
export type PutSubscriptionInput = z.infer<typeof putSubscriptionSchema>;

export const patchSubscriptionSchema = putSubscriptionSchema.partial();
export type PatchSubscriptionInput = z.infer<typeof patchSubscriptionSchema>;
