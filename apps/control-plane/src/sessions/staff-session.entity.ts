import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { StaffRole } from '../auth/api-token.entity.js';

/** A person signed in to the console through the IdP; the cookie holds a secret, the row its hash. */
@Entity('staff_sessions')
export class StaffSessionEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column('text', { name: 'secret_hash' })
  secretHash: string;

  /** The OIDC `sub` claim: stable for the person at the IdP. */
  @Column('text')
  subject: string;

  @Column('text', { nullable: true })
  email: string | null;

  @Column('text', { nullable: true })
  name: string | null;

  @Column('text')
  role: Exclude<StaffRole, 'service'>;

  /** The IdP groups the role was mapped from, as they were at sign-in. */
  @Column('jsonb')
  groups: string[];

  @Column('timestamptz', { name: 'created_at' })
  createdAt: Date;

  /** Idle timeout counts from here (touched at most once a minute). */
  @Column('timestamptz', { name: 'last_seen_at' })
  lastSeenAt: Date;

  @Column('timestamptz', { name: 'absolute_expires_at' })
  absoluteExpiresAt: Date;

  @Column('text', { name: 'source_address', nullable: true })
  sourceAddress: string | null;

  @Column('text', { name: 'user_agent', nullable: true })
  userAgent: string | null;

  @Column('timestamptz', { name: 'revoked_at', nullable: true })
  revokedAt: Date | null;

  /** `signed_out`, or the admin who revoked it. */
  @Column('text', { name: 'revoked_by', nullable: true })
  revokedBy: string | null;
}
