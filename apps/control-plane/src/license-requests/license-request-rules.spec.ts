import { AppError } from '../common/app-error.js';
import { assessRequestedTerms, assertReplaceable, RENEWAL_WINDOW_DAYS, type ReplacedLicense, type SubscriptionTerms } from './license-request-rules.js';

const DAY_MS = 86_400_000;
const subscription: SubscriptionTerms = { status: 'active', planId: 'operations', addons: ['automation_pro'] };

function codeOf(action: () => unknown): string | undefined {
  try {
    action();
    return undefined;
  } catch (error) {
    return error instanceof AppError ? error.code : 'not an AppError';
  }
}

describe('assessRequestedTerms', () => {
  it('accepts the subscription’s own terms without flagging a plan change', () => {
    expect(assessRequestedTerms('acme', subscription, { kind: 'new', planId: 'operations', addons: ['automation_pro'] })).toEqual({ needsPlanChange: false });
    expect(assessRequestedTerms('acme', { ...subscription, status: 'past_due' }, { kind: 'renewal', planId: 'operations', addons: [] })).toEqual({
      needsPlanChange: false,
    });
  });

  it('flags add-ons beyond the subscription, and every upgrade', () => {
    expect(assessRequestedTerms('acme', subscription, { kind: 'new', planId: 'operations', addons: ['edge_pack'] })).toEqual({ needsPlanChange: true });
    expect(assessRequestedTerms('acme', subscription, { kind: 'upgrade', planId: 'enterprise', addons: [] })).toEqual({ needsPlanChange: true });
  });

  it('refuses another plan outside an upgrade, an upgrade to what the subscription has, and a missing or canceled subscription', () => {
    expect(codeOf(() => assessRequestedTerms('acme', subscription, { kind: 'replacement', planId: 'core', addons: [] }))).toBe('PLAN_NOT_IN_SUBSCRIPTION');
    expect(codeOf(() => assessRequestedTerms('acme', subscription, { kind: 'upgrade', planId: 'operations', addons: ['automation_pro'] }))).toBe(
      'VALIDATION_FAILED',
    );
    expect(codeOf(() => assessRequestedTerms('acme', null, { kind: 'new', planId: 'core', addons: [] }))).toBe('SUBSCRIPTION_INACTIVE');
    expect(codeOf(() => assessRequestedTerms('acme', { ...subscription, status: 'canceled' }, { kind: 'new', planId: 'operations', addons: [] }))).toBe(
      'SUBSCRIPTION_INACTIVE',
    );
  });
});

describe('assertReplaceable', () => {
  const now = new Date('2026-12-01T00:00:00Z');
  const license = (overrides: Partial<ReplacedLicense> = {}): ReplacedLicense => ({
    id: 'l1',
    tenantId: 'acme',
    status: 'active',
    deploymentMode: 'on_prem',
    expiresAt: new Date(now.getTime() + 10 * DAY_MS),
    ...overrides,
  });

  it('opens renewals exactly 30 days before expiry, and keeps them open after expiry', () => {
    const opensNow = license({ expiresAt: new Date(now.getTime() + RENEWAL_WINDOW_DAYS * DAY_MS) });
    expect(codeOf(() => assertReplaceable('renewal', 'acme', opensNow, 'l1', now))).toBeUndefined();
    const oneMsEarly = license({ expiresAt: new Date(now.getTime() + RENEWAL_WINDOW_DAYS * DAY_MS + 1) });
    expect(codeOf(() => assertReplaceable('renewal', 'acme', oneMsEarly, 'l1', now))).toBe('RENEWAL_TOO_EARLY');
    expect(codeOf(() => assertReplaceable('renewal', 'acme', license({ expiresAt: new Date(now.getTime() - 90 * DAY_MS) }), 'l1', now))).toBeUndefined();
  });

  it('hides other tenants’ licenses and refuses revoked, superseded and phone-home renewed ones', () => {
    expect(codeOf(() => assertReplaceable('replacement', 'acme', null, 'l1', now))).toBe('LICENSE_NOT_FOUND');
    expect(codeOf(() => assertReplaceable('replacement', 'acme', license({ tenantId: 'globex' }), 'l1', now))).toBe('LICENSE_NOT_FOUND');
    expect(codeOf(() => assertReplaceable('replacement', 'acme', license({ status: 'revoked' }), 'l1', now))).toBe('LICENSE_REVOKED');
    expect(codeOf(() => assertReplaceable('renewal', 'acme', license({ status: 'superseded' }), 'l1', now))).toBe('LICENSE_SUPERSEDED');
    expect(codeOf(() => assertReplaceable('renewal', 'acme', license({ deploymentMode: 'byoc' }), 'l1', now))).toBe('NOT_RENEWABLE_ON_REQUEST');
    expect(
      codeOf(() => assertReplaceable('replacement', 'acme', license({ deploymentMode: 'byoc', expiresAt: new Date(now.getTime() + 300 * DAY_MS) }), 'l1', now)),
    ).toBeUndefined();
  });
});
