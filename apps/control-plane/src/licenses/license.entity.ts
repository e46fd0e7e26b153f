import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { LicenseClaims, LicenseDeploymentMode } from '@atlasai/license-core';

export const LICENSE_RECORD_STATUSES = ['active', 'superseded', 'revoked'] as const;
export type LicenseRecordStatus = (typeof LICENSE_RECORD_STATUSES)[number];

/** `subscription`: renewals follow the tenant's current plan and add-ons; `pinned`: support chose them, renewals keep them. */
export const PLAN_SOURCES = ['subscription', 'pinned'] as const;
export type PlanSource = (typeof PLAN_SOURCES)[number];

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

  /** The installation's label for people (`prod`, `staging`); every renewal and replacement keeps it. */
  @Column('text', { nullable: true })
  environment: string | null;

  /** How many machines may phone home on this lineage within the clone window. */
  @Column('integer', { name: 'max_machines', default: 1 })
  maxMachines: number;

  @Column('text', { name: 'plan_source', default: 'subscription' })
  planSource: PlanSource;

  /** The license support replaced with this one (the previous head of the lineage). */
  @Column('uuid', { nullable: true })
  replaces: string | null;

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
