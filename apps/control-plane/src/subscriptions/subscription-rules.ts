import type { BillingInterval, SubscriptionStatus } from './subscription.entity.js';

export type AccessLevel = 'full' | 'read_only' | 'blocked';

/** DESIGN.md "Subscriptions": full while trialing or active, read-only in past-due grace, blocked otherwise. */
export function accessLevelFor(status: SubscriptionStatus | undefined): AccessLevel {
  switch (status) {
    case 'trialing':
    case 'active':
      return 'full';
    case 'past_due':
      return 'read_only';
    default:
      return 'blocked';
  }
}

export interface GraceSettings {
  monthlyDays: number;
  annualDays: number;
}

export const DEFAULT_GRACE: GraceSettings = { monthlyDays: 7, annualDays: 14 };

/** Grace ends 7 days (monthly) or 14 days (annual) after the first failed payment of a cycle. */
export function graceEndsAt(firstFailureAt: Date, interval: BillingInterval, settings: GraceSettings = DEFAULT_GRACE): Date {
  const days = interval === 'annual' ? settings.annualDays : settings.monthlyDays;
  return new Date(firstFailureAt.getTime() + days * 86_400_000);
}
