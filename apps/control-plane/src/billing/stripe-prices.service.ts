import { Inject, Injectable } from '@nestjs/common';
import { DataSource, In, IsNull, type EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service.js';
import type { AuditActor } from '../auth/auth.decorators.js';
import { AppError } from '../common/app-error.js';
import { CLOCK, type Clock } from '../common/clock.js';
import { PlanEntity } from '../plans/plan.entity.js';
import { PlansService } from '../plans/plans.service.js';
import { BILLING_INTERVALS, type BillingInterval } from '../subscriptions/subscription.entity.js';
import type { SetPricesInput } from './billing.schemas.js';
import { StripePriceEntity } from './stripe-price.entity.js';

interface Owner {
  kind: 'plan' | 'addon';
  id: string;
}

function columnsOf(owner: Owner): { planId: string } | { addonId: string } {
  return owner.kind === 'plan' ? { planId: owner.id } : { addonId: owner.id };
}

/**
 * Which Stripe price is which plan or add-on, per billing interval. A price id names one thing only, for
 * good: a replaced price is retired (Stripe keeps billing existing subscribers on it, so webhooks must
 * still resolve it) and only the current one is offered in Checkout.
 */
@Injectable()
export class StripePrices {
  constructor(
    private readonly dataSource: DataSource,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly plans: PlansService,
    private readonly audit: AuditService,
  ) {}

  list(): Promise<StripePriceEntity[]> {
    return this.dataSource.manager.find(StripePriceEntity, { order: { planId: 'ASC', addonId: 'ASC', billingInterval: 'ASC', createdAt: 'ASC' } });
  }

  async setForPlan(planId: string, input: SetPricesInput, by: AuditActor): Promise<StripePriceEntity[]> {
    return this.dataSource.transaction(async (manager) => {
      await this.plans.get(planId, manager);
      return this.set(manager, { kind: 'plan', id: planId }, input, by);
    });
  }

  async setForAddon(addonId: string, input: SetPricesInput, by: AuditActor): Promise<StripePriceEntity[]> {
    return this.dataSource.transaction(async (manager) => {
      const offered = await manager
        .createQueryBuilder(PlanEntity, 'plan')
        .where('plan.available_addons @> :addon::jsonb', { addon: JSON.stringify([addonId]) })
        .getExists();
      if (!offered) throw AppError.notFound('Add-on', addonId, 'ADDON_NOT_FOUND');
      return this.set(manager, { kind: 'addon', id: addonId }, input, by);
    });
  }

  /** The mapped prices among `priceIds`, retired ones included (unknown ones are simply absent). */
  find(manager: EntityManager, priceIds: string[]): Promise<StripePriceEntity[]> {
    return priceIds.length === 0 ? Promise.resolve([]) : manager.findBy(StripePriceEntity, { priceId: In(priceIds) });
  }

  /** The current (unretired) price of `owner` at `interval`, the one new Checkout sessions use. */
  async priceFor(manager: EntityManager, owner: Owner, interval: BillingInterval): Promise<StripePriceEntity | null> {
    return manager.findOneBy(StripePriceEntity, { ...columnsOf(owner), billingInterval: interval, retiredAt: IsNull() });
  }

  private async set(manager: EntityManager, owner: Owner, input: SetPricesInput, by: AuditActor): Promise<StripePriceEntity[]> {
    for (const interval of BILLING_INTERVALS) {
      const priceId = input[interval];
      if (priceId === undefined) continue;
      const current = await this.priceFor(manager, owner, interval);
      if (current?.priceId === priceId) continue;
      const taken = priceId === null ? null : await manager.findOneBy(StripePriceEntity, { priceId });
      const ours = taken && taken.billingInterval === interval && (owner.kind === 'plan' ? taken.planId : taken.addonId) === owner.id;
      if (taken && !ours) {
        const what = taken.planId ? `plan "${taken.planId}"` : `add-on "${taken.addonId}"`;
        const retired = taken.retiredAt ? 'retired ' : '';
        throw AppError.conflict('PRICE_IN_USE', `Stripe price "${priceId}" is already the ${retired}${taken.billingInterval} price of ${what}.`);
      }
      if (current) await manager.update(StripePriceEntity, { priceId: current.priceId }, { retiredAt: this.clock.now() });
      if (priceId === null) continue;
      // Taking back a price this owner used before un-retires it.
      if (taken) await manager.update(StripePriceEntity, { priceId }, { retiredAt: null });
      else
        await manager.insert(StripePriceEntity, {
          priceId,
          planId: null,
          addonId: null,
          ...columnsOf(owner),
          billingInterval: interval,
          createdAt: this.clock.now(),
          retiredAt: null,
        });
    }
    await this.audit.record(manager, by, 'stripe_prices.updated', owner.kind, owner.id, { ...input });
    return manager.find(StripePriceEntity, { where: { ...columnsOf(owner), retiredAt: IsNull() }, order: { billingInterval: 'ASC' } });
  }
}
