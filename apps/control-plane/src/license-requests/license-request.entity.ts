import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { LicenseDeploymentMode } from '@atlasai/license-core';

export const LICENSE_REQUEST_KINDS = ['new', 'renewal', 'upgrade', 'replacement'] as const;
export type LicenseRequestKind = (typeof LICENSE_REQUEST_KINDS)[number];
export const LICENSE_REQUEST_STATUSES = ['open', 'approved', 'declined', 'canceled'] as const;
export type LicenseRequestStatus = (typeof LICENSE_REQUEST_STATUSES)[number];

/** A customer's (or support's, on their behalf) request for a license; support approves or declines it. */
@Entity('license_requests')
export class LicenseRequestEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column('text', { name: 'tenant_id' })
  tenantId: string;

  @Column('text')
  kind: LicenseRequestKind;

  @Column('text')
  status: LicenseRequestStatus;

  @Column('text', { name: 'deployment_mode' })
  deploymentMode: LicenseDeploymentMode;

  /** '' when the installation has no label: part of the one-open-request key, so never null. */
  @Column('text')
  environment: string;

  /** The machine locking code (`licensectl fingerprint`) the license is to be bound to. */
  @Column('text', { nullable: true })
  fingerprint: string | null;

  @Column('text', { name: 'plan_id' })
  planId: string;

  @Column('jsonb')
  addons: string[];

  /** The plan or add-ons asked for go beyond the subscription: approving needs a plan change first. */
  @Column('boolean', { name: 'needs_plan_change' })
  needsPlanChange: boolean;

  /** The license a renewal or replacement takes over from. */
  @Column('uuid', { name: 'replaces_license_id', nullable: true })
  replacesLicenseId: string | null;

  @Column('text', { nullable: true })
  note: string | null;

  @Column('text', { name: 'requested_by' })
  requestedBy: string;

  @Column('timestamptz', { name: 'created_at' })
  createdAt: Date;

  @Column('text', { name: 'decided_by', nullable: true })
  decidedBy: string | null;

  @Column('timestamptz', { name: 'decided_at', nullable: true })
  decidedAt: Date | null;

  /** Why support declined (shown to the customer), or a note on the approval. */
  @Column('text', { name: 'decision_reason', nullable: true })
  decisionReason: string | null;

  /** The license issued on approval. */
  @Column('uuid', { name: 'license_id', nullable: true })
  licenseId: string | null;
}
