import { z } from 'zod';
import { planLimitsSchema } from '@atlasai/license-core';
import { timestamp } from '../openapi/api-reply.decorator.js';
import { accessLevelResponse } from '../subscriptions/subscriptions.responses.js';
import { BILLING_INTERVALS, SUBSCRIPTION_STATUSES } from '../subscriptions/subscription.entity.js';
import { STRIPE_EVENT_OUTCOMES } from './stripe-event.entity.js';

export const checkoutSessionResponse = z.object({ id: z.string(), url: z.string().describe('Send the customer here.'), expires_at: z.iso.datetime() });

export const portalSessionResponse = z.object({ url: z.string().describe('The Stripe Customer Portal; send the customer here.') });

export const createdLoginLinkResponse = z.union([
  z.object({ url: z.string().describe('The link, with the token in its fragment; shown only here.'), expires_at: timestamp }),
  z.object({ login_link_id: z.uuid(), expires_at: timestamp, emailed_to: z.string(), notification_id: z.uuid().nullable() }),
]);

export const loginLinkRequestResponse = z.object({ status: z.literal('accepted'), message: z.string() });

export const billingSessionResponse = z.object({
  session_token: z.string().describe('A billing session token (`lcs_…`) for this tenant.'),
  tenant_id: z.string(),
  expires_at: timestamp,
});

export const entitlementsResponse = z.object({
  tenant_id: z.string(),
  access: accessLevelResponse,
  subscription_status: z.enum(SUBSCRIPTION_STATUSES).nullable(),
  grace_ends_at: z.iso.datetime().nullable(),
  plan_id: z.string().nullable(),
  plan_name: z.string().nullable(),
  limits: planLimitsSchema.nullable(),
  modules: z.array(z.string()),
  addons: z.array(z.string()),
  ai_credits: z.number().int().nullable(),
});

export const priceResponse = z
  .object({
    price_id: z.string(),
    plan_id: z.string().nullable(),
    addon_id: z.string().nullable(),
    billing_interval: z.enum(BILLING_INTERVALS),
    created_at: timestamp,
    retired_at: timestamp.nullable().describe('When another price replaced it (or it was unmapped); Stripe keeps billing its subscribers.'),
  })
  .meta({ id: 'StripePrice', description: 'A Stripe price mapped to the plan or add-on it sells, for one billing interval.' });

export const priceListResponse = z.object({ items: z.array(priceResponse) });

export const stripeEventListResponse = z.object({
  items: z.array(
    z.object({
      id: z.string(),
      type: z.string(),
      created_at: timestamp,
      received_at: timestamp,
      outcome: z.enum(STRIPE_EVENT_OUTCOMES),
      detail: z.string().nullable(),
      tenant_id: z.string().nullable(),
      stripe_subscription_id: z.string().nullable(),
    }),
  ),
});

export const webhookReceiptResponse = z.object({ received: z.literal(true), outcome: z.enum([...STRIPE_EVENT_OUTCOMES, 'duplicate']) });
