import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/**
 * A one-time customer login link and, once redeemed, the short-lived billing session it became.
 * Only SHA-256 hashes of the link token and of the session token are stored.
 */
@Entity('login_links')
export class LoginLinkEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column('text', { name: 'tenant_id' })
  tenantId: string;

  @Column('text', { name: 'token_hash' })
  tokenHash: string;

  @Column('timestamptz', { name: 'expires_at' })
  expiresAt: Date;

  @Column('timestamptz', { name: 'used_at', nullable: true })
  usedAt: Date | null;

  @Column('text', { name: 'session_hash', nullable: true })
  sessionHash: string | null;

  @Column('timestamptz', { name: 'session_expires_at', nullable: true })
  sessionExpiresAt: Date | null;

  @Column('text', { name: 'created_by' })
  createdBy: string;

  @Column('timestamptz', { name: 'created_at' })
  createdAt: Date;
}
