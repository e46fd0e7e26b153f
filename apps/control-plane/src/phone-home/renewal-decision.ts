import type { LicenseClaims } from '../../../../libs/license-core/src/index.js';
import type { LicenseRecordStatus } from '../licenses/license.entity.js';
import { accessLevelFor } from '../subscriptions/subscription-rules.js';
import type { SubscriptionStatus } from '../subscriptions/subscription.entity.js';

export const PHONE_HOME_REFUSALS = [
  'LICENSE_INVALID',
  'LICENSE_UNKNOWN',
  'LICENSE_REVOKED',
  'LICENSE_SUPERSEDED',
  'NOT_RENEWABLE_ON_PREM',
  'FINGERPRINT_MISMATCH',
  'CLONE_SUSPECTED',
  'SUBSCRIPTION_INACTIVE',
] as const;
export type PhoneHomeRefusalCode = (typeof PHONE_HOME_REFUSALS)[number];
export type CloneReason = 'stale_token' | 'fingerprint_conflict';

/** What the database says about the presented license, gathered in one locked read. */
export interface RenewalFacts {
  license: { id: string; status: LicenseRecordStatus; claims: LicenseClaims };
  /** The license that renewed the presented one, if any. */
  successor: { id: string; status: LicenseRecordStatus; issuedAt: Date; renewed: boolean } | null;
  /** The tenant's newest BYOC license that is not revoked. */
  newestLicenseId: string | null;
  subscriptionStatus: SubscriptionStatus | null;
  presentedFingerprint: string | undefined;
  /** Another fingerprint phoned home on this lineage within the clone window. */
  otherFingerprintSeen: boolean;
  now: Date;
  retryWindowMs: number;
}

export type RenewalDecision =
  | { kind: 'renew' }
  | { kind: 'resend'; licenseId: string }
  | { kind: 'refuse'; code: PhoneHomeRefusalCode; message: string; cloneReason?: CloneReason; subscriptionStatus?: string };

const refuse = (code: PhoneHomeRefusalCode, message: string, extra: Partial<Extract<RenewalDecision, { kind: 'refuse' }>> = {}): RenewalDecision => ({
  kind: 'refuse',
  code,
  message,
  ...extra,
});

/**
 * DESIGN.md "Phone-home" as one pure function. The tenant plane keeps its current license whatever
 * this says; a refusal only means no new one. Messages are written for the tenant plane's operator.
 */
export function decideRenewal(facts: RenewalFacts): RenewalDecision {
  const { license } = facts;
  if (license.status === 'revoked') {
    return refuse('LICENSE_REVOKED', 'This license was revoked by AtlasAI support and cannot be renewed. Contact support for a new license.');
  }
  if (license.claims.deployment_mode !== 'byoc') {
    return refuse(
      'NOT_RENEWABLE_ON_PREM',
      'This is an on-prem license: it is never renewed by phone-home. Ask AtlasAI support for a new license before it expires.',
    );
  }
  if (license.claims.fingerprint && license.claims.fingerprint !== facts.presentedFingerprint) {
    return refuse(
      'FINGERPRINT_MISMATCH',
      'This license is bound to another machine: the fingerprint sent does not match the license. Run it on the machine it was issued for, or ask support to re-issue it.',
    );
  }
  if (facts.otherFingerprintSeen) {
    return refuse(
      'CLONE_SUSPECTED',
      'This license was presented from two different machines within a day, so it looks copied. Support has been alerted; contact them to resolve it.',
      { cloneReason: 'fingerprint_conflict' },
    );
  }
  const lineage = lineageDecision(facts);
  if (lineage.kind === 'refuse') return lineage;
  const access = accessLevelFor(facts.subscriptionStatus ?? undefined);
  if (access !== 'full') {
    const status = facts.subscriptionStatus ?? 'none';
    return refuse(
      'SUBSCRIPTION_INACTIVE',
      `The subscription is ${status}, so the license is not renewed. Settle the subscription in the billing portal; the current license keeps working until it expires.`,
      { subscriptionStatus: status },
    );
  }
  return lineage;
}

/** Only the newest license of a tenant renews; the one it renewed may retry for a short while. */
function lineageDecision({ license, successor, newestLicenseId, now, retryWindowMs }: RenewalFacts): RenewalDecision {
  if (license.status === 'active' && !successor && newestLicenseId === license.id) return { kind: 'renew' };
  const superseded = 'A newer license has replaced this one. Install the newest license (see the last phone-home reply or ask support).';
  if (!successor) return refuse('LICENSE_SUPERSEDED', superseded);
  if (successor.renewed) {
    return refuse('LICENSE_SUPERSEDED', `${superseded} This token is older than the two newest of its lineage, so support has been alerted.`, {
      cloneReason: 'stale_token',
    });
  }
  const withinRetryWindow = now.getTime() - successor.issuedAt.getTime() <= retryWindowMs;
  if (successor.status === 'active' && successor.id === newestLicenseId && withinRetryWindow) return { kind: 'resend', licenseId: successor.id };
  return refuse('LICENSE_SUPERSEDED', superseded);
}
