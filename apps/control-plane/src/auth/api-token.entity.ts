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
}
