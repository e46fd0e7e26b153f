import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { DAY_MS } from '@atlasai/license-core';
import { AuditService } from '../audit/audit.service.js';
import { CLOCK, type Clock } from '../common/clock.js';
import { LoginLinkEntity } from '../billing/login-link.entity.js';
import { StripePriceEntity } from '../billing/stripe-price.entity.js';
import type { CustomerSession } from '../billing/login-links.service.js';
import { LicenseEntity } from '../licenses/license.entity.js';
import { licenseView } from '../licenses/license.view.js';
import { PlanEntity } from '../plans/plan.entity.js';
import { planView } from '../plans/plan.view.js';
import { accessLevelFor } from '../subscriptions/subscription-rules.js';
import { SubscriptionEntity } from '../subscriptions/subscription.entity.js';
import { TenantsService } from '../tenants/tenants.service.js';
import { tenantView } from '../tenants/tenant.view.js';

/** Days of active-use history the portal charts. */
const ACTIVE_USE_DAYS = 30;

interface InstallationRow {
  lineage_id: string;
  last_called_at: Date;
  tp_version: string;
  result: string;
  fingerprint: string | null;
}

/** What a signed-in customer sees of their own tenant, and nothing of any other. */
@Injectable()
export class PortalService {
  constructor(
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly dataSource: DataSource,
    private readonly tenants: TenantsService,
    private readonly audit: AuditService,
  ) {}

  async account(tenantId: string) {
    const manager = this.dataSource.manager;
    const tenant = await this.tenants.get(tenantId);
    const subscription = await manager.findOneBy(SubscriptionEntity, { tenantId });
    const plan = subscription ? await manager.findOneBy(PlanEntity, { id: subscription.planId }) : null;
    const now = this.clock.now();
    const graceEndsAt = subscription?.status === 'past_due' ? subscription.graceEndsAt : null;
    return {
      tenant: tenantView(tenant),
      access: accessLevelFor(subscription?.status),
      subscription: subscription
        ? {
            status: subscription.status,
            plan_id: subscription.planId,
            plan_name: plan?.name ?? subscription.planId,
            addons: subscription.addons,
            billing_interval: subscription.billingInterval,
            grace_ends_at: graceEndsAt,
            grace_days_left: graceEndsAt ? Math.max(0, Math.ceil((graceEndsAt.getTime() - now.getTime()) / DAY_MS)) : null,
            managed_by_stripe: subscription.stripeSubscriptionId !== null,
          }
        : null,
    };
  }

  /** The tenant's licenses, newest first, and one installation per lineage that has phoned home. */
  async licenses(tenantId: string) {
    const manager = this.dataSource.manager;
    const now = this.clock.now();
    const licenses = await manager.find(LicenseEntity, { where: { tenantId }, order: { issuedAt: 'DESC' }, take: 200 });
    const installations = await manager.query<InstallationRow[]>(
      `SELECT DISTINCT ON (lineage_id) lineage_id, called_at AS last_called_at, tp_version, result, fingerprint
         FROM phone_homes WHERE tenant_id = $1 ORDER BY lineage_id, called_at DESC`,
      [tenantId],
    );
    const heads = new Map(licenses.filter((license) => license.status !== 'superseded').map((license) => [license.lineageId, license]));
    return {
      items: licenses.map((license) => licenseView(license, now)),
      installations: installations.map((row) => {
        const head = heads.get(row.lineage_id);
        return {
          lineage_id: row.lineage_id,
          license_id: head?.id ?? null,
          license_status: head?.status ?? null,
          phase: head ? licenseView(head, now).phase : null,
          expires_at: head?.expiresAt ?? null,
          last_phone_home_at: new Date(row.last_called_at),
          last_result: row.result,
          tp_version: row.tp_version,
          fingerprint: row.fingerprint,
        };
      }),
    };
  }

  /** The highest active-use report of each day, the last 30 days, oldest first. */
  async activeUses(tenantId: string) {
    const since = new Date(this.clock.now().getTime() - ACTIVE_USE_DAYS * DAY_MS);
    const rows = await this.dataSource.manager.query<{ day: string; active_uses: number; reports: number }[]>(
      `SELECT to_char(date_trunc('day', called_at AT TIME ZONE 'UTC'), 'YYYY-MM-DD') AS day, max(active_uses)::int AS active_uses, count(*)::int AS reports
         FROM phone_homes WHERE tenant_id = $1 AND active_uses IS NOT NULL AND called_at >= $2
        GROUP BY 1 ORDER BY 1`,
      [tenantId, since],
    );
    return { tenant_id: tenantId, days: ACTIVE_USE_DAYS, items: rows };
  }

  /** Plans the customer can buy through Checkout: those with a Stripe price. */
  async plans() {
    const manager = this.dataSource.manager;
    const [plans, prices] = await Promise.all([manager.find(PlanEntity, { order: { id: 'ASC' } }), manager.findBy(StripePriceEntity, {})]);
    return {
      items: plans
        .map((plan) => ({
          ...planView(plan),
          billing_intervals: prices.filter((price) => price.planId === plan.id && price.retiredAt === null).map((price) => price.billingInterval),
        }))
        .filter((plan) => plan.billing_intervals.length > 0),
    };
  }

  /** Ends the billing session now; the login link it came from was spent already. */
  async signOut(session: CustomerSession & { requestId: string | null }): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      await manager.update(LoginLinkEntity, { id: session.linkId }, { sessionExpiresAt: this.clock.now() });
      await this.audit.record(
        manager,
        { actor: `login_link:${session.linkId}`, requestId: session.requestId },
        'login_link.signed_out',
        'tenant',
        session.tenantId,
        {
          login_link_id: session.linkId,
        },
      );
    });
  }
}
