import type { LicenseRequestEntity } from './license-request.entity.js';

export function licenseRequestView(request: LicenseRequestEntity) {
  return {
    id: request.id,
    tenant_id: request.tenantId,
    kind: request.kind,
    status: request.status,
    deployment_mode: request.deploymentMode,
    environment: request.environment || null,
    fingerprint: request.fingerprint,
    plan_id: request.planId,
    addons: request.addons,
    needs_plan_change: request.needsPlanChange,
    replaces_license_id: request.replacesLicenseId,
    note: request.note,
    requested_by: request.requestedBy,
    created_at: request.createdAt,
    decided_by: request.decidedBy,
    decided_at: request.decidedAt,
    decision_reason: request.decisionReason,
    license_id: request.licenseId,
  };
}
