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

/** What one call's facts are read by: the presented license, its fingerprint and the start of its clone window. */
export interface FactsLookup {
  license_id: string;
  fingerprint: string | null;
  since: Date;
}

/**
 * Reads the facts of many calls in one statement (a batch of one for a single call). Parameters: the
 * FactsLookup items as a JSON array, the results that count as renewed. Each row carries its item's
 * index (`call_index`); an unknown license has no row.
 */
export const FACTS_SQL = `
  SELECT c.call_index, l.id, l.tenant_id, l.status, l.claims, l.lineage_id,
         h.id AS head_id, h.claims AS head_claims, h.issued_at AS head_issued_at, h.issued_by AS head_issued_by,
         h.max_machines AS head_max_machines, h.environment AS head_environment, h.plan_source AS head_plan_source,
         EXISTS (SELECT 1 FROM licenses r WHERE r.lineage_id = l.lineage_id AND r.status = 'revoked') AS lineage_revoked,
         sub.status AS subscription_status, sub.addons AS subscription_addons,
         p.id AS plan_id, p.name AS plan_name, p.limits AS plan_limits, p.modules AS plan_modules, p.available_addons AS plan_addons,
         -- Machines are counted only among calls that renewed: a refused copy never makes the original look like one.
         CASE WHEN c.fingerprint IS NULL THEN 0 ELSE (
           SELECT count(DISTINCT ph.fingerprint)::int FROM phone_homes ph
           WHERE ph.lineage_id = l.lineage_id AND ph.fingerprint IS NOT NULL AND ph.fingerprint <> c.fingerprint
             AND ph.called_at > c.since AND ph.result = ANY($2)) END AS other_machines
  FROM jsonb_to_recordset($1::jsonb) AS c(call_index int, license_id uuid, fingerprint text, since timestamptz)
  JOIN licenses l ON l.id = c.license_id
  LEFT JOIN licenses h ON h.lineage_id = l.lineage_id AND h.status = 'active'
  LEFT JOIN subscriptions sub ON sub.tenant_id = l.tenant_id
  LEFT JOIN plans p ON p.id = sub.plan_id`;

/** FACTS_SQL's parameters for these lookups. */
export function factsParams(lookups: FactsLookup[], successfulResults: readonly string[]): unknown[] {
  return [JSON.stringify(lookups.map((lookup, call_index) => ({ call_index, ...lookup }))), successfulResults];
}

/** FACTS_SQL's rows in the lookups' order; undefined for a license the control plane does not know. */
export function factsByCall(rows: (RenewalFactsRow & { call_index: number })[], count: number): (RenewalFactsRow | undefined)[] {
  const facts: (RenewalFactsRow | undefined)[] = new Array(count).fill(undefined);
  for (const { call_index, ...row } of rows) facts[call_index] = row;
  return facts;
}

/**
 * Many renewals as one statement (its own transaction), each of them as before: supersede the lineage's
 * head only if it is still active, insert the renewal only if that happened, record the call (against the
 * presented license). A concurrent renewal, replacement or revocation makes a head's UPDATE match nothing,
 * so nothing of that renewal is written and its caller decides again; a head locked by one that has not
 * committed yet is skipped the same way rather than waited for, so the other renewals of the statement
 * never wait on it. Two renewals of one head must not share a statement (both would join the one
 * superseded row). Column lists mirror LicenseEntity and PhoneHomeEntity; hand-written because this is
 * the hot path. Parameter: RenewalRow items as a JSON array; returns the ids of the renewals written.
 */
export const RENEW_SQL = `
  WITH c AS (
    SELECT * FROM jsonb_to_recordset($1::jsonb) AS c(head_id uuid, id uuid, tenant_id text, plan_id text, claims jsonb, kid text, token_hint text,
      lineage_id uuid, issued_at timestamptz, expires_at timestamptz, environment text, max_machines int, plan_source text, presented_id uuid,
      tp_version text, source_address text, fingerprint text, active_uses int, usage_period_start timestamptz, usage_period_end timestamptz)
  ), superseded AS (
    UPDATE licenses l SET status = 'superseded'
    WHERE l.id IN (SELECT h.id FROM licenses h JOIN c ON h.id = c.head_id WHERE h.status = 'active' FOR NO KEY UPDATE OF h SKIP LOCKED)
    RETURNING l.id
  ), renewal AS (
    INSERT INTO licenses (id, tenant_id, plan_id, deployment_mode, claims, kid, token_hint, status, renewed_from, lineage_id, issued_by, issued_at, expires_at,
                          environment, max_machines, plan_source)
    SELECT c.id, c.tenant_id, c.plan_id, 'byoc', c.claims, c.kid, c.token_hint, 'active', superseded.id, c.lineage_id, 'phone-home', c.issued_at, c.expires_at,
           c.environment, c.max_machines, c.plan_source
    FROM c JOIN superseded ON superseded.id = c.head_id
    RETURNING id
  )
  INSERT INTO phone_homes (tenant_id, license_id, lineage_id, called_at, tp_version, source_address, fingerprint, result, renewed_license_id,
                           active_uses, usage_period_start, usage_period_end)
  SELECT c.tenant_id, c.presented_id, c.lineage_id, c.issued_at, c.tp_version, c.source_address, c.fingerprint, 'renewed', renewal.id,
         c.active_uses, c.usage_period_start, c.usage_period_end
  FROM c JOIN renewal ON renewal.id = c.id
  RETURNING renewed_license_id AS id`;

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

/** The phone_homes columns a call brings. */
export interface CallColumns {
  tp_version: string;
  source_address: string | null;
  fingerprint: string | null;
  active_uses: number | null;
  usage_period_start: Date | null;
  usage_period_end: Date | null;
}

export function callColumns(call: RenewalCall): CallColumns {
  return {
    tp_version: call.tp_version,
    source_address: call.sourceAddress,
    fingerprint: call.fingerprint ?? null,
    active_uses: call.usage?.active_uses ?? null,
    usage_period_start: call.usage ? new Date(call.usage.period_start) : null,
    usage_period_end: call.usage ? new Date(call.usage.period_end) : null,
  };
}

/** One renewal as RENEW_SQL takes it. */
export type RenewalRow = ReturnType<typeof renewalRow>;

export function renewalRow(headId: string, license: RenewedLicenseRow, call: RenewalCall, presentedId: string) {
  return {
    head_id: headId,
    id: license.id,
    tenant_id: license.tenantId,
    plan_id: license.planId,
    claims: license.claims,
    kid: license.kid,
    token_hint: license.tokenHint,
    lineage_id: license.lineageId,
    issued_at: license.issuedAt,
    expires_at: license.expiresAt,
    environment: license.environment,
    max_machines: license.maxMachines,
    plan_source: license.planSource,
    presented_id: presentedId,
    ...callColumns(call),
  };
}

/** RENEW_SQL's parameters for these renewals. */
export function renewParams(renewals: RenewalRow[]): unknown[] {
  return [JSON.stringify(renewals)];
}

/** Which of the renewals RENEW_SQL's rows say were written. */
export function renewalsWritten(rows: { id: string }[], renewals: RenewalRow[]): boolean[] {
  const written = new Set(rows.map((row) => row.id));
  return renewals.map((renewal) => written.has(renewal.id));
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
