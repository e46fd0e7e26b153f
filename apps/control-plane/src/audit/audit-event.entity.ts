import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

@Entity('audit_events')
export class AuditEventEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column('timestamptz', { name: 'occurred_at' })
  occurredAt: Date;

  @Column('text')
  actor: string;

  @Column('text')
  action: string;

  @Column('text', { name: 'target_type' })
  targetType: string;

  @Column('text', { name: 'target_id' })
  targetId: string;

  @Column('jsonb')
  details: Record<string, unknown>;

  @Column('text', { name: 'request_id', nullable: true })
  requestId: string | null;

  /** oidc, token, cli or system; null on rows written before actors were recorded. */
  @Column('text', { name: 'actor_type', nullable: true })
  actorType: string | null;

  /** The OIDC subject of a person signed in through the IdP. */
  @Column('text', { name: 'actor_subject', nullable: true })
  actorSubject: string | null;

  /** The person: a session's email, or the email of the token's creator. */
  @Column('text', { name: 'actor_email', nullable: true })
  actorEmail: string | null;

  @Column('text', { name: 'actor_name', nullable: true })
  actorName: string | null;

  @Column('uuid', { name: 'actor_token_id', nullable: true })
  actorTokenId: string | null;

  @Column('text', { name: 'actor_token_created_by', nullable: true })
  actorTokenCreatedBy: string | null;

  @Column('text', { name: 'source_address', nullable: true })
  sourceAddress: string | null;
}
