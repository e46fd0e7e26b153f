import type { LicenseClaims } from '@atlasai/license-core';
import type { LicenseRecordStatus } from '../licenses/license.entity.js';
import { accessLevelFor } from '../subscriptions/subscription-rules.js';
import type { SubscriptionStatus } from '../subscriptions/subscription.entity.js';

export const PHONE_HOME_REFUSALS = [
  'LICENSE_INVALID',
  'LICENSE_UNKNOWN',
  'LICENSE_REVOKED',
  'NOT_RENEWABLE_ON_PREM',
  'FINGERPRINT_MISMATCH',
  'CLONE_SUSPECTED',
  'SUBSCRIPTION_INACTIVE',
] as const;
export type PhoneHomeRefusalCode = (typeof PHONE_HOME_REFUSALS)[number];
export type CloneReason = 'stale_token' | 'fingerprint_conflict';

/** The head of a lineage: its one active license, the one a phone-home with any of its tokens renews. */
export interface LineageHead {
  id: string;
  claims: LicenseClaims;
  issuedAt: Date;
  /** `phone-home` for a renewal; a support actor for an issued or replacing license. */
  issuedBy: string;
  maxMachines: number;
}

/** What the database says about the presented license and its lineage, gathered in one read. */
export interface RenewalFacts {
  license: { id: string; status: LicenseRecordStatus };
  /** Null when the lineage has no active license (it was revoked). */
  head: LineageHead | null;
  /** Any license of the lineage was revoked: revoking one revokes the installation. */
  lineageRevoked: boolean;
  subscriptionStatus: SubscriptionStatus | null;
  /** The machine as the tenant plane reports it (`ATLASAI_MACHINE_ID` or the hardware locking code). */
  presentedFingerprint: string | undefined;
  /** Other machines that phoned home successfully on this lineage within the clone window. */
  otherMachines: number;
  now: Date;
  retryWindowMs: number;
}

export type RenewalDecision =
  /** `staleToken`: an older token without a machine fingerprint; renewed, and support sees a `stale_token` alert. */
  | { kind: 'renew'; headId: string; staleToken: boolean }
  | { kind: 'resend'; licenseId: string }
  | { kind: 'refuse'; code: PhoneHomeRefusalCode; message: string; cloneReason?: CloneReason; subscriptionStatus?: string };

const refuse = (code: PhoneHomeRefusalCode, message: string, extra: Partial<Extract<RenewalDecision, { kind: 'refuse' }>> = {}): RenewalDecision => ({
  kind: 'refuse',
  code,
  message,
  ...extra,
});

/**
 * DESIGN.md "Installations, lineages and phone-home" as one pure function. Renewal is decided per lineage:
 * any non-revoked token of it, from one of its machines, renews its head; age alone never refuses (a plane
 * holding its license only in the environment presents its first token after every restart). The tenant
 * plane keeps its current license whatever this says. Messages are written for the tenant plane's operator.
 */
export function decideRenewal(facts: RenewalFacts): RenewalDecision {
  const { license, head } = facts;
  if (facts.lineageRevoked || license.status === 'revoked' || !head) {
    return refuse('LICENSE_REVOKED', 'This license was revoked by AtlasAI support and cannot be renewed. Contact support for a new license.');
  }
  if (head.claims.deployment_mode !== 'byoc') {
    return refuse(
      'NOT_RENEWABLE_ON_PREM',
      'This is an on-prem license: it is never renewed by phone-home. Ask AtlasAI support for a new license before it expires.',
    );
  }
  if (head.claims.fingerprint && head.claims.fingerprint !== facts.presentedFingerprint) {
    return refuse(
      'FINGERPRINT_MISMATCH',
      'This license is bound to another machine: the fingerprint sent does not match the license. Run it on the machine it was issued for, or ask support to re-issue it.',
    );
  }
  // A machine-bound license is protected by its binding; the machines seen guard unbound ones.
  if (facts.presentedFingerprint !== undefined && !head.claims.fingerprint && facts.otherMachines >= head.maxMachines) {
    return refuse(
      'CLONE_SUSPECTED',
      `This license already renews on ${facts.otherMachines} other machine(s), as many as it allows, so it looks copied; the machines already seen keep renewing. ` +
        'Support has been alerted. Give each replica of one installation the same ATLASAI_MACHINE_ID, or ask support for a license per installation.',
      { cloneReason: 'fingerprint_conflict' },
    );
  }
  const access = accessLevelFor(facts.subscriptionStatus ?? undefined);
  if (access !== 'full') {
    const status = facts.subscriptionStatus ?? 'none';
    return refuse(
      'SUBSCRIPTION_INACTIVE',
      `The subscription is ${status}, so the license is not renewed. Settle the subscription in the billing portal; the current license keeps working until it expires.`,
      { subscriptionStatus: status },
    );
  }
  if (license.id === head.id) return { kind: 'renew', headId: head.id, staleToken: false };
  // A reply lost on the way: the token that asked (or a restart presenting an older one) gets the same renewal back.
  const renewedRecently = head.issuedBy === 'phone-home' && facts.now.getTime() - head.issuedAt.getTime() <= facts.retryWindowMs;
  if (renewedRecently) return { kind: 'resend', licenseId: head.id };
  return { kind: 'renew', headId: head.id, staleToken: facts.presentedFingerprint === undefined };
}
