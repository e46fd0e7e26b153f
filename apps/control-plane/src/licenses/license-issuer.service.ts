import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { tokenHint, type LicenseClaims, type LicenseDeploymentMode } from '@atlasai/license-core';
import { AuditService } from '../audit/audit.service.js';
import type { AuditActor } from '../auth/auth.decorators.js';
import { AppError } from '../common/app-error.js';
import { CLOCK, type Clock } from '../common/clock.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { SigningKeyService } from '../keys/signing-key.service.js';
import { NotificationOutbox } from '../notifications/notification-outbox.service.js';
import { Metrics } from '../observability/metrics.js';
import { assertAddonsAvailable, PlansService } from '../plans/plans.service.js';
import { SubscriptionsService } from '../subscriptions/subscriptions.service.js';
import { TenantsService } from '../tenants/tenants.service.js';
import { buildLicenseClaims, type LicenseTerms } from './license-claims.builder.js';
import { LicenseEntity } from './license.entity.js';
import type { IssueLicenseInput } from './licenses.schemas.js';

export interface IssuedLicense {
  token: string;
  license: LicenseEntity;
}

/** The key chain travels with every issued license, so an on-prem plane that trusts an older key accepts it. */
export const KEY_CHAIN_ATTACHMENT = 'license-key-chain.json';

@Injectable()
export class LicenseIssuerService {
  private readonly logger = new Logger(LicenseIssuerService.name);

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly dataSource: DataSource,
    private readonly keys: SigningKeyService,
    private readonly tenants: TenantsService,
    private readonly plans: PlansService,
    private readonly subscriptions: SubscriptionsService,
    private readonly audit: AuditService,
    private readonly outbox: NotificationOutbox,
    private readonly metrics: Metrics,
  ) {}

  /**
   * Support issues a license: plan and add-ons from the subscription unless overridden (then pinned:
   * renewals keep them). With `replaces` it takes over that license's lineage as its head, so the
   * installation's next phone-home, with any of its tokens, renews from it.
   */
  async issue(input: IssueLicenseInput, by: AuditActor): Promise<IssuedLicense> {
    const issued = await this.dataSource.transaction((manager) => this.issueIn(manager, input, by));
    this.metrics.licenseIssued(issued.license.deploymentMode);
    return issued;
  }

  /** Issues inside the caller's transaction (an approved license request commits with its license); the caller counts the metric. */
  async issueIn(manager: EntityManager, input: IssueLicenseInput, by: AuditActor): Promise<IssuedLicense> {
    const tenant = await this.tenants.get(input.tenant_id, manager);
    const replaced = input.replaces ? await this.lockHeadToReplace(manager, input.replaces, tenant.id) : undefined;
    const subscription = await this.subscriptions.findForTenant(tenant.id, manager);
    const planId = input.plan_id ?? subscription?.planId;
    if (!planId) {
      throw AppError.validation(`Tenant "${tenant.id}" has no subscription; give plan_id to issue a license anyway.`, [
        { field: 'plan_id', message: 'required when the tenant has no subscription' },
      ]);
    }
    const plan = await this.plans.get(planId, manager);
    const addons = input.addons ?? (subscription?.planId === plan.id ? subscription.addons : []);
    assertAddonsAvailable(plan, addons);
    const deploymentMode = input.deployment_mode ?? replaced?.deploymentMode ?? licenseModeOf(tenant.deploymentMode);
    if (!deploymentMode) {
      throw AppError.validation(`Tenant "${tenant.id}" runs as ${tenant.deploymentMode}; give deployment_mode (on_prem or byoc) for its license.`, [
        { field: 'deployment_mode', message: 'required for saas and dedicated tenants' },
      ]);
    }
    // An air-gapped tenant cannot phone home, so a BYOC license would lapse a year after issue with nobody warned.
    if (tenant.deploymentMode === 'on_prem' && deploymentMode === 'byoc') {
      throw AppError.conflict(
        'DEPLOYMENT_MODE_MISMATCH',
        `Tenant "${tenant.id}" runs on_prem (air-gapped): its licenses are on_prem. Change the tenant's deployment_mode to byoc first if it now phones home.`,
      );
    }
    if (replaced) await manager.update(LicenseEntity, { id: replaced.id }, { status: 'superseded' });
    const terms: LicenseTerms = {
      licenseId: randomUUID(),
      tenantId: tenant.id,
      plan,
      addons,
      deploymentMode,
      issuedAt: this.clock.now(),
      validityDays: input.validity_days ?? this.config.LICENSE_VALIDITY_DAYS,
      gracePeriodDays: input.grace_period_days ?? this.config.LICENSE_GRACE_PERIOD_DAYS,
      readOnlyPeriodDays: input.read_only_period_days ?? this.config.LICENSE_READ_ONLY_PERIOD_DAYS,
      fingerprint: input.fingerprint,
      maxActiveUses: input.max_active_uses,
      lineageId: replaced?.lineageId,
      replaces: replaced?.id,
      environment: input.environment ?? replaced?.environment ?? null,
      maxMachines: input.max_machines ?? replaced?.maxMachines ?? 1,
      planSource: input.plan_id !== undefined || input.addons !== undefined ? 'pinned' : 'subscription',
    };
    const issued = await this.sign(manager, terms, by.actor);
    await this.audit.record(manager, by, 'license.issued', 'license', issued.license.id, {
      tenant_id: tenant.id,
      plan_id: plan.id,
      plan_source: issued.license.planSource,
      deployment_mode: deploymentMode,
      lineage_id: issued.license.lineageId,
      environment: issued.license.environment,
      replaces: issued.license.replaces,
      expires_at: issued.license.expiresAt,
      token_hint: issued.license.tokenHint,
    });
    await this.outbox.record(manager, {
      stage: 'license_issued',
      tenantId: tenant.id,
      audience: 'tenant',
      subject: issued.license.id,
      cycle: 'issued',
      facts: {
        tenant_name: tenant.name,
        license_id: issued.license.id,
        plan_name: plan.name,
        deployment_mode: deploymentMode,
        issued_at: issued.license.issuedAt.toISOString(),
        expires_at: issued.license.expiresAt.toISOString(),
      },
      attachments: [
        { filename: 'license.jwt', content: issued.token, contentType: 'application/jwt' },
        { filename: 'license-public-key.pem', content: this.keys.activePublicKeyPem, contentType: 'application/x-pem-file' },
        { filename: KEY_CHAIN_ATTACHMENT, content: JSON.stringify({ keys: await this.keys.keyChain(manager) }, null, 2), contentType: 'application/json' },
      ],
    });
    return issued;
  }

  /**
   * Locks the current head of the lineage `licenseId` belongs to. A concurrent renewal may supersede the
   * head while this waits: the next statement sees its renewal, the new head.
   */
  private async lockHeadToReplace(manager: EntityManager, licenseId: string, tenantId: string): Promise<LicenseEntity> {
    const named = await manager.findOneBy(LicenseEntity, { id: licenseId });
    if (!named || named.tenantId !== tenantId) {
      throw AppError.validation(`License "${licenseId}" is not a license of tenant "${tenantId}"; replaces names a license of the same tenant.`, [
        { field: 'replaces', message: named ? 'belongs to another tenant' : 'no such license' },
      ]);
    }
    for (let attempt = 0; attempt < 3; attempt++) {
      const head = await manager.findOne(LicenseEntity, { where: { lineageId: named.lineageId, status: 'active' }, lock: { mode: 'pessimistic_write' } });
      if (head) return head;
      const revoked = await manager.existsBy(LicenseEntity, { lineageId: named.lineageId, status: 'revoked' });
      if (revoked) {
        throw AppError.conflict('LINEAGE_REVOKED', `License "${licenseId}" belongs to a revoked installation; issue a new license without replaces instead.`);
      }
    }
    throw AppError.conflict('RENEWAL_CONFLICT', 'The installation is being renewed right now; retry in a moment.');
  }

  /** Signs the terms and stores the license row (never the token). */
  async sign(manager: EntityManager, terms: LicenseTerms, issuedBy: string): Promise<IssuedLicense> {
    const issued = await this.prepare(terms, issuedBy);
    await manager.insert(LicenseEntity, issued.license);
    this.logger.log(
      `license issued: id=${issued.license.id} tenant=${issued.license.tenantId} mode=${issued.license.deploymentMode} token=${issued.license.tokenHint}`,
    );
    return issued;
  }

  /** Signs the terms and builds the row to store; the phone-home hot path stores it with its own statement. */
  async prepare(terms: LicenseTerms, issuedBy: string): Promise<IssuedLicense> {
    const claims = buildLicenseClaims(terms, { issuer: this.config.LICENSE_ISSUER, audience: this.config.LICENSE_AUDIENCE });
    const token = await this.keys.sign(claims);
    // A plain assignment, not manager.create: the row is complete, and this runs once per renewal.
    const license = Object.assign(new LicenseEntity(), {
      id: claims.jti,
      tenantId: claims.tenant_id,
      planId: claims.plan_id,
      deploymentMode: claims.deployment_mode,
      claims,
      kid: this.keys.activeKid,
      tokenHint: tokenHint(token),
      status: 'active',
      renewedFrom: claims.renewed_from ?? null,
      lineageId: terms.lineageId ?? claims.jti,
      environment: terms.environment ?? null,
      maxMachines: terms.maxMachines ?? 1,
      planSource: terms.planSource ?? 'subscription',
      replaces: terms.replaces ?? null,
      issuedBy,
      issuedAt: new Date(claims.iat * 1000),
      expiresAt: new Date(claims.exp * 1000),
      revokedAt: null,
      revokedReason: null,
    });
    return { token, license };
  }

  /** Re-signs stored claims: RS256 is deterministic, so the same key gives back the very token issued. */
  resign(claims: LicenseClaims): Promise<string> {
    return this.keys.sign(claims);
  }
}

function licenseModeOf(mode: string): LicenseDeploymentMode | undefined {
  return mode === 'on_prem' || mode === 'byoc' ? mode : undefined;
}
