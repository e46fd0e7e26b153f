import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { SubscriptionStatus } from './subscription.entity.js';

/** One status transition of a subscription, written in the transaction that made it. */
@Entity('subscription_events')
export class SubscriptionEventEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column('uuid', { name: 'subscription_id' })
  subscriptionId: string;

  @Column('text', { name: 'tenant_id' })
  tenantId: string;

  @Column('text', { name: 'from_status', nullable: true })
  fromStatus: SubscriptionStatus | null;

  @Column('text', { name: 'to_status' })
  toStatus: SubscriptionStatus;

  @Column('text')
  reason: string;

  /** What caused it: `stripe:<event id>`, `sweeper`, or the staff actor. */
  @Column('text')
  source: string;

  @Column('timestamptz', { name: 'grace_ends_at', nullable: true })
  graceEndsAt: Date | null;

  @Column('timestamptz', { name: 'occurred_at' })
  occurredAt: Date;
}
