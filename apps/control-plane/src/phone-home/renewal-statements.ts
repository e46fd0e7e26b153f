import type { LicenseClaims, PlanLimits } from '@atlasai/license-core';
import type { LicenseTerms } from '../licenses/license-claims.builder.js';
import type { LicenseRecordStatus, PlanSource } from '../licenses/license.entity.js';
import type { SubscriptionStatus } from '../subscriptions/subscription.entity.js';
import type { PhoneHomeRequest } from './phone-home.schemas.js';
import type { RenewalFacts } from './renewal-decision.js';

/**
 * The renewal's two statements and the mapping between them and the pure decision. Shared with the
 * benchmark's minimal pipeline (test/bench), so its baseline runs exactly the service's SQL and rule.
 */

/** The presented license, its lineage's head and everything the decision needs, read in one round trip. */
export interface RenewalFactsRow {
  id: string;
  tenant_id: string;
  status: LicenseRecordStatus;
  claims: LicenseClaims;
  lineage_id: string;
  head_id: string | null;
  head_claims: LicenseClaims | null;
  head_issued_at: Date | null;
  head_issued_by: string | null;
  head_max_machines: number | null;
  head_environment: string | null;
  head_plan_source: PlanSource | null;
  lineage_revoked: boolean;
  subscription_status: SubscriptionStatus | null;
  plan_id: string | null;
  plan_name: string | null;
  plan_limits: PlanLimits | null;
  plan_modules: string[] | null;
  plan_addons: string[] | null;
  subscription_addons: string[] | null;
  other_machines: number;
}

/** Parameters: license id, presented fingerprint (or null), start of the clone window, the results that count as renewed. */
export const FACTS_SQL = `
  SELECT l.id, l.tenant_id, l.status, l.claims, l.lineage_id,
         h.id AS head_id, h.claims AS head_claims, h.issued_at AS head_issued_at, h.issued_by AS head_issued_by,
         h.max_machines AS head_max_machines, h.environment AS head_environment, h.plan_source AS head_plan_source,
         EXISTS (SELECT 1 FROM licenses r WHERE r.lineage_id = l.lineage_id AND r.status = 'revoked') AS lineage_revoked,
         sub.status AS subscription_status, sub.addons AS subscription_addons,
         p.id AS plan_id, p.name AS plan_name, p.limits AS plan_limits, p.modules AS plan_modules, p.available_addons AS plan_addons,
         -- Machines are counted only among calls that renewed: a refused copy never makes the original look like one.
         CASE WHEN $2::text IS NULL THEN 0 ELSE (
           SELECT count(DISTINCT ph.fingerprint)::int FROM phone_homes ph
           WHERE ph.lineage_id = l.lineage_id AND ph.fingerprint IS NOT NULL AND ph.fingerprint <> $2
             AND ph.called_at > $3 AND ph.result = ANY($4)) END AS other_machines
  FROM licenses l
  LEFT JOIN licenses h ON h.lineage_id = l.lineage_id AND h.status = 'active'
  LEFT JOIN subscriptions sub ON sub.tenant_id = l.tenant_id
  LEFT JOIN plans p ON p.id = sub.plan_id
  WHERE l.id = $1`;

/**
 * The renewal as one statement (its own transaction): supersede the lineage's head only if it is still
 * active, insert the renewal only if that happened, record the call (against the presented license).
 * A concurrent renewal, replacement or revocation makes the UPDATE match nothing, so nothing is written
 * and the caller decides again. Column lists mirror LicenseEntity and PhoneHomeEntity; hand-written
 * because this is the hot path. Parameters: see renewParams.
 */
export const RENEW_SQL = `
  WITH superseded AS (
    UPDATE licenses SET status = 'superseded' WHERE id = $1 AND status = 'active' RETURNING id
  ), renewal AS (
    INSERT INTO licenses (id, tenant_id, plan_id, deployment_mode, claims, kid, token_hint, status, renewed_from, lineage_id, issued_by, issued_at, expires_at,
                          environment, max_machines, plan_source)
    SELECT $2, $3, $4, 'byoc', $5, $6, $7, 'active', superseded.id, $8, 'phone-home', $9, $10, $17, $18, $19 FROM superseded
    RETURNING id
  )
  INSERT INTO phone_homes (tenant_id, license_id, lineage_id, called_at, tp_version, source_address, fingerprint, result, renewed_license_id,
                           active_uses, usage_period_start, usage_period_end)
  SELECT $3, $20, $8, $9, $11, $12, $13, 'renewed', renewal.id, $14, $15, $16 FROM renewal
  RETURNING id`;

/** What a call brings besides its token: the columns of its phone_homes row. */
export interface RenewalCall extends Pick<PhoneHomeRequest, 'tp_version' | 'fingerprint' | 'usage'> {
  sourceAddress: string | null;
}

/** The renewed license's columns (LicenseEntity's names). */
export interface RenewedLicenseRow {
  id: string;
  tenantId: string;
  planId: string;
  claims: LicenseClaims;
  kid: string;
  tokenHint: string;
  lineageId: string;
  issuedAt: Date;
  expiresAt: Date;
  environment: string | null;
  maxMachines: number;
  planSource: PlanSource;
}

/** tp_version, source address, fingerprint and the usage report, in the order RENEW_SQL takes them. */
export function callColumns(call: RenewalCall): unknown[] {
  return [
    call.tp_version,
    call.sourceAddress,
    call.fingerprint ?? null,
    call.usage?.active_uses ?? null,
    call.usage ? new Date(call.usage.period_start) : null,
    call.usage ? new Date(call.usage.period_end) : null,
  ];
}

export function renewParams(headId: string, license: RenewedLicenseRow, call: RenewalCall, presentedId: string): unknown[] {
  return [
    headId,
    license.id,
    license.tenantId,
    license.planId,
    license.claims,
    license.kid,
    license.tokenHint,
    license.lineageId,
    license.issuedAt,
    license.expiresAt,
    ...callColumns(call),
    license.environment,
    license.maxMachines,
    license.planSource,
    presentedId,
  ];
}

/** The facts row as the pure decision takes it. */
export function renewalFacts(row: RenewalFactsRow, presentedFingerprint: string | undefined, now: Date, retryWindowMs: number): RenewalFacts {
  return {
    license: { id: row.id, status: row.status },
    head: row.head_id
      ? {
          id: row.head_id,
          claims: row.head_claims!,
          issuedAt: new Date(row.head_issued_at!),
          issuedBy: row.head_issued_by!,
          maxMachines: row.head_max_machines!,
        }
      : null,
    lineageRevoked: row.lineage_revoked,
    subscriptionStatus: row.subscription_status,
    presentedFingerprint,
    otherMachines: row.other_machines,
    now,
    retryWindowMs,
  };
}

/**
 * The terms of a renewal from the lineage's head: the tenant's current plan and add-ons, unless support
 * pinned the plan, in which case the head's plan, limits, modules and add-ons carry over unchanged (as do
 * the machine binding, phase lengths, environment and machine cap).
 */
export function renewalTerms(facts: RenewalFactsRow, licenseId: string, now: Date, validityDays: number): LicenseTerms {
  const head = facts.head_claims!;
  const pinned = facts.head_plan_source === 'pinned';
  return {
    licenseId,
    tenantId: facts.tenant_id,
    plan: pinned
      ? { id: head.plan_id, name: head.plan_name, limits: head.limits, modules: head.modules }
      : { id: facts.plan_id!, name: facts.plan_name!, limits: facts.plan_limits!, modules: facts.plan_modules! },
    addons: pinned ? head.addons : (facts.subscription_addons ?? []).filter((addon) => facts.plan_addons!.includes(addon)),
    deploymentMode: 'byoc',
    issuedAt: now,
    validityDays,
    gracePeriodDays: head.grace_period_days,
    readOnlyPeriodDays: head.read_only_period_days,
    fingerprint: head.fingerprint,
    maxActiveUses: head.max_active_uses,
    renewedFrom: facts.head_id!,
    lineageId: facts.lineage_id,
    environment: facts.head_environment,
    maxMachines: facts.head_max_machines!,
    planSource: facts.head_plan_source!,
  };
}
