import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { tokenHint, type KeyChainLink, type LicenseClaims, type PlanLimits } from '../../../../libs/license-core/src/index.js';
import { AppError } from '../common/app-error.js';
import { CLOCK, type Clock } from '../common/clock.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { LicenseVerifier } from '../keys/license-verifier.service.js';
import { SigningKeyService } from '../keys/signing-key.service.js';
import { LicenseIssuerService } from '../licenses/license-issuer.service.js';
import { LicenseEntity, type LicenseRecordStatus, type PlanSource } from '../licenses/license.entity.js';
import { NotificationOutbox } from '../notifications/notification-outbox.service.js';
import { Metrics } from '../observability/metrics.js';
import type { SubscriptionStatus } from '../subscriptions/subscription.entity.js';
import { CloneAlertEntity } from './clone-alert.entity.js';
import { PhoneHomeRateLimiter, type RateLimitedKey } from './phone-home-rate-limiter.js';
import { PhoneHomeEntity, SUCCESSFUL_RESULTS } from './phone-home.entity.js';
import type { PhoneHomeRequest } from './phone-home.schemas.js';
import { decideRenewal, type PhoneHomeRefusalCode, type RenewalDecision } from './renewal-decision.js';

export interface PhoneHomeCall extends Omit<PhoneHomeRequest, 'license'> {
  token: string;
  sourceAddress: string | null;
}

export interface PhoneHomeReply {
  license: string;
  license_id: string;
  issued_at: string;
  expires_at: string;
  renewed_from: string | null;
  /** Every signing key, each endorsed by its predecessor: how the plane learns a key it was never given. */
  key_chain: KeyChainLink[];
}

/** The presented license, its lineage's head and everything the decision needs, read in one round trip. */
interface RenewalFactsRow {
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

const FACTS_SQL = `
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
 * because this is the hot path.
 */
const RENEW_SQL = `
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

/** At most one stale-token alert per lineage and UTC day: a restart without a fingerprint is not worth more. */
const STALE_TOKEN_ALERT_SQL = `
  INSERT INTO clone_alerts (tenant_id, license_id, lineage_id, reason, details, source_address, fingerprint, detected_at)
  SELECT $1, $2, $3, 'stale_token', $4, $5, NULL, $6
  WHERE NOT EXISTS (SELECT 1 FROM clone_alerts WHERE lineage_id = $3 AND reason = 'stale_token' AND detected_at >= $7)`;

/** Attempts at deciding and writing; a lost race is settled by the second, which sees the winner's renewal. */
const MAX_ATTEMPTS = 3;

/** 401 when the token is no credential at all, 403 when it is known but may not renew. */
const REFUSAL_STATUS: Record<PhoneHomeRefusalCode, number> = {
  LICENSE_INVALID: 401,
  LICENSE_UNKNOWN: 401,
  LICENSE_REVOKED: 403,
  NOT_RENEWABLE_ON_PREM: 403,
  FINGERPRINT_MISMATCH: 403,
  CLONE_SUSPECTED: 403,
  SUBSCRIPTION_INACTIVE: 403,
};

/**
 * BYOC renewal in two round trips: read the facts, decide (pure), then write the renewal, the
 * superseded mark and the call record in one statement that only applies if the lineage's head is
 * still active. Simultaneous calls with one token race on that condition: one renews, the rest
 * decide again, find the renewal and get it re-signed, byte for byte the same token. A refusal
 * commits its call record (and any clone alert and email) and then answers 4xx.
 */
@Injectable()
export class PhoneHomeService {
  private readonly logger = new Logger(PhoneHomeService.name);

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly dataSource: DataSource,
    private readonly verifier: LicenseVerifier,
    private readonly keys: SigningKeyService,
    private readonly issuer: LicenseIssuerService,
    private readonly outbox: NotificationOutbox,
    private readonly rateLimiter: PhoneHomeRateLimiter,
    private readonly metrics: Metrics,
  ) {}

  async phoneHome(call: PhoneHomeCall): Promise<PhoneHomeReply> {
    await this.limit('address', call.sourceAddress ?? 'unknown');
    const claims = await this.verified(call.token);
    await this.limit('license', claims.jti);
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      const now = this.clock.now();
      const facts = await this.readFacts(claims.jti, call.fingerprint, now);
      if (!facts) throw this.refused('LICENSE_UNKNOWN', 'The control plane has no record of this license. Contact AtlasAI support.');
      const decision = this.decide(facts, call, now);
      if (decision.kind === 'refuse') {
        await this.dataSource.transaction((manager) => this.recordRefusal(manager, call, facts, decision, now));
        this.logger.warn(`phone-home refused: ${decision.code} tenant=${facts.tenant_id} license=${facts.id} token=${tokenHint(call.token)}`);
        throw this.refused(decision.code, decision.message, decision.subscriptionStatus ? { subscription_status: decision.subscriptionStatus } : undefined);
      }
      const reply =
        decision.kind === 'renew' ? await this.renew(facts, call, now, decision.staleToken) : await this.resend(decision.licenseId, facts, call, now);
      if (reply) {
        this.metrics.phoneHome(decision.kind === 'renew' ? 'renewed' : 'resent');
        return { ...reply, key_chain: await this.keys.keyChain() };
      }
    }
    throw new AppError(409, 'RENEWAL_CONFLICT', 'Another renewal of this license is in progress; retry in a moment. The current license keeps working.');
  }

  private async limit(kind: RateLimitedKey, key: string): Promise<void> {
    try {
      await this.rateLimiter.consume(kind, key);
    } catch (error) {
      if (error instanceof AppError) this.metrics.phoneHome(error.code);
      throw error;
    }
  }

  private async verified(token: string): Promise<LicenseClaims> {
    if (Buffer.byteLength(token) > this.config.PHONE_HOME_MAX_TOKEN_BYTES) {
      throw this.refused('LICENSE_INVALID', `The license token is longer than ${this.config.PHONE_HOME_MAX_TOKEN_BYTES} bytes; send the license file's token.`);
    }
    const verification = await this.verifier.verify(token, this.clock.now());
    if (!verification.valid) {
      throw this.refused('LICENSE_INVALID', `The license could not be verified (${verification.reason}): ${verification.message}`, {
        reason: verification.reason,
      });
    }
    return verification.claims;
  }

  private async readFacts(licenseId: string, fingerprint: string | undefined, now: Date): Promise<RenewalFactsRow | undefined> {
    const since = new Date(now.getTime() - this.config.PHONE_HOME_FINGERPRINT_WINDOW_HOURS * 3_600_000);
    const [facts] = (await this.dataSource.query(FACTS_SQL, [licenseId, fingerprint ?? null, since, SUCCESSFUL_RESULTS])) as RenewalFactsRow[];
    return facts;
  }

  private decide(facts: RenewalFactsRow, call: PhoneHomeCall, now: Date): RenewalDecision {
    return decideRenewal({
      license: { id: facts.id, status: facts.status },
      head: facts.head_id
        ? {
            id: facts.head_id,
            claims: facts.head_claims!,
            issuedAt: new Date(facts.head_issued_at!),
            issuedBy: facts.head_issued_by!,
            maxMachines: facts.head_max_machines!,
          }
        : null,
      lineageRevoked: facts.lineage_revoked,
      subscriptionStatus: facts.subscription_status,
      presentedFingerprint: call.fingerprint,
      otherMachines: facts.other_machines,
      now,
      retryWindowMs: this.config.PHONE_HOME_RETRY_WINDOW_SECONDS * 1000,
    });
  }

  /**
   * Signs a new license from the lineage's head: the tenant's current plan and add-ons, unless support
   * pinned the plan, in which case the head's plan, limits, modules and add-ons carry over unchanged
   * (as do the machine binding, phase lengths, environment and machine cap). Undefined when a
   * concurrent call got there first.
   */
  private async renew(facts: RenewalFactsRow, call: PhoneHomeCall, now: Date, staleToken: boolean): Promise<Omit<PhoneHomeReply, 'key_chain'> | undefined> {
    const head = facts.head_claims!;
    const pinned = facts.head_plan_source === 'pinned';
    const plan = pinned
      ? { id: head.plan_id, name: head.plan_name, limits: head.limits, modules: head.modules }
      : { id: facts.plan_id!, name: facts.plan_name!, limits: facts.plan_limits!, modules: facts.plan_modules! };
    const { token, license } = await this.issuer.prepare(
      {
        licenseId: randomUUID(),
        tenantId: facts.tenant_id,
        plan,
        addons: pinned ? head.addons : (facts.subscription_addons ?? []).filter((addon) => facts.plan_addons!.includes(addon)),
        deploymentMode: 'byoc',
        issuedAt: now,
        validityDays: this.config.PHONE_HOME_RENEWAL_VALIDITY_DAYS,
        gracePeriodDays: head.grace_period_days,
        readOnlyPeriodDays: head.read_only_period_days,
        fingerprint: head.fingerprint,
        maxActiveUses: head.max_active_uses,
        renewedFrom: facts.head_id!,
        lineageId: facts.lineage_id,
        environment: facts.head_environment,
        maxMachines: facts.head_max_machines!,
        planSource: facts.head_plan_source!,
      },
      'phone-home',
    );
    const written = (await this.dataSource.query(RENEW_SQL, [
      facts.head_id,
      license.id,
      license.tenantId,
      license.planId,
      license.claims,
      license.kid,
      license.tokenHint,
      license.lineageId,
      license.issuedAt,
      license.expiresAt,
      ...this.callColumns(call),
      license.environment,
      license.maxMachines,
      license.planSource,
      facts.id,
    ])) as unknown[];
    if (written.length === 0) return undefined;
    this.logger.log(`license renewed: id=${license.id} from=${facts.head_id} presented=${facts.id} tenant=${license.tenantId} token=${license.tokenHint}`);
    if (staleToken) await this.recordStaleToken(facts, call, now);
    return replyFor(token, license);
  }

  /** Without a fingerprint a restart and a copy look alike: renewed, and support can see it happened. */
  private async recordStaleToken(facts: RenewalFactsRow, call: PhoneHomeCall, now: Date): Promise<void> {
    const dayStart = new Date(now.toISOString().slice(0, 10));
    const details = { head_id: facts.head_id, tp_version: call.tp_version, token_hint: tokenHint(call.token) };
    await this.dataSource.query(STALE_TOKEN_ALERT_SQL, [facts.tenant_id, facts.id, facts.lineage_id, details, call.sourceAddress, now, dayStart]);
  }

  /** A retry within the window: the renewal already exists, so it is re-signed (the same token), not minted again. */
  private async resend(licenseId: string, facts: RenewalFactsRow, call: PhoneHomeCall, now: Date): Promise<Omit<PhoneHomeReply, 'key_chain'>> {
    const license = await this.dataSource.manager.findOneByOrFail(LicenseEntity, { id: licenseId });
    const token = await this.issuer.resign(license.claims);
    await this.recordCall(this.dataSource.manager, call, facts, now, 'resent', license.id);
    return replyFor(token, license);
  }

  /** tp_version, source address, fingerprint and the usage report, in the order RENEW_SQL takes them. */
  private callColumns(call: PhoneHomeCall): unknown[] {
    return [
      call.tp_version,
      call.sourceAddress,
      call.fingerprint ?? null,
      call.usage?.active_uses ?? null,
      call.usage ? new Date(call.usage.period_start) : null,
      call.usage ? new Date(call.usage.period_end) : null,
    ];
  }

  private async recordCall(manager: EntityManager, call: PhoneHomeCall, facts: RenewalFactsRow, now: Date, result: string, renewedLicenseId: string | null) {
    const [tpVersion, sourceAddress, fingerprint, activeUses, usagePeriodStart, usagePeriodEnd] = this.callColumns(call);
    await manager.insert(PhoneHomeEntity, {
      tenantId: facts.tenant_id,
      licenseId: facts.id,
      lineageId: facts.lineage_id,
      calledAt: now,
      result,
      renewedLicenseId,
      tpVersion,
      sourceAddress,
      fingerprint,
      activeUses,
      usagePeriodStart,
      usagePeriodEnd,
    } as Partial<PhoneHomeEntity>);
  }

  /** Clone alerts reach support; the customer hears about a refusal at most once a day. */
  private async recordRefusal(
    manager: EntityManager,
    call: PhoneHomeCall,
    facts: RenewalFactsRow,
    refusal: Extract<RenewalDecision, { kind: 'refuse' }>,
    now: Date,
  ): Promise<void> {
    await this.recordCall(manager, call, facts, now, refusal.code, null);
    const day = now.toISOString().slice(0, 10);
    const licenseFacts = { license_id: facts.id, plan_name: facts.claims.plan_name, deployment_mode: facts.claims.deployment_mode };
    if (refusal.cloneReason) {
      const details = { code: refusal.code, tp_version: call.tp_version, token_hint: tokenHint(call.token) };
      await manager.insert(CloneAlertEntity, {
        tenantId: facts.tenant_id,
        licenseId: facts.id,
        lineageId: facts.lineage_id,
        reason: refusal.cloneReason,
        details,
        sourceAddress: call.sourceAddress,
        fingerprint: call.fingerprint ?? null,
        detectedAt: now,
      });
      await this.outbox.record(manager, {
        stage: 'clone_suspected',
        tenantId: facts.tenant_id,
        audience: 'support',
        subject: facts.lineage_id,
        cycle: `${refusal.cloneReason}:${day}`,
        facts: { ...licenseFacts, tenant_id: facts.tenant_id, reason: cloneReasonText(refusal.cloneReason), source_address: call.sourceAddress ?? 'unknown' },
      });
    }
    await this.outbox.record(manager, {
      stage: 'renewal_refused',
      tenantId: facts.tenant_id,
      audience: 'tenant',
      subject: 'phone-home',
      cycle: day,
      facts: {
        ...licenseFacts,
        code: refusal.code,
        message: refusal.message,
        refused_at: now.toISOString(),
        expires_at: new Date(facts.claims.exp * 1000).toISOString(),
        ...(refusal.subscriptionStatus ? { subscription_status: refusal.subscriptionStatus } : {}),
      },
    });
  }

  private refused(code: PhoneHomeRefusalCode, message: string, details?: Record<string, unknown>): AppError {
    this.metrics.phoneHome(code);
    return new AppError(REFUSAL_STATUS[code], code, message, details);
  }
}

function replyFor(token: string, license: LicenseEntity): Omit<PhoneHomeReply, 'key_chain'> {
  return {
    license: token,
    license_id: license.id,
    issued_at: license.issuedAt.toISOString(),
    expires_at: license.expiresAt.toISOString(),
    renewed_from: license.renewedFrom,
  };
}

function cloneReasonText(reason: string): string {
  return reason === 'stale_token'
    ? 'an older token of the lineage phoned home without a machine fingerprint'
    : 'more machines phoned home on one lineage within the clone window than its license allows';
}
