import { Column, Entity, PrimaryColumn } from 'typeorm';

/** `second_subscription`: another live subscription for a tenant that has one (two Checkouts completed); staff resolve it in Stripe. */
export const STRIPE_EVENT_OUTCOMES = ['processed', 'unchanged', 'ignored', 'unknown_customer', 'unknown_price', 'second_subscription'] as const;
export type StripeEventOutcome = (typeof STRIPE_EVENT_OUTCOMES)[number];

/** Every Stripe event received once; the id is the idempotency key, stored with the event's effect. */
@Entity('stripe_events')
export class StripeEventEntity {
  @PrimaryColumn('text')
  id: string;

  @Column('text')
  type: string;

  /** When Stripe created the event. */
  @Column('timestamptz', { name: 'created_at' })
  createdAt: Date;

  @Column('timestamptz', { name: 'received_at' })
  receivedAt: Date;

  @Column('text')
  outcome: StripeEventOutcome;

  /** Why nothing changed (an unknown customer or price), for staff. */
  @Column('text', { nullable: true })
  detail: string | null;

  @Column('text', { name: 'tenant_id', nullable: true })
  tenantId: string | null;

  @Column('text', { name: 'stripe_subscription_id', nullable: true })
  stripeSubscriptionId: string | null;
}
