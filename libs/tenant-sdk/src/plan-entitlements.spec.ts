import { checkLimit, limitDenial, limitOf, moduleDenial, type EntitlementSource, type PlanEntitlements } from './plan-entitlements.js';

const starter: PlanEntitlements = {
  plan_id: 'starter',
  plan_name: 'Starter',
  modules: ['itsm'],
  addons: [],
  limits: { users: 2, data_volume_gb: null, ai_credits: 0, retention_days: 30 },
};
const source = (plan: PlanEntitlements | undefined): EntitlementSource => ({ plan: () => plan, upgradeUrl: () => 'https://portal.example' });

describe('plan entitlements', () => {
  it('reads a limit, null meaning unlimited, and grants nothing without a plan', () => {
    expect(limitOf(starter, 'users')).toBe(2);
    expect(limitOf(starter, 'data_volume_gb')).toBeNull();
    expect(limitOf(undefined, 'users')).toBe(0);
    expect(limitOf({ ...starter, limits: null }, 'users')).toBe(0);
  });

  it('allows one more while current is below the limit, always when unlimited', () => {
    expect(checkLimit(starter, 'users', 1)).toEqual({ allowed: true, limit: 2, current: 1 });
    expect(checkLimit(starter, 'users', 2)).toEqual({ allowed: false, limit: 2, current: 2 });
    expect(checkLimit(starter, 'ai_credits', 0)).toEqual({ allowed: false, limit: 0, current: 0 });
    expect(checkLimit(starter, 'data_volume_gb', 1e9)).toEqual({ allowed: true, limit: null, current: 1e9 });
  });

  it('refuses a negative or non-numeric current, a programming error in the caller', () => {
    expect(() => checkLimit(starter, 'users', -1)).toThrow(RangeError);
    expect(() => checkLimit(starter, 'users', Number.NaN)).toThrow(RangeError);
  });

  it('names the module, the plan and where to upgrade in a module refusal', () => {
    expect(moduleDenial(source(starter), 'itsm')).toBeUndefined();
    expect(moduleDenial(source(starter), 'automation')).toMatchObject({
      statusCode: 403,
      code: 'MODULE_NOT_LICENSED',
      module: 'automation',
      plan_name: 'Starter',
      upgrade_url: 'https://portal.example',
      message: expect.stringContaining('the Starter plan'),
    });
    expect(moduleDenial(source(undefined), 'itsm')).toMatchObject({ code: 'MODULE_NOT_LICENSED', plan_name: null });
  });

  it('refuses a create at the limit with the numbers', () => {
    expect(limitDenial(source(starter), 'users', 1)).toBeUndefined();
    expect(limitDenial(source(starter), 'users', 2)).toMatchObject({ code: 'LIMIT_EXCEEDED', limit_name: 'users', limit: 2, current: 2, plan_name: 'Starter' });
  });
});
