import type { PlanLimits } from '@atlasai/license-core';

export type LimitName = keyof PlanLimits;

/** What the plan grants, from a license's claims or from the control plane's entitlements. */
export interface PlanEntitlements {
  plan_id: string | null;
  plan_name: string | null;
  modules: readonly string[];
  addons: readonly string[];
  /** null: no plan at all (nothing is granted). A single limit of null is unlimited. */
  limits: PlanLimits | null;
}

/**
 * Anything that knows the current plan: `TenantLicense` (on-prem, BYOC) and `TenantEntitlements`
 * (SaaS, dedicated). The module and limit checks work the same over both.
 */
export interface EntitlementSource {
  /** Undefined while no valid license or entitlements are known. */
  plan(): PlanEntitlements | undefined;
  /** Where a customer upgrades, named in every refusal. */
  upgradeUrl(): string;
}

/** The plan questions every source answers the same way: `license.limit('users')`, `entitlements.checkLimit('users', n)`. */
export abstract class PlanQueries implements EntitlementSource {
  abstract plan(): PlanEntitlements | undefined;
  abstract upgradeUrl(): string;

  hasModule(module: string): boolean {
    return hasModule(this.plan(), module);
  }

  /** null: unlimited; 0 while no plan is known. */
  limit(name: LimitName): number | null {
    return limitOf(this.plan(), name);
  }

  /** Whether one more fits beside `current` (e.g. the users that exist before creating one). */
  checkLimit(name: LimitName, current: number): LimitCheck {
    return checkLimit(this.plan(), name, current);
  }
}

export const DEFAULT_UPGRADE_URL = 'https://atlastechlab.com/portal';

export interface LimitCheck {
  /** Whether one more unit fits: `current` is below the limit, or there is none. */
  allowed: boolean;
  /** null: unlimited. */
  limit: number | null;
  current: number;
}

export interface EntitlementDenial {
  statusCode: 403;
  code: 'MODULE_NOT_LICENSED' | 'LIMIT_EXCEEDED';
  message: string;
  plan_name: string | null;
  upgrade_url: string;
  module?: string;
  limit_name?: LimitName;
  limit?: number | null;
  current?: number;
}

/** Whether the plan includes `module`; no plan includes nothing. */
export function hasModule(plan: PlanEntitlements | undefined, module: string): boolean {
  return plan?.modules.includes(module) ?? false;
}

/** The plan's limit: null is unlimited; without a plan nothing is allowed (0). */
export function limitOf(plan: PlanEntitlements | undefined, name: LimitName): number | null {
  if (!plan?.limits) return 0;
  return plan.limits[name];
}

export function checkLimit(plan: PlanEntitlements | undefined, name: LimitName, current: number): LimitCheck {
  if (!Number.isFinite(current) || current < 0) throw new RangeError(`checkLimit("${name}", current): current must be a non-negative number, got ${current}`);
  const limit = limitOf(plan, name);
  return { allowed: limit === null || current < limit, limit, current };
}

/** The 403 body for a module outside the plan, or undefined when the plan includes it. */
export function moduleDenial(source: EntitlementSource, module: string): EntitlementDenial | undefined {
  const plan = source.plan();
  if (hasModule(plan, module)) return undefined;
  const planName = plan?.plan_name ?? null;
  return {
    statusCode: 403,
    code: 'MODULE_NOT_LICENSED',
    message: `The ${module} module is not included in ${planName ? `the ${planName} plan` : 'your plan'}. Upgrade to a plan with ${module} at ${source.upgradeUrl()} or ask your AtlasAI contact.`,
    module,
    plan_name: planName,
    upgrade_url: source.upgradeUrl(),
  };
}

/** The 403 body when `current` has reached the plan's limit, or undefined while one more fits. */
export function limitDenial(source: EntitlementSource, name: LimitName, current: number): EntitlementDenial | undefined {
  const plan = source.plan();
  const check = checkLimit(plan, name, current);
  if (check.allowed) return undefined;
  const planName = plan?.plan_name ?? null;
  return {
    statusCode: 403,
    code: 'LIMIT_EXCEEDED',
    message: `The ${planName ? `${planName} plan` : 'plan'} allows ${check.limit} ${name.replace(/_/g, ' ')} and ${current} are in use. Upgrade at ${source.upgradeUrl()} to raise the limit.`,
    limit_name: name,
    limit: check.limit,
    current,
    plan_name: planName,
    upgrade_url: source.upgradeUrl(),
  };
}
