import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Inject, Injectable, Logger } from '@nestjs/common';
import type { PoolClient, QueryResultRow } from 'pg';
import { DataSource, type EntityManager } from 'typeorm';
import { tokenHint, type KeyChainLink, type LicenseClaims } from '@atlasai/license-core';
import { AppError } from '../common/app-error.js';
import { CLOCK, type Clock } from '../common/clock.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { LicenseVerifier } from '../keys/license-verifier.service.js';
import { SigningKeyService } from '../keys/signing-key.service.js';
import { LicenseIssuerService } from '../licenses/license-issuer.service.js';
import { LicenseEntity } from '../licenses/license.entity.js';
import { NotificationOutbox } from '../notifications/notification-outbox.service.js';
import { Metrics } from '../observability/metrics.js';
import { CloneAlertEntity } from './clone-alert.entity.js';
import { PhoneHomeRateLimiter } from './phone-home-rate-limiter.js';
import { PhoneHomeEntity, SUCCESSFUL_RESULTS } from './phone-home.entity.js';
import { decideRenewal, type PhoneHomeRefusalCode, type RenewalDecision } from './renewal-decision.js';
import {
  callColumns,
  factsByCall,
  factsParams,
  FACTS_SQL,
  renewalFacts,
  renewalRow,
  renewalsWritten,
  renewalTerms,
  renewParams,
  RENEW_SQL,
  type FactsLookup,
  type RenewalCall,
  type RenewalFactsRow,
  type RenewalRow,
} from './renewal-statements.js';
import { StatementBatcher } from './statement-batcher.js';

export interface PhoneHomeCall extends RenewalCall {
  token: string;
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

/** At most one stale-token alert per lineage and UTC day: a restart without a fingerprint is not worth more. */
const STALE_TOKEN_ALERT_SQL = `
  INSERT INTO clone_alerts (tenant_id, license_id, lineage_id, reason, details, source_address, fingerprint, detected_at)
  SELECT $1, $2, $3, 'stale_token', $4, $5, NULL, $6
  WHERE NOT EXISTS (SELECT 1 FROM clone_alerts WHERE lineage_id = $3 AND reason = 'stale_token' AND detected_at >= $7)`;

/** Attempts at deciding and writing; a lost race is settled by the second, which sees the winner's renewal. */
const MAX_ATTEMPTS = 3;

/** How long a call that lost a race waits, per attempt, for the winner to commit before deciding again. */
const LOST_RACE_PAUSE_MS = 20;

/**
 * Group commit: one statement of each kind runs at a time, and the calls arriving meanwhile go out
 * together in the next one (StatementBatcher), so under load one round trip and one commit serve many
 * renewals. One beat two in the benchmark (bigger groups, fewer commits). Nothing in the renewal write
 * waits on a lock the app takes (RENEW_SQL skips a locked head; the billing code locks tenants FOR NO KEY
 * UPDATE, which the write's foreign-key checks do not wait for), so one call cannot hold up the rest; a lock
 * taken outside the app is waited for at most DATABASE_LOCK_TIMEOUT_MS.
 */
const STATEMENTS_IN_FLIGHT = 1;
const MAX_BATCH = 64;

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
 * still active. Both statements are shared by the calls arriving at the same time (group commit).
 * Simultaneous calls with one token race on that condition: one renews, the rest decide again, find
 * the renewal and get it re-signed, byte for byte the same token. A refusal commits its call record
 * (and any clone alert and email) and then answers 4xx.
 */
@Injectable()
export class PhoneHomeService {
  private readonly logger = new Logger(PhoneHomeService.name);
  private readonly factsReads = new StatementBatcher<FactsLookup, RenewalFactsRow | undefined>({
    run: async (lookups) => factsByCall(await this.hotQuery('la_renewal_facts', FACTS_SQL, factsParams(lookups, SUCCESSFUL_RESULTS)), lookups.length),
    maxInFlight: STATEMENTS_IN_FLIGHT,
    maxBatch: MAX_BATCH,
  });
  private readonly renewalWrites = new StatementBatcher<RenewalRow, boolean>({
    run: async (renewals) => renewalsWritten(await this.hotQuery('la_renewal_write', RENEW_SQL, renewParams(renewals)), renewals),
    maxInFlight: STATEMENTS_IN_FLIGHT,
    maxBatch: MAX_BATCH,
    key: (renewal) => renewal.head_id,
  });

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
    const verification = await this.verification(call.token);
    // Both limits in one Redis round trip, before any answer: a flood of bad tokens from one address is still
    // answered 429, and the per-license limit is only spent with a token that verified (nobody spends another's).
    await this.limit(call.sourceAddress ?? 'unknown', verification.valid ? verification.claims.jti : undefined);
    if (!verification.valid) throw this.refused('LICENSE_INVALID', verification.message, verification.details);
    const { claims } = verification;
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
      await sleep(attempt * LOST_RACE_PAUSE_MS);
    }
    throw new AppError(409, 'RENEWAL_CONFLICT', 'Another renewal of this license is in progress; retry in a moment. The current license keeps working.');
  }

  private async limit(address: string, licenseId: string | undefined): Promise<void> {
    try {
      await this.rateLimiter.consume(address, licenseId);
    } catch (error) {
      if (error instanceof AppError) this.metrics.phoneHome(error.code);
      throw error;
    }
  }

  private async verification(
    token: string,
  ): Promise<{ valid: true; claims: LicenseClaims } | { valid: false; message: string; details?: Record<string, unknown> }> {
    if (Buffer.byteLength(token) > this.config.PHONE_HOME_MAX_TOKEN_BYTES) {
      return { valid: false, message: `The license token is longer than ${this.config.PHONE_HOME_MAX_TOKEN_BYTES} bytes; send the license file's token.` };
    }
    const verification = await this.verifier.verify(token, this.clock.now());
    if (verification.valid) return { valid: true, claims: verification.claims };
    return {
      valid: false,
      message: `The license could not be verified (${verification.reason}): ${verification.message}`,
      details: { reason: verification.reason },
    };
  }

  private async readFacts(licenseId: string, fingerprint: string | undefined, now: Date): Promise<RenewalFactsRow | undefined> {
    const since = new Date(now.getTime() - this.config.PHONE_HOME_FINGERPRINT_WINDOW_HOURS * 3_600_000);
    return this.factsReads.submit({ license_id: licenseId, fingerprint: fingerprint ?? null, since });
  }

  /**
   * The two statements of every renewal. On Postgres each pooled connection parses and plans them once
   * (pg prepares them under `name`). The embedded database is one session behind every connection, where a
   * name prepared by one connection would collide with the next, so there they are planned each time.
   */
  private async hotQuery<Row>(name: string, text: string, values: unknown[]): Promise<Row[]> {
    if (!this.config.DATABASE_URL) return (await this.dataSource.query(text, values)) as Row[];
    const runner = this.dataSource.createQueryRunner();
    try {
      const client = (await runner.connect()) as PoolClient;
      return (await client.query<Row & QueryResultRow>({ name, text, values })).rows;
    } finally {
      await runner.release();
    }
  }

  private decide(facts: RenewalFactsRow, call: PhoneHomeCall, now: Date): RenewalDecision {
    return decideRenewal(renewalFacts(facts, call.fingerprint, now, this.config.PHONE_HOME_RETRY_WINDOW_SECONDS * 1000));
  }

  /** Signs and stores a new license from the lineage's head (renewalTerms). Undefined when a concurrent call got there first. */
  private async renew(facts: RenewalFactsRow, call: PhoneHomeCall, now: Date, staleToken: boolean): Promise<Omit<PhoneHomeReply, 'key_chain'> | undefined> {
    const { token, license } = await this.issuer.prepare(renewalTerms(facts, randomUUID(), now, this.config.PHONE_HOME_RENEWAL_VALIDITY_DAYS), 'phone-home');
    const written = await this.renewalWrites.submit(renewalRow(facts.head_id!, license, call, facts.id));
    if (!written) return undefined;
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

  private async recordCall(manager: EntityManager, call: PhoneHomeCall, facts: RenewalFactsRow, now: Date, result: string, renewedLicenseId: string | null) {
    const columns = callColumns(call);
    await manager.insert(PhoneHomeEntity, {
      tenantId: facts.tenant_id,
      licenseId: facts.id,
      lineageId: facts.lineage_id,
      calledAt: now,
      result,
      renewedLicenseId,
      tpVersion: columns.tp_version,
      sourceAddress: columns.source_address,
      fingerprint: columns.fingerprint,
      activeUses: columns.active_uses,
      usagePeriodStart: columns.usage_period_start,
      usagePeriodEnd: columns.usage_period_end,
    });
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
