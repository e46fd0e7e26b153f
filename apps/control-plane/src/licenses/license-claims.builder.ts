import type { LicenseClaims, LicenseDeploymentMode, PlanLimits } from '@atlasai/license-core';
import type { PlanSource } from './license.entity.js';

export interface LicenseTerms {
  licenseId: string;
  tenantId: string;
  plan: { id: string; name: string; limits: PlanLimits; modules: string[] };
  addons: string[];
  deploymentMode: LicenseDeploymentMode;
  issuedAt: Date;
  validityDays: number;
  gracePeriodDays: number;
  readOnlyPeriodDays: number;
  fingerprint?: string;
  maxActiveUses?: number;
  renewedFrom?: string;
  /** The renewal chain this license joins; a first license starts its own. */
  lineageId?: string;
  /** Bookkeeping of the lineage, not claims: its label, machine cap and where its plan comes from. */
  environment?: string | null;
  maxMachines?: number;
  planSource?: PlanSource;
  /** The head of the lineage this license replaces (support's re-issue). */
  replaces?: string;
}

export interface IssuerIdentity {
  issuer: string;
  audience: string;
}

/** The token contract of DESIGN.md, built from a plan and terms; pure so renewal and issuance agree. */
export function buildLicenseClaims(terms: LicenseTerms, identity: IssuerIdentity): LicenseClaims {
  const iat = Math.floor(terms.issuedAt.getTime() / 1000);
  return {
    iss: identity.issuer,
    aud: identity.audience,
    sub: terms.tenantId,
    tenant_id: terms.tenantId,
    jti: terms.licenseId,
    iat,
    nbf: iat,
    exp: iat + terms.validityDays * 86_400,
    plan_id: terms.plan.id,
    plan_name: terms.plan.name,
    limits: terms.plan.limits,
    modules: terms.plan.modules,
    addons: terms.addons,
    deployment_mode: terms.deploymentMode,
    grace_period_days: terms.gracePeriodDays,
    read_only_period_days: terms.readOnlyPeriodDays,
    ...(terms.fingerprint ? { fingerprint: terms.fingerprint } : {}),
    ...(terms.maxActiveUses ? { max_active_uses: terms.maxActiveUses } : {}),
    ...(terms.renewedFrom ? { renewed_from: terms.renewedFrom } : {}),
  };
}
