import { z } from 'zod';
import { identifierSchema } from '@atlasai/license-core';
import { BILLING_INTERVALS } from '../subscriptions/subscription.entity.js';
import { STRIPE_EVENT_OUTCOMES } from './stripe-event.entity.js';

export const priceIdSchema = z.string().regex(/^price_[A-Za-z0-9]{1,250}$/, 'must be a Stripe price id (price_ followed by letters and digits)');

/** A price per billing interval; null removes the mapping. */
export const setPricesSchema = z
  .strictObject({ monthly: priceIdSchema.nullable().optional(), annual: priceIdSchema.nullable().optional() })
  .refine((prices) => prices.monthly !== undefined || prices.annual !== undefined, 'set monthly, annual or both')
  .refine((prices) => !prices.monthly || prices.monthly !== prices.annual, 'monthly and annual must be different prices');
export type SetPricesInput = z.infer<typeof setPricesSchema>;

export const checkoutSessionSchema = z.strictObject({
  tenant_id: identifierSchema,
  plan_id: identifierSchema,
  billing_interval: z.enum(BILLING_INTERVALS, { error: 'must be monthly or annual' }),
  addons: z
    .array(identifierSchema)
    .max(16)
    .refine((items) => new Set(items).size === items.length, 'must not repeat an entry')
    .default([]),
});
export type CheckoutSessionInput = z.infer<typeof checkoutSessionSchema>;

export const portalSessionSchema = z.strictObject({ tenant_id: identifierSchema });
export type PortalSessionInput = z.infer<typeof portalSessionSchema>;

export const createLoginLinkSchema = z.strictObject({
  /** true: email the link to the tenant's contact address and answer without it. */
  send_email: z.boolean().default(false),
});
export type CreateLoginLinkInput = z.infer<typeof createLoginLinkSchema>;

export const requestLoginLinkSchema = z.strictObject({ tenant_id: identifierSchema, email: z.email().max(254) });
export type RequestLoginLinkInput = z.infer<typeof requestLoginLinkSchema>;

export const redeemLoginLinkSchema = z.strictObject({ token: z.string().regex(/^lal_[A-Za-z0-9_-]{43}$/, 'is not a login link token') });

export const listStripeEventsSchema = z.strictObject({
  outcome: z.enum(STRIPE_EVENT_OUTCOMES).optional(),
  tenant_id: identifierSchema.optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});
export type ListStripeEventsQuery = z.infer<typeof listStripeEventsSchema>;

/** The part of a Stripe event the webhook relies on; the rest is read from Stripe itself. */
export const stripeEventSchema = z.object({
  id: z.string().regex(/^evt_[A-Za-z0-9_]+$/),
  type: z.string().min(1).max(200),
  created: z.number().int().positive(),
  data: z.object({ object: z.record(z.string(), z.unknown()) }),
});
export type StripeEventEnvelope = z.infer<typeof stripeEventSchema>;
