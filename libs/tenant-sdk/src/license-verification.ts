import { verifyLicenseToken, type LicenseClaims, type LicenseInvalidReason } from '@atlasai/license-core';
import type { TrustedKeys } from './trusted-keys.js';

export type TenantInvalidReason = LicenseInvalidReason | 'FINGERPRINT_MISMATCH';

export type TenantVerification = { valid: true; claims: LicenseClaims; kid: string } | { valid: false; reason: TenantInvalidReason; message: string };

export interface TenantVerifyOptions {
  keys: TrustedKeys;
  issuer: string;
  audience: string;
  /** The time to judge `nbf` and `iat` against: the later of the wall clock and the high-water mark. */
  now: Date;
  /** How far in the future `iat` and `nbf` may be before the token is invalid (clock skew between CP and TP). */
  skewSeconds: number;
  /** This machine's locking code; a token bound to another code is invalid. */
  fingerprint?: string;
}

/**
 * Tenant-side verification: RS256 pinned, issuer and audience checked, expiry deliberately ignored
 * (the phase is computed afterwards), a future `iat` refused, and the machine lock enforced.
 */
export async function verifyTenantLicense(token: string, options: TenantVerifyOptions): Promise<TenantVerification> {
  const result = await verifyLicenseToken(token, {
    keys: options.keys.resolve,
    issuer: options.issuer,
    audience: options.audience,
    now: options.now,
    clockToleranceSeconds: options.skewSeconds,
  });
  if (!result.valid) return { valid: false, reason: result.reason, message: result.message };
  const bound = result.claims.fingerprint;
  if (bound !== undefined && bound !== options.fingerprint) {
    return {
      valid: false,
      reason: 'FINGERPRINT_MISMATCH',
      message: 'The license is locked to another machine. Run `licensectl fingerprint` on this server and request a license for its locking code.',
    };
  }
  return result;
}
