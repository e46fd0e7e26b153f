import type { LicenseClaims } from './license-claims.js';

export const LICENSE_STATUSES = ['invalid', 'active', 'grace', 'read_only', 'locked'] as const;
export type LicenseStatus = (typeof LICENSE_STATUSES)[number];

export const DAY_MS = 86_400_000;

export interface LicensePhase {
  status: Exclude<LicenseStatus, 'invalid'>;
  /** Whole days left in the current phase, rounded up; 0 once locked. */
  days_remaining: number;
  /** When the current phase ends; null once locked (it never ends). */
  phase_ends_at: Date | null;
}

type PhaseClaims = Pick<LicenseClaims, 'exp' | 'grace_period_days' | 'read_only_period_days'>;

/**
 * The phase of a verified license at `now` (DESIGN.md, "License status").
 * Expiry is not a verification failure: an expired token moves through grace and read-only before it locks.
 */
export function computeLicensePhase(claims: PhaseClaims, now: Date): LicensePhase {
  const expiresAt = claims.exp * 1000;
  const graceEndsAt = expiresAt + claims.grace_period_days * DAY_MS;
  const readOnlyEndsAt = graceEndsAt + claims.read_only_period_days * DAY_MS;
  const at = now.getTime();
  if (at < expiresAt) return phase('active', expiresAt, at);
  if (at < graceEndsAt) return phase('grace', graceEndsAt, at);
  if (at < readOnlyEndsAt) return phase('read_only', readOnlyEndsAt, at);
  return { status: 'locked', days_remaining: 0, phase_ends_at: null };
}

function phase(status: LicensePhase['status'], endsAt: number, at: number): LicensePhase {
  return { status, days_remaining: Math.ceil((endsAt - at) / DAY_MS), phase_ends_at: new Date(endsAt) };
}
