import { Inject, Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type { LicenseDeploymentMode } from '@atlasai/license-core';
import { AuditService } from '../audit/audit.service.js';
import type { AuditActor } from '../auth/auth.decorators.js';
import { AppError } from '../common/app-error.js';
import { CLOCK, type Clock } from '../common/clock.js';
import { decodeTimeCursor } from '../common/keyset-cursor.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { LicenseIssuerService, type IssuedLicense } from '../licenses/license-issuer.service.js';
import { LicenseEntity } from '../licenses/license.entity.js';
import { NotificationOutbox } from '../notifications/notification-outbox.service.js';
import { Metrics } from '../observability/metrics.js';
import { assertAddonsAvailable, PlansService } from '../plans/plans.service.js';
import { SubscriptionsService } from '../subscriptions/subscriptions.service.js';
import { TenantsService } from '../tenants/tenants.service.js';
import type { TenantEntity } from '../tenants/tenant.entity.js';
import { assessRequestedTerms, assertReplaceable, assertSubscriptionLive, subscriptionCovers } from './license-request-rules.js';
import { LICENSE_REQUEST_STATUSES, LicenseRequestEntity, type LicenseRequestStatus } from './license-request.entity.js';
import type { ApproveLicenseRequestInput, CreateLicenseRequestInput, ListLicenseRequestsQuery } from './license-requests.schemas.js';

export interface LicenseRequestPage {
  items: LicenseRequestEntity[];
  /** Requests per status under the same filters (tenant, kind), so a queue shows its size. */
  counts: Record<LicenseRequestStatus, number>;
  next_cursor: string | null;
}

const ONE_OPEN_INDEX = 'license_requests_one_open_idx';

/**
 * License requests: a customer (or support on their behalf) asks; support approves, which issues the
 * license in the same transaction, or declines with a reason the customer sees. Each step is audited
 * and its email recorded in the outbox with it.
 */
@Injectable()
export class LicenseRequestsService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly dataSource: DataSource,
    private readonly tenants: TenantsService,
    private readonly plans: PlansService,
    private readonly subscriptions: SubscriptionsService,
    private readonly issuer: LicenseIssuerService,
    private readonly audit: AuditService,
    private readonly outbox: NotificationOutbox,
    private readonly metrics: Metrics,
  ) {}

  async create(input: CreateLicenseRequestInput, by: AuditActor): Promise<LicenseRequestEntity> {
    const environment = input.environment ?? '';
    try {
      return await this.dataSource.transaction(async (manager) => {
        const tenant = await this.tenants.get(input.tenant_id, manager);
        await this.assertNoOpenRequest(manager, tenant.id, input.kind, environment);
        const replaced = await this.replacedLicense(manager, input);
        const subscription = await this.subscriptions.findForTenant(tenant.id, manager);
        const planId = input.plan_id ?? subscription?.planId ?? '';
        const addons = input.addons ?? (subscription?.planId === planId ? subscription.addons : []);
        const { needsPlanChange } = assessRequestedTerms(tenant.id, subscription, { kind: input.kind, planId, addons });
        assertAddonsAvailable(await this.plans.get(planId, manager), addons);
        const request = manager.create(LicenseRequestEntity, {
          tenantId: tenant.id,
          kind: input.kind,
          status: 'open',
          deploymentMode: input.deployment_mode ?? replaced?.deploymentMode ?? requestedMode(tenant),
          environment,
          fingerprint: input.fingerprint ?? null,
          planId,
          addons,
          needsPlanChange,
          replacesLicenseId: replaced?.id ?? null,
          note: input.note ?? null,
          requestedBy: by.actor,
          createdAt: this.clock.now(),
        });
        await manager.insert(LicenseRequestEntity, request);
        await this.audit.record(manager, by, 'license_request.created', 'license_request', request.id, {
          tenant_id: tenant.id,
          kind: request.kind,
          plan_id: request.planId,
          needs_plan_change: needsPlanChange,
        });
        await this.outbox.record(manager, {
          stage: 'license_requested',
          tenantId: tenant.id,
          audience: 'support',
          subject: request.id,
          cycle: 'requested',
          facts: {
            tenant_name: tenant.name,
            request_id: request.id,
            kind: request.kind,
            deployment_mode: request.deploymentMode,
            environment: request.environment || null,
            plan_id: request.planId,
            addons: request.addons,
            needs_plan_change: needsPlanChange,
            fingerprint: request.fingerprint,
            replaces_license_id: request.replacesLicenseId,
            note: request.note,
            requested_by: by.actor,
            console_url: `${this.config.CONSOLE_URL}/requests/${request.id}`,
          },
        });
        return request;
      });
    } catch (error) {
      // Two requests racing past the check: the partial unique index lets one open, the other learns which.
      if (isUniqueViolation(error, ONE_OPEN_INDEX)) await this.assertNoOpenRequest(this.dataSource.manager, input.tenant_id, input.kind, environment);
      throw error;
    }
  }

  async list(query: ListLicenseRequestsQuery): Promise<LicenseRequestPage> {
    const direction = query.order === 'newest' ? 'DESC' : 'ASC';
    const builder = this.dataSource.manager
      .createQueryBuilder(LicenseRequestEntity, 'request')
      .orderBy('request.created_at', direction)
      .addOrderBy('request.id', direction)
      .take(query.limit + 1);
    const counts = this.dataSource.manager
      .createQueryBuilder(LicenseRequestEntity, 'request')
      .select('request.status', 'status')
      .addSelect('count(*)::int', 'count');
    for (const filter of [builder, counts]) {
      if (query.tenant_id) filter.andWhere('request.tenant_id = :tenantId', { tenantId: query.tenant_id });
      if (query.kind) filter.andWhere('request.kind = :kind', { kind: query.kind });
    }
    if (query.status) builder.andWhere('request.status = :status', { status: query.status });
    if (query.cursor) {
      const after = decodeCursor(query.cursor);
      builder.andWhere(`(request.created_at, request.id) ${direction === 'ASC' ? '>' : '<'} (:createdAt, :id)`, after);
    }
    const [rows, tallies] = await Promise.all([
      builder.getMany(),
      counts.groupBy('request.status').getRawMany<{ status: LicenseRequestStatus; count: number }>(),
    ]);
    const items = rows.slice(0, query.limit);
    const last = items.at(-1);
    return {
      items,
      counts: Object.fromEntries(
        LICENSE_REQUEST_STATUSES.map((status) => [status, tallies.find((tally) => tally.status === status)?.count ?? 0]),
      ) as LicenseRequestPage['counts'],
      next_cursor: rows.length > query.limit && last ? encodeCursor(last) : null,
    };
  }

  async get(id: string, manager: EntityManager = this.dataSource.manager): Promise<LicenseRequestEntity> {
    const request = await manager.findOneBy(LicenseRequestEntity, { id });
    if (!request) throw AppError.notFound('License request', id, 'LICENSE_REQUEST_NOT_FOUND');
    return request;
  }

  /** Issues the license on the request's terms (as edited by support) and links it, in one transaction. */
  async approve(id: string, edits: ApproveLicenseRequestInput, by: AuditActor): Promise<{ request: LicenseRequestEntity; issued: IssuedLicense }> {
    const result = await this.dataSource.transaction(async (manager) => {
      const request = await this.lockOpen(manager, id);
      const subscription = await this.subscriptions.findForTenant(request.tenantId, manager);
      const planId = edits.plan_id ?? request.planId;
      const addons = edits.addons ?? request.addons;
      assertSubscriptionLive(request.tenantId, subscription);
      // Support may approve other terms on purpose, by naming the plan; otherwise the subscription must cover the request by now.
      if (!edits.plan_id && !subscriptionCovers(subscription, planId, addons)) {
        throw AppError.conflict(
          'PLAN_CHANGE_REQUIRED',
          `Request "${id}" asks for more than the subscription of tenant "${request.tenantId}" includes (plan "${subscription.planId}", add-ons ${subscription.addons.join(', ') || 'none'}); change the subscription first, or approve with an explicit plan_id.`,
          { subscription_plan_id: subscription.planId, requested_plan_id: planId, requested_addons: addons },
        );
      }
      const issued = await this.issuer.issueIn(
        manager,
        {
          tenant_id: request.tenantId,
          deployment_mode: edits.deployment_mode ?? request.deploymentMode,
          plan_id: planId,
          addons,
          fingerprint: edits.fingerprint ?? request.fingerprint ?? undefined,
          environment: request.environment || undefined,
          // A renewal or replacement heads the old license's installation: a BYOC plane receives it at its next phone-home.
          replaces: request.replacesLicenseId ?? undefined,
          validity_days: edits.validity_days,
          max_active_uses: edits.max_active_uses,
        },
        by,
      );
      Object.assign(request, { status: 'approved', licenseId: issued.license.id, ...this.decision(by, edits.note ?? null) });
      await manager.save(request);
      await this.audit.record(manager, by, 'license_request.approved', 'license_request', id, { tenant_id: request.tenantId, license_id: issued.license.id });
      return { request, issued };
    });
    this.metrics.licenseIssued(result.issued.license.deploymentMode);
    return result;
  }

  async decline(id: string, reason: string, by: AuditActor): Promise<LicenseRequestEntity> {
    return this.dataSource.transaction(async (manager) => {
      const request = await this.lockOpen(manager, id);
      Object.assign(request, { status: 'declined', ...this.decision(by, reason) });
      await manager.save(request);
      await this.audit.record(manager, by, 'license_request.declined', 'license_request', id, { tenant_id: request.tenantId, reason });
      const tenant = await this.tenants.get(request.tenantId, manager);
      await this.outbox.record(manager, {
        stage: 'license_request_declined',
        tenantId: request.tenantId,
        audience: 'tenant',
        subject: request.id,
        cycle: 'declined',
        facts: { tenant_name: tenant.name, request_id: request.id, kind: request.kind, plan_id: request.planId, reason },
      });
      return request;
    });
  }

  /** The customer withdraws their own open request (support may too). */
  async cancel(id: string, by: AuditActor, tenantScope?: string): Promise<LicenseRequestEntity> {
    return this.dataSource.transaction(async (manager) => {
      const request = await this.lockOpen(manager, id, tenantScope);
      Object.assign(request, { status: 'canceled', ...this.decision(by, null) });
      await manager.save(request);
      await this.audit.record(manager, by, 'license_request.canceled', 'license_request', id, { tenant_id: request.tenantId });
      return request;
    });
  }

  private decision(by: AuditActor, reason: string | null): Pick<LicenseRequestEntity, 'decidedBy' | 'decidedAt' | 'decisionReason'> {
    return { decidedBy: by.actor, decidedAt: this.clock.now(), decisionReason: reason };
  }

  private async lockOpen(manager: EntityManager, id: string, tenantScope?: string): Promise<LicenseRequestEntity> {
    const request = await manager.findOne(LicenseRequestEntity, { where: { id }, lock: { mode: 'pessimistic_write' } });
    if (!request || (tenantScope && request.tenantId !== tenantScope)) throw AppError.notFound('License request', id, 'LICENSE_REQUEST_NOT_FOUND');
    if (request.status !== 'open') {
      throw AppError.conflict(
        'LICENSE_REQUEST_NOT_OPEN',
        `License request "${id}" is already ${request.status}; only open requests can be decided or canceled.`,
        {
          status: request.status,
        },
      );
    }
    return request;
  }

  private async assertNoOpenRequest(manager: EntityManager, tenantId: string, kind: string, environment: string): Promise<void> {
    const open = await manager.findOneBy(LicenseRequestEntity, { tenantId, kind: kind as LicenseRequestEntity['kind'], environment, status: 'open' });
    if (open) {
      throw AppError.conflict(
        'LICENSE_REQUEST_EXISTS',
        `Tenant "${tenantId}" already has an open ${kind} request${environment ? ` for environment "${environment}"` : ''} (${open.id}); wait for its decision or cancel it.`,
        { request_id: open.id },
      );
    }
  }

  private async replacedLicense(manager: EntityManager, input: CreateLicenseRequestInput): Promise<LicenseEntity | null> {
    const takesOver = input.kind === 'renewal' || input.kind === 'replacement';
    if (!takesOver) {
      if (input.replaces_license_id) {
        throw AppError.validation(`Only renewal and replacement requests name a license to replace.`, [
          { field: 'replaces_license_id', message: `not allowed with kind "${input.kind}"` },
        ]);
      }
      return null;
    }
    if (!input.replaces_license_id) {
      throw AppError.validation(`A ${input.kind} request names the license it takes over.`, [
        { field: 'replaces_license_id', message: `required with kind "${input.kind}"` },
      ]);
    }
    const license = await manager.findOneBy(LicenseEntity, { id: input.replaces_license_id });
    assertReplaceable(input.kind, input.tenant_id, license, input.replaces_license_id, this.clock.now());
    return license;
  }
}

function requestedMode(tenant: TenantEntity): LicenseDeploymentMode {
  if (tenant.deploymentMode === 'on_prem' || tenant.deploymentMode === 'byoc') return tenant.deploymentMode;
  throw AppError.validation(`Tenant "${tenant.id}" runs as ${tenant.deploymentMode}; give deployment_mode (on_prem or byoc) for the license.`, [
    { field: 'deployment_mode', message: 'required for saas and dedicated tenants' },
  ]);
}

function encodeCursor(request: LicenseRequestEntity): string {
  return Buffer.from(JSON.stringify([request.createdAt.toISOString(), request.id])).toString('base64url');
}

/** The shared decoder: a forged cursor (36 dashes for an id, a year before 4713 BC) was a 500 from Postgres. */
function decodeCursor(cursor: string): { createdAt: Date; id: string } {
  const key = decodeTimeCursor(cursor);
  if (!key) {
    throw AppError.validation('The cursor is not one this API returned; pass next_cursor unchanged.', [
      { field: 'cursor', message: 'not a cursor from this API' },
    ]);
  }
  return { createdAt: key.at, id: key.id };
}

function isUniqueViolation(error: unknown, constraint: string): boolean {
  const driverError = (error as { driverError?: { code?: string; constraint?: string } }).driverError;
  return driverError?.code === '23505' && driverError.constraint === constraint;
}
