import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { LicenseClaims, LicenseDeploymentMode } from '../../../../libs/license-core/src/index.js';

export const LICENSE_RECORD_STATUSES = ['active', 'superseded', 'revoked'] as const;
export type LicenseRecordStatus = (typeof LICENSE_RECORD_STATUSES)[number];

/** One row per issued token (id = `jti`). The token itself is never stored: it can be re-signed from the claims. */
@Entity('licenses')
export class LicenseEntity {
  @PrimaryColumn('uuid')
  id: string;

  @Column('text', { name: 'tenant_id' })
  tenantId: string;

  @Column('text', { name: 'plan_id' })
  planId: string;

  @Column('text', { name: 'deployment_mode' })
  deploymentMode: LicenseDeploymentMode;

  @Column('jsonb')
  claims: LicenseClaims;

  @Column('text')
  kid: string;

  @Column('text', { name: 'token_hint' })
  tokenHint: string;

  @Column('text')
  status: LicenseRecordStatus;

  @Column('uuid', { name: 'renewed_from', nullable: true })
  renewedFrom: string | null;

  /** The first license of a renewal chain; every renewal inherits it. */
  @Column('uuid', { name: 'lineage_id' })
  lineageId: string;

  @Column('text', { name: 'issued_by' })
  issuedBy: string;

  @Column('timestamptz', { name: 'issued_at' })
  issuedAt: Date;

  @Column('timestamptz', { name: 'expires_at' })
  expiresAt: Date;

  @Column('timestamptz', { name: 'revoked_at', nullable: true })
  revokedAt: Date | null;

  @Column('text', { name: 'revoked_reason', nullable: true })
  revokedReason: string | null;

  @Column('timestamptz', { name: 'created_at', default: () => 'now()' })
  createdAt: Date;
}
