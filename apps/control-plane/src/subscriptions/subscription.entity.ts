import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

export const SUBSCRIPTION_STATUSES = ['trialing', 'active', 'past_due', 'suspended', 'canceled'] as const;
export type SubscriptionStatus = (typeof SUBSCRIPTION_STATUSES)[number];
export const BILLING_INTERVALS = ['monthly', 'annual'] as const;
export type BillingInterval = (typeof BILLING_INTERVALS)[number];

@Entity('subscriptions')
export class SubscriptionEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column('text', { name: 'tenant_id' })
  tenantId: string;

  @Column('text', { name: 'plan_id' })
  planId: string;

  @Column('jsonb')
  addons: string[];

  @Column('text', { name: 'billing_interval' })
  billingInterval: BillingInterval;

  @Column('text')
  status: SubscriptionStatus;

  @Column('timestamptz', { name: 'grace_ends_at', nullable: true })
  graceEndsAt: Date | null;

  /** Set when Stripe bills it; null for subscriptions staff manage by hand. */
  @Column('text', { name: 'stripe_subscription_id', nullable: true })
  stripeSubscriptionId: string | null;

  /** Stripe's own status as last read from Stripe (trialing, past_due, unpaid, ...). */
  @Column('text', { name: 'stripe_status', nullable: true })
  stripeStatus: string | null;

  /** Start of the current billing period: the "cycle" that scopes grace windows and emails. */
  @Column('timestamptz', { name: 'current_period_start', nullable: true })
  currentPeriodStart: Date | null;

  /** The order number of the Stripe read last applied (stripe_read_seq); a read with a lower number is stale. */
  @Column('bigint', { name: 'stripe_read_seq', nullable: true })
  stripeReadSeq: string | null;

  @Column('timestamptz', { name: 'created_at', default: () => 'now()' })
  createdAt: Date;

  @Column('timestamptz', { name: 'updated_at', default: () => 'now()' })
  updatedAt: Date;
}
