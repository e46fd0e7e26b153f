import { Inject, Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { DataSource } from 'typeorm';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { PlanEntity } from '../plans/plan.entity.js';
import { accessLevelFor } from '../subscriptions/subscription-rules.js';
import { SubscriptionEntity } from '../subscriptions/subscription.entity.js';
import { TenantsService } from '../tenants/tenants.service.js';

/** What a SaaS or dedicated tenant plane may do right now, instead of holding a license file. */
@Injectable()
export class Entitlements {
  constructor(
    private readonly dataSource: DataSource,
    private readonly tenants: TenantsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async forTenant(tenantId: string) {
    await this.tenants.get(tenantId);
    const subscription = await this.dataSource.manager.findOneBy(SubscriptionEntity, { tenantId });
    const plan = subscription ? await this.dataSource.manager.findOneBy(PlanEntity, { id: subscription.planId }) : null;
    return {
      tenant_id: tenantId,
      access: accessLevelFor(subscription?.status),
      subscription_status: subscription?.status ?? null,
      grace_ends_at: subscription?.graceEndsAt?.toISOString() ?? null,
      plan_id: plan?.id ?? null,
      plan_name: plan?.name ?? null,
      limits: plan?.limits ?? null,
      modules: plan?.modules ?? [],
      addons: subscription?.addons ?? [],
      ai_credits: plan?.limits.ai_credits ?? null,
      /** Where the customer pays, reactivates or upgrades: tenant planes name it in their refusals. */
      portal_url: this.config.PORTAL_URL,
    };
  }
}

/** A strong validator of the entitlements body: same entitlements, same ETag, on every replica. */
export function entitlementsEtag(body: unknown): string {
  return `"${createHash('sha256').update(JSON.stringify(body)).digest('base64url').slice(0, 32)}"`;
}
