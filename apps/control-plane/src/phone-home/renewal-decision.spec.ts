import type { LicenseClaims } from '@atlasai/license-core';
import { decideRenewal, type LineageHead, type RenewalFacts } from './renewal-decision.js';

const NOW = new Date('2026-11-24T12:00:00Z');
const HOUR = 3_600_000;

function head(overrides: Partial<LineageHead> = {}, claims: Partial<LicenseClaims> = {}): LineageHead {
  return {
    id: 'l1',
    claims: { deployment_mode: 'byoc', ...claims } as LicenseClaims,
    issuedAt: new Date(NOW.getTime() - 30 * 24 * HOUR),
    issuedBy: 'support:alice',
    maxMachines: 1,
    ...overrides,
  };
}

function facts(overrides: Partial<RenewalFacts> = {}): RenewalFacts {
  return {
    license: { id: 'l1', status: 'active' },
    head: head(),
    lineageRevoked: false,
    subscriptionStatus: 'active',
    presentedFingerprint: 'machine-a',
    otherMachines: 0,
    now: NOW,
    retryWindowMs: HOUR,
    ...overrides,
  };
}

const codeOf = (input: RenewalFacts) => {
  const decision = decideRenewal(input);
  return decision.kind === 'refuse' ? decision.code : decision.kind;
};
const older = { id: 'l0', status: 'superseded' as const };

describe('decideRenewal', () => {
  it('renews the head of a lineage with full access', () => {
    expect(decideRenewal(facts())).toEqual({ kind: 'renew', headId: 'l1', staleToken: false });
    expect(codeOf(facts({ subscriptionStatus: 'trialing' }))).toBe('renew');
  });

  it('renews the head for an older token of its lineage: age alone never refuses', () => {
    expect(decideRenewal(facts({ license: older }))).toEqual({ kind: 'renew', headId: 'l1', staleToken: false });
    expect(decideRenewal(facts({ license: older, head: head({ issuedBy: 'phone-home', issuedAt: new Date(NOW.getTime() - 25 * HOUR) }) }))).toMatchObject({
      kind: 'renew',
    });
  });

  it('flags an older token without a machine fingerprint as stale, and still renews it', () => {
    expect(decideRenewal(facts({ license: older, presentedFingerprint: undefined }))).toEqual({ kind: 'renew', headId: 'l1', staleToken: true });
    expect(decideRenewal(facts({ presentedFingerprint: undefined }))).toEqual({ kind: 'renew', headId: 'l1', staleToken: false });
  });

  it('resends a renewal made within the retry window to any older token, exactly at its end too, and renews after it', () => {
    const renewedAgo = (ms: number) => head({ id: 'l2', issuedBy: 'phone-home', issuedAt: new Date(NOW.getTime() - ms) });
    expect(decideRenewal(facts({ license: older, head: renewedAgo(HOUR) }))).toEqual({ kind: 'resend', licenseId: 'l2' });
    expect(decideRenewal(facts({ license: older, head: renewedAgo(HOUR + 1) }))).toMatchObject({ kind: 'renew', headId: 'l2' });
  });

  it('renews, not resends, a fresh head that support issued as a replacement', () => {
    const replacement = head({ id: 'l2', issuedBy: 'support:alice', issuedAt: NOW });
    expect(decideRenewal(facts({ license: older, head: replacement }))).toMatchObject({ kind: 'renew', headId: 'l2' });
  });

  it('refuses a revoked lineage before anything else, whichever of its tokens is presented', () => {
    expect(codeOf(facts({ lineageRevoked: true, head: null, license: { id: 'l1', status: 'revoked' } }))).toBe('LICENSE_REVOKED');
    expect(codeOf(facts({ lineageRevoked: true, head: null, license: older }))).toBe('LICENSE_REVOKED');
    expect(codeOf(facts({ lineageRevoked: true, head: head({}, { deployment_mode: 'on_prem' }) }))).toBe('LICENSE_REVOKED');
  });

  it('refuses on-prem lineages', () => {
    expect(codeOf(facts({ head: head({}, { deployment_mode: 'on_prem' }) }))).toBe('NOT_RENEWABLE_ON_PREM');
  });

  it('refuses a bound license from another machine, or with no fingerprint at all', () => {
    const bound = head({}, { fingerprint: 'a' });
    expect(codeOf(facts({ head: bound, presentedFingerprint: 'b' }))).toBe('FINGERPRINT_MISMATCH');
    expect(codeOf(facts({ head: bound, presentedFingerprint: undefined }))).toBe('FINGERPRINT_MISMATCH');
    expect(codeOf(facts({ head: bound, presentedFingerprint: 'a', otherMachines: 3 }))).toBe('renew');
  });

  it('refuses a new machine once the lineage renews on as many machines as it allows', () => {
    expect(decideRenewal(facts({ otherMachines: 1 }))).toMatchObject({ code: 'CLONE_SUSPECTED', cloneReason: 'fingerprint_conflict' });
    expect(codeOf(facts({ otherMachines: 1, head: head({ maxMachines: 2 }) }))).toBe('renew');
    expect(codeOf(facts({ otherMachines: 2, head: head({ maxMachines: 2 }) }))).toBe('CLONE_SUSPECTED');
    // Without a fingerprint there is no machine to count.
    expect(codeOf(facts({ otherMachines: 1, presentedFingerprint: undefined }))).toBe('renew');
  });

  it.each(['past_due', 'suspended', 'canceled', null] as const)('refuses SUBSCRIPTION_INACTIVE for %s', (status) => {
    expect(decideRenewal(facts({ subscriptionStatus: status }))).toMatchObject({ code: 'SUBSCRIPTION_INACTIVE', subscriptionStatus: status ?? 'none' });
  });
});
