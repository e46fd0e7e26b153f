import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

export const NOTIFICATION_STAGES = [
  'payment_failed',
  'grace_ending',
  'suspended',
  'reactivated',
  'canceled',
  'license_issued',
  'license_expiring',
  'renewal_refused',
  'phone_home_silent',
  'clone_suspected',
  'login_link',
  'license_requested',
  'license_request_declined',
  'api_token_expiring',
  'limit_warning',
  'limit_reached',
] as const;
export type NotificationStage = (typeof NOTIFICATION_STAGES)[number];

export const NOTIFICATION_STATUSES = ['pending', 'queued', 'sent', 'failed'] as const;
export type NotificationStatus = (typeof NOTIFICATION_STATUSES)[number];

/** Plain values the templates render: dates as ISO strings, counts as numbers. */
export type NotificationFacts = Record<string, string | number | boolean | null | string[]>;

export interface NotificationAttachment {
  filename: string;
  content: string;
  contentType: string;
}

/** An outbox row: written with the state change that causes it, delivered later by the relay. */
@Entity('notifications')
export class NotificationEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column('text', { name: 'tenant_id', nullable: true })
  tenantId: string | null;

  @Column('text')
  stage: NotificationStage;

  @Column('text')
  recipient: string;

  @Column('text', { name: 'dedupe_key' })
  dedupeKey: string;

  @Column('jsonb')
  facts: NotificationFacts;

  /** Secrets such as the license token live here only until the email is sent. */
  @Column('jsonb', { nullable: true })
  attachments: NotificationAttachment[] | null;

  @Column('text')
  status: NotificationStatus;

  @Column('integer')
  attempts: number;

  @Column('text', { name: 'last_error', nullable: true })
  lastError: string | null;

  @Column('timestamptz', { name: 'created_at' })
  createdAt: Date;

  /** Database time, like queued_at: delivery mechanics, compared across replicas. */
  @Column('timestamptz', { name: 'next_attempt_at', default: () => 'now()' })
  nextAttemptAt: Date;

  @Column('integer', { default: 0 })
  resends: number;

  @Column('timestamptz', { name: 'queued_at', nullable: true })
  queuedAt: Date | null;

  @Column('timestamptz', { name: 'sent_at', nullable: true })
  sentAt: Date | null;

  @Column('timestamptz', { name: 'failed_at', nullable: true })
  failedAt: Date | null;
}
