import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { BillingInterval } from '../subscriptions/subscription.entity.js';

/** One Stripe price: either a plan's price for an interval or an add-on's; a replaced one is retired, never deleted. */
@Entity('stripe_prices')
export class StripePriceEntity {
  @PrimaryColumn('text', { name: 'price_id' })
  priceId: string;

  @Column('text', { name: 'plan_id', nullable: true })
  planId: string | null;

  @Column('text', { name: 'addon_id', nullable: true })
  addonId: string | null;

  @Column('text', { name: 'billing_interval' })
  billingInterval: BillingInterval;

  @Column('timestamptz', { name: 'created_at' })
  createdAt: Date;

  /** When another price replaced it; webhooks still resolve it (existing subscribers), new Checkouts do not use it. */
  @Column('timestamptz', { name: 'retired_at', nullable: true })
  retiredAt: Date | null;
}
