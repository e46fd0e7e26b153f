import { Inject, Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { CLOCK, type Clock } from '../common/clock.js';
import { NotificationOutbox } from '../notifications/notification-outbox.service.js';
import { TenantsService } from '../tenants/tenants.service.js';
import { limitAlerts, usageAgainst, usagePeriod, type LimitValues, type MeteredLimit } from './usage-thresholds.js';
import type { UsageReportInput } from './usage.schemas.js';

export type UsageSource = 'saas' | 'phone_home';

interface UsageRow {
  users: number | null;
  data_volume_gb: string | null;
  ai_credits_used: string | null;
  source: UsageSource;
  reported_at: Date;
}

interface PlanRow {
  plan_name: string | null;
  limits: LimitValues;
}

/**
 * Usage reported by tenant planes, kept per tenant (latest figures) and compared with the plan's limits.
 * Crossing 80% or 100% of a limit records one email per limit, stage and calendar month (the outbox's
 * key), in the report's transaction, however often the plane reports.
 */
@Injectable()
export class UsageService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly tenants: TenantsService,
    private readonly outbox: NotificationOutbox,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async report(tenantId: string, report: UsageReportInput, source: UsageSource): Promise<ReturnType<UsageService['view']>> {
    await this.tenants.get(tenantId);
    return this.dataSource.transaction(async (manager) => {
      await this.record(manager, tenantId, report, source);
      return this.view(tenantId, await this.usageOf(manager, tenantId), await this.planOf(manager, tenantId));
    });
  }

  /** A BYOC plane's figures from a successful phone-home, for the tenant of the license it renewed. */
  async reportForLicense(licenseId: string, report: UsageReportInput): Promise<void> {
    if (report.users === undefined && report.data_volume_gb === undefined && report.ai_credits_used === undefined) return;
    await this.dataSource.transaction(async (manager) => {
      const [license] = (await manager.sql`SELECT tenant_id FROM licenses WHERE id = ${licenseId}`) as { tenant_id: string }[];
      if (license) await this.record(manager, license.tenant_id, report, 'phone_home');
    });
  }

  /** Stores the figures given (others keep their last value) and records the limit emails they call for. */
  async record(manager: EntityManager, tenantId: string, report: UsageReportInput, source: UsageSource): Promise<void> {
    const now = this.clock.now();
    const users = report.users ?? null;
    const volume = report.data_volume_gb ?? null;
    const credits = report.ai_credits_used ?? null;
    await manager.sql`
      INSERT INTO tenant_usage (tenant_id, users, data_volume_gb, ai_credits_used, source, reported_at)
      VALUES (${tenantId}, ${users}, ${volume}, ${credits}, ${source}, ${now})
      ON CONFLICT (tenant_id) DO UPDATE SET
        users = COALESCE(EXCLUDED.users, tenant_usage.users),
        data_volume_gb = COALESCE(EXCLUDED.data_volume_gb, tenant_usage.data_volume_gb),
        ai_credits_used = COALESCE(EXCLUDED.ai_credits_used, tenant_usage.ai_credits_used),
        source = EXCLUDED.source,
        reported_at = EXCLUDED.reported_at`;
    const plan = await this.planOf(manager, tenantId);
    const period = usagePeriod(now);
    for (const alert of limitAlerts({ users, data_volume_gb: volume, ai_credits: credits }, plan.limits)) {
      await this.outbox.record(manager, {
        stage: alert.stage,
        tenantId,
        audience: 'tenant',
        subject: alert.limit,
        cycle: period,
        facts: { plan_name: plan.plan_name, limit_name: alert.limit, current: alert.current, limit: alert.allowed, percent: alert.percent, period },
      });
    }
  }

  async get(tenantId: string): Promise<ReturnType<UsageService['view']>> {
    await this.tenants.get(tenantId);
    const manager = this.dataSource.manager;
    return this.view(tenantId, await this.usageOf(manager, tenantId), await this.planOf(manager, tenantId));
  }

  private view(tenantId: string, usage: UsageRow | undefined, plan: PlanRow) {
    const current: Record<MeteredLimit, number | null> = {
      users: usage?.users ?? null,
      data_volume_gb: usage?.data_volume_gb === null || usage?.data_volume_gb === undefined ? null : Number(usage.data_volume_gb),
      ai_credits: usage?.ai_credits_used === null || usage?.ai_credits_used === undefined ? null : Number(usage.ai_credits_used),
    };
    return {
      tenant_id: tenantId,
      plan_name: plan.plan_name,
      reported_at: usage?.reported_at.toISOString() ?? null,
      source: usage?.source ?? null,
      period: usagePeriod(this.clock.now()),
      limits: {
        users: usageAgainst(current.users, plan.limits?.users),
        data_volume_gb: usageAgainst(current.data_volume_gb, plan.limits?.data_volume_gb),
        ai_credits: usageAgainst(current.ai_credits, plan.limits?.ai_credits),
      } satisfies Record<MeteredLimit, ReturnType<typeof usageAgainst>>,
    };
  }

  private async usageOf(manager: EntityManager, tenantId: string): Promise<UsageRow | undefined> {
    const rows: UsageRow[] =
      await manager.sql`SELECT users, data_volume_gb, ai_credits_used, source, reported_at FROM tenant_usage WHERE tenant_id = ${tenantId}`;
    return rows[0];
  }

  /** The plan of the tenant's subscription: the limits both SaaS entitlements and renewed licenses carry. */
  private async planOf(manager: EntityManager, tenantId: string): Promise<PlanRow> {
    const rows: PlanRow[] = await manager.sql`
      SELECT plans.name AS plan_name, plans.limits FROM subscriptions JOIN plans ON plans.id = subscriptions.plan_id
      WHERE subscriptions.tenant_id = ${tenantId}`;
    return rows[0] ?? { plan_name: null, limits: null };
  }
}
