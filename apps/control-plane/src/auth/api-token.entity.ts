import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

export const STAFF_ROLES = ['admin', 'support', 'viewer', 'service'] as const;
export type StaffRole = (typeof STAFF_ROLES)[number];

@Entity('api_tokens')
export class ApiTokenEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column('text')
  name: string;

  @Column('text')
  role: StaffRole;

  /** Only for `service` tokens: the one tenant whose entitlements the token may read. */
  @Column('text', { name: 'tenant_id', nullable: true })
  tenantId: string | null;

  @Column('text', { name: 'token_hash' })
  tokenHash: string;

  @Column('text', { name: 'token_prefix' })
  tokenPrefix: string;

  @Column('text', { name: 'created_by' })
  createdBy: string;

  @Column('timestamptz', { name: 'created_at', default: () => 'now()' })
  createdAt: Date;

  @Column('timestamptz', { name: 'last_used_at', nullable: true })
  lastUsedAt: Date | null;

  @Column('timestamptz', { name: 'revoked_at', nullable: true })
  revokedAt: Date | null;

  /** Null only for a token created never to expire, with `neverExpiresReason`. */
  @Column('timestamptz', { name: 'expires_at', nullable: true })
  expiresAt: Date | null;

  @Column('text', { name: 'never_expires_reason', nullable: true })
  neverExpiresReason: string | null;

  /** Null: everything the role allows; otherwise only these (see token-scopes.ts). */
  @Column('text', { array: true, nullable: true })
  scopes: string[] | null;

  /** Where the expiry reminder goes: the creator's address when known. */
  @Column('text', { name: 'created_by_email', nullable: true })
  createdByEmail: string | null;

  @Column('text', { name: 'last_used_address', nullable: true })
  lastUsedAddress: string | null;

  @Column('timestamptz', { name: 'rotated_at', nullable: true })
  rotatedAt: Date | null;

  /** The secret a rotation replaced, accepted until `previousTokenValidUntil` so running clients can switch over. */
  @Column('text', { name: 'previous_token_hash', nullable: true })
  previousTokenHash: string | null;

  @Column('timestamptz', { name: 'previous_token_valid_until', nullable: true })
  previousTokenValidUntil: Date | null;
}
