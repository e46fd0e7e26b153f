import { z } from 'zod';
import { identifierSchema } from '@atlasai/license-core';
import { BILLING_INTERVALS, SUBSCRIPTION_STATUSES } from './subscription.entity.js';

const subscriptionFields = z.strictObject({
  plan_id: identifierSchema,
  addons: z.array(identifierSchema).max(64),
  billing_interval: z.enum(BILLING_INTERVALS),
  status: z.enum(SUBSCRIPTION_STATUSES),
});

export const putSubscriptionSchema = subscriptionFields.extend({
  addons: subscriptionFields.shape.addons.default([]),
  status: subscriptionFields.shape.status.default('active'),
});
export type PutSubscriptionInput = z.infer<typeof putSubscriptionSchema>;

/** Only the fields sent change: built from the fields without defaults (a partial PUT schema would still fill addons with []). */
export const patchSubscriptionSchema = subscriptionFields.partial();
export type PatchSubscriptionInput = z.infer<typeof patchSubscriptionSchema>;
