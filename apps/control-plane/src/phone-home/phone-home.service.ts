import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { tokenHint, type LicenseClaims } from '../../../../libs/license-core/src/index.js';
import { AppError } from '../common/app-error.js';
import { CLOCK, type Clock } from '../common/clock.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { LicenseVerifier } from '../keys/license-verifier.service.js';
import { LicenseIssuerService } from '../licenses/license-issuer.service.js';
import { LicenseEntity, type LicenseRecordStatus } from '../licenses/license.entity.js';
import { NotificationOutbox } from '../notifications/notification-outbox.service.js';
import { Metrics } from '../observability/metrics.js';
import { PlansService } from '../plans/plans.service.js';
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
}

/** The presented license and everything the decision needs, read once its row is locked. */
interface LockedFacts {
  id: string;
  tenant_id: string;
  status: LicenseRecordStatus;
  claims: LicenseClaims;
  lineage_id: string;
  successor_id: string | null;
  successor_status: LicenseRecordStatus | null;
  successor_issued_at: Date | null;
  successor_renewed: boolean;
  newest_id: string | null;
  subscription_status: SubscriptionStatus | null;
  subscription_plan_id: string | null;
  subscription_addons: string[] | null;
}

const FACTS_SQL = `
  SELECT l.id, l.tenant_id, l.status, l.claims, l.lineage_id,
         s.id AS successor_id, s.status AS successor_status, s.issued_at AS successor_issued_at,
         EXISTS (SELECT 1 FROM licenses g WHERE g.renewed_from = s.id) AS successor_renewed,
         (SELECT n.id FROM licenses n
           WHERE n.tenant_id = l.tenant_id AND n.deployment_mode = 'byoc' AND n.status <> 'revoked'
           ORDER BY n.issued_at DESC, n.created_at DESC LIMIT 1) AS newest_id,
         sub.status AS subscription_status, sub.plan_id AS subscription_plan_id, sub.addons AS subscription_addons
  FROM licenses l
  LEFT JOIN licenses s ON s.renewed_from = l.id
  LEFT JOIN subscriptions sub ON sub.tenant_id = l.tenant_id
  WHERE l.id = $1`;

/** 401 when the token is no credential at all, 403 when it is known but may not renew. */
const REFUSAL_STATUS: Record<PhoneHomeRefusalCode, number> = {
  LICENSE_INVALID: 401,
  LICENSE_UNKNOWN: 401,
  LICENSE_REVOKED: 403,
  LICENSE_SUPERSEDED: 403,
  NOT_RENEWABLE_ON_PREM: 403,
  FINGERPRINT_MISMATCH: 403,
  CLONE_SUSPECTED: 403,
  SUBSCRIPTION_INACTIVE: 403,
};

type Outcome = { reply: PhoneHomeReply; result: 'renewed' | 'resent' } | { refusal: Extract<RenewalDecision, { kind: 'refuse' }> };

/**
 * BYOC renewal. The presented license row is locked for the whole decision, so simultaneous calls
 * with one token queue up: the first renews, the rest find the renewal and get it re-signed, byte
 * for byte the same token. The renewal, the superseded mark and the call record commit together;
 * a refusal commits its call record (and any clone alert and email) and then answers 4xx.
 */
@Injectable()
export class PhoneHomeService {
  private readonly logger = new Logger(PhoneHomeService.name);

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly dataSource: DataSource,
    private readonly verifier: LicenseVerifier,
    private readonly issuer: LicenseIssuerService,
    private readonly plans: PlansService,
    private readonly outbox: NotificationOutbox,
    private readonly rateLimiter: PhoneHomeRateLimiter,
    private readonly metrics: Metrics,
  ) {}

  async phoneHome(call: PhoneHomeCall): Promise<PhoneHomeReply> {
    await this.limit('address', call.sourceAddress ?? 'unknown');
    const claims = await this.verified(call.token);
    await this.limit('license', claims.jti);
    const outcome = await this.dataSource.transaction((manager) => this.decideAndRecord(manager, call, claims));
    if ('refusal' in outcome) {
      const { code, message, subscriptionStatus } = outcome.refusal;
      this.logger.warn(`phone-home refused: ${code} tenant=${claims.tenant_id} license=${claims.jti} token=${tokenHint(call.token)}`);
      throw this.refused(code, message, subscriptionStatus ? { subscription_status: subscriptionStatus } : undefined);
    }
    this.metrics.phoneHome(outcome.result);
    return outcome.reply;
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

  private async decideAndRecord(manager: EntityManager, call: PhoneHomeCall, claims: LicenseClaims): Promise<Outcome> {
    // Lock first, read second: a read that waited on the lock would still see the joined rows (the
    // renewal a concurrent call just committed) as they were before the wait.
    await manager.query(`SELECT 1 FROM licenses WHERE id = $1 FOR UPDATE`, [claims.jti]);
    const [facts] = (await manager.query(FACTS_SQL, [claims.jti])) as LockedFacts[];
    if (!facts) {
      return { refusal: { kind: 'refuse', code: 'LICENSE_UNKNOWN', message: 'The control plane has no record of this license. Contact AtlasAI support.' } };
    }
    const now = this.clock.now();
    const decision = decideRenewal({
      license: { id: facts.id, status: facts.status, claims: facts.claims },
      successor: facts.successor_id
        ? { id: facts.successor_id, status: facts.successor_status!, issuedAt: new Date(facts.successor_issued_at!), renewed: facts.successor_renewed }
        : null,
      newestLicenseId: facts.newest_id,
      subscriptionStatus: facts.subscription_status,
      presentedFingerprint: call.fingerprint,
      // A machine-bound license is protected by its binding; the fingerprint history guards unbound ones.
      otherFingerprintSeen:
        call.fingerprint && !facts.claims.fingerprint ? await this.otherFingerprintSeen(manager, facts.lineage_id, call.fingerprint, now) : false,
      now,
      retryWindowMs: this.config.PHONE_HOME_RETRY_WINDOW_SECONDS * 1000,
    });
    const record = (result: string, renewedLicenseId: string | null = null) => this.recordCall(manager, call, facts, now, result, renewedLicenseId);
    switch (decision.kind) {
      case 'renew': {
        const reply = await this.renew(manager, facts, now);
        await record('renewed', reply.license_id);
        return { reply, result: 'renewed' };
      }
      case 'resend': {
        const reply = await this.resend(manager, decision.licenseId);
        await record('resent', reply.license_id);
        return { reply, result: 'resent' };
      }
      case 'refuse':
        await record(decision.code);
        await this.recordRefusal(manager, call, facts, decision, now);
        return { refusal: decision };
    }
  }

  /** The new license carries the tenant's current plan and add-ons; the machine binding and phase lengths carry over. */
  private async renew(manager: EntityManager, facts: LockedFacts, now: Date): Promise<PhoneHomeReply> {
    const plan = await this.plans.get(facts.subscription_plan_id!, manager);
    const previous = facts.claims;
    const { token, license } = await this.issuer.sign(
      manager,
      {
        licenseId: randomUUID(),
        tenantId: facts.tenant_id,
        plan,
        addons: (facts.subscription_addons ?? []).filter((addon) => plan.availableAddons.includes(addon)),
        deploymentMode: 'byoc',
        issuedAt: now,
        validityDays: this.config.PHONE_HOME_RENEWAL_VALIDITY_DAYS,
        gracePeriodDays: previous.grace_period_days,
        readOnlyPeriodDays: previous.read_only_period_days,
        fingerprint: previous.fingerprint,
        maxActiveUses: previous.max_active_uses,
        renewedFrom: facts.id,
        lineageId: facts.lineage_id,
      },
      'phone-home',
    );
    await manager.update(LicenseEntity, { id: facts.id }, { status: 'superseded' });
    return replyFor(token, license);
  }

  /** A retry within the window: the renewal already exists, so it is re-signed, not minted again. */
  private async resend(manager: EntityManager, licenseId: string): Promise<PhoneHomeReply> {
    const license = await manager.findOneByOrFail(LicenseEntity, { id: licenseId });
    return replyFor(await this.issuer.resign(license.claims), license);
  }

  private async otherFingerprintSeen(manager: EntityManager, lineageId: string, fingerprint: string, now: Date): Promise<boolean> {
    const since = new Date(now.getTime() - this.config.PHONE_HOME_FINGERPRINT_WINDOW_HOURS * 3_600_000);
    const [row] = (await manager.query(
      `SELECT EXISTS (
         SELECT 1 FROM phone_homes
         WHERE lineage_id = $1 AND fingerprint IS NOT NULL AND fingerprint <> $2 AND called_at > $3 AND result = ANY($4)) AS seen`,
      [lineageId, fingerprint, since, SUCCESSFUL_RESULTS],
    )) as [{ seen: boolean }];
    return row.seen;
  }

  private async recordCall(manager: EntityManager, call: PhoneHomeCall, facts: LockedFacts, now: Date, result: string, renewedLicenseId: string | null) {
    await manager.insert(PhoneHomeEntity, {
      tenantId: facts.tenant_id,
      licenseId: facts.id,
      lineageId: facts.lineage_id,
      calledAt: now,
      tpVersion: call.tp_version,
      sourceAddress: call.sourceAddress,
      fingerprint: call.fingerprint ?? null,
      result,
      renewedLicenseId,
      activeUses: call.usage?.active_uses ?? null,
      usagePeriodStart: call.usage ? new Date(call.usage.period_start) : null,
      usagePeriodEnd: call.usage ? new Date(call.usage.period_end) : null,
    });
  }

  /** Clone alerts reach support; the customer hears about a refusal at most once a day. */
  private async recordRefusal(
    manager: EntityManager,
    call: PhoneHomeCall,
    facts: LockedFacts,
    refusal: Extract<RenewalDecision, { kind: 'refuse' }>,
    now: Date,
  ): Promise<void> {
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

function replyFor(token: string, license: LicenseEntity): PhoneHomeReply {
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
    ? 'a token older than the two newest of its lineage phoned home'
    : 'two different machine fingerprints phoned home on one lineage within a day';
}
