import type { LicenseClaims } from '../../../../libs/license-core/src/index.js';
import { decideRenewal, type RenewalFacts } from './renewal-decision.js';

const NOW = new Date('2026-11-24T12:00:00Z');
const HOUR = 3_600_000;

function facts(overrides: Partial<RenewalFacts> = {}, claims: Partial<LicenseClaims> = {}): RenewalFacts {
  return {
    license: { id: 'l1', status: 'active', claims: { deployment_mode: 'byoc', ...claims } as LicenseClaims },
    successor: null,
    newestLicenseId: 'l1',
    subscriptionStatus: 'active',
    presentedFingerprint: undefined,
    otherFingerprintSeen: false,
    now: NOW,
    retryWindowMs: HOUR,
    ...overrides,
  };
}

const successor = (issuedAgoMs: number, extra: Partial<NonNullable<RenewalFacts['successor']>> = {}) => ({
  id: 'l2',
  status: 'active' as const,
  issuedAt: new Date(NOW.getTime() - issuedAgoMs),
  renewed: false,
  ...extra,
});

const codeOf = (input: RenewalFacts) => {
  const decision = decideRenewal(input);
  return decision.kind === 'refuse' ? decision.code : decision.kind;
};

describe('decideRenewal', () => {
  it('renews the newest active BYOC license of a tenant with full access', () => {
    expect(decideRenewal(facts())).toEqual({ kind: 'renew' });
    expect(codeOf(facts({ subscriptionStatus: 'trialing' }))).toBe('renew');
  });

  it('refuses revoked before anything else, then on-prem', () => {
    expect(codeOf(facts({ license: { id: 'l1', status: 'revoked', claims: { deployment_mode: 'on_prem' } as LicenseClaims } }))).toBe('LICENSE_REVOKED');
    expect(codeOf(facts({}, { deployment_mode: 'on_prem' }))).toBe('NOT_RENEWABLE_ON_PREM');
  });

  it('refuses a bound license from another machine, or with no fingerprint at all', () => {
    expect(codeOf(facts({ presentedFingerprint: 'b' }, { fingerprint: 'a' }))).toBe('FINGERPRINT_MISMATCH');
    expect(codeOf(facts({}, { fingerprint: 'a' }))).toBe('FINGERPRINT_MISMATCH');
    expect(codeOf(facts({ presentedFingerprint: 'a' }, { fingerprint: 'a' }))).toBe('renew');
  });

  it('flags two machines on one lineage as a clone', () => {
    expect(decideRenewal(facts({ otherFingerprintSeen: true, presentedFingerprint: 'b' }))).toMatchObject({
      code: 'CLONE_SUSPECTED',
      cloneReason: 'fingerprint_conflict',
    });
  });

  it('resends the renewal to a retry inside the window, exactly at its end, and refuses it after', () => {
    const superseded = { id: 'l1', status: 'superseded' as const, claims: { deployment_mode: 'byoc' } as LicenseClaims };
    expect(decideRenewal(facts({ license: superseded, successor: successor(HOUR), newestLicenseId: 'l2' }))).toEqual({ kind: 'resend', licenseId: 'l2' });
    const late = decideRenewal(facts({ license: superseded, successor: successor(HOUR + 1), newestLicenseId: 'l2' }));
    expect(late).toMatchObject({ code: 'LICENSE_SUPERSEDED' });
    expect(late).not.toHaveProperty('cloneReason');
  });

  it('treats a token older than the newest two of its lineage as a clone', () => {
    const superseded = { id: 'l1', status: 'superseded' as const, claims: { deployment_mode: 'byoc' } as LicenseClaims };
    expect(
      decideRenewal(facts({ license: superseded, successor: successor(60_000, { renewed: true, status: 'superseded' }), newestLicenseId: 'l3' })),
    ).toMatchObject({
      code: 'LICENSE_SUPERSEDED',
      cloneReason: 'stale_token',
    });
  });

  it('refuses a license that support replaced with a newer one', () => {
    expect(codeOf(facts({ newestLicenseId: 'l9' }))).toBe('LICENSE_SUPERSEDED');
    const revokedRenewal = facts({
      license: { id: 'l1', status: 'superseded', claims: { deployment_mode: 'byoc' } as LicenseClaims },
      successor: successor(60_000, { status: 'revoked' }),
      newestLicenseId: null,
    });
    expect(codeOf(revokedRenewal)).toBe('LICENSE_SUPERSEDED');
  });

  it.each(['past_due', 'suspended', 'canceled', null] as const)('refuses SUBSCRIPTION_INACTIVE when the subscription is %s, also for a retry', (status) => {
    expect(decideRenewal(facts({ subscriptionStatus: status }))).toMatchObject({ code: 'SUBSCRIPTION_INACTIVE', subscriptionStatus: status ?? 'none' });
    const superseded = { id: 'l1', status: 'superseded' as const, claims: { deployment_mode: 'byoc' } as LicenseClaims };
    expect(codeOf(facts({ subscriptionStatus: status, license: superseded, successor: successor(60_000), newestLicenseId: 'l2' }))).toBe(
      'SUBSCRIPTION_INACTIVE',
    );
  });
});
