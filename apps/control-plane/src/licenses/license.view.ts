import { computeLicensePhase } from '@atlasai/license-core';
import type { LicenseEntity } from './license.entity.js';

export function licenseView(license: LicenseEntity, now: Date) {
  const phase = computeLicensePhase(license.claims, now);
  return {
    id: license.id,
    tenant_id: license.tenantId,
    plan_id: license.planId,
    deployment_mode: license.deploymentMode,
    status: license.status,
    phase: { status: phase.status, days_remaining: phase.days_remaining, phase_ends_at: phase.phase_ends_at },
    kid: license.kid,
    token_hint: license.tokenHint,
    issued_by: license.issuedBy,
    issued_at: license.issuedAt,
    expires_at: license.expiresAt,
    renewed_from: license.renewedFrom,
    lineage_id: license.lineageId,
    /** The head is the lineage's one active license: what its installation's next phone-home renews. */
    is_head: license.status === 'active',
    replaces: license.replaces,
    environment: license.environment,
    max_machines: license.maxMachines,
    plan_source: license.planSource,
    revoked_at: license.revokedAt,
    revoked_reason: license.revokedReason,
    claims: license.claims,
  };
}
