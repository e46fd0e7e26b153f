import type { LicenseClaims, LicenseStatus } from '@atlasai/license-core';

/** The body of the tenant plane's `GET /api/admin/license` (seed 000), field for field. */
export interface LicenseDescription {
  licensed_deployment: boolean;
  offline_mode: boolean;
  tp_version: string;
  cp_license_public_key_configured: boolean;
  license: {
    status: LicenseStatus;
    valid: boolean;
    plan_id: string | null;
    plan_name: string | null;
    deployment_mode: LicenseClaims['deployment_mode'] | null;
    days_remaining: number;
    expires_at: string | null;
    issued_at: string | null;
    active_addons: string[];
    last_phone_home: string | null;
    key_hint: string | null;
  };
}

/** What the UI shows on every page: nothing, a yellow warning with the days left, or a red lock. */
export interface LicenseBanner {
  level: 'none' | 'yellow' | 'red';
  status: LicenseStatus;
  days_remaining: number;
  message: string | null;
}

export interface DescribeInput {
  token: string | undefined;
  status: LicenseStatus;
  /** Present only for a verified token: an unverified one proves nothing about plan or dates. */
  claims: LicenseClaims | undefined;
  daysRemaining: number;
  offlineMode: boolean;
  tpVersion: string;
  publicKeyConfigured: boolean;
  lastPhoneHome: string | null;
}

export function describeLicense(input: DescribeInput): LicenseDescription {
  const { claims } = input;
  return {
    licensed_deployment: input.token !== undefined,
    offline_mode: input.offlineMode || claims?.deployment_mode === 'on_prem',
    tp_version: input.tpVersion,
    cp_license_public_key_configured: input.publicKeyConfigured,
    license: {
      status: input.status,
      valid: claims !== undefined,
      plan_id: claims?.plan_id ?? null,
      plan_name: claims?.plan_name ?? null,
      deployment_mode: claims?.deployment_mode ?? null,
      days_remaining: input.daysRemaining,
      expires_at: claims ? new Date(claims.exp * 1000).toISOString() : null,
      issued_at: claims ? new Date(claims.iat * 1000).toISOString() : null,
      active_addons: claims ? [...claims.addons] : [],
      last_phone_home: input.lastPhoneHome,
      key_hint: input.token === undefined ? null : keyHint(input.token),
    },
  };
}

/** The seed's `eyJhbGciOiJSUzI...` plus the last characters of the signature, so two tokens can be told apart. */
export function keyHint(token: string): string {
  return token.length <= 24 ? '...' : `${token.slice(0, 15)}...${token.slice(-6)}`;
}

export function licenseBanner(status: LicenseStatus, daysRemaining: number, reason?: string): LicenseBanner {
  const days = `${daysRemaining} day${daysRemaining === 1 ? '' : 's'}`;
  switch (status) {
    case 'active':
      return { level: 'none', status, days_remaining: daysRemaining, message: null };
    case 'grace':
      return {
        level: 'yellow',
        status,
        days_remaining: daysRemaining,
        message: `License expired: read-only grace period, ${days} left. Writes are blocked; upload a new license.`,
      };
    case 'read_only':
      return {
        level: 'yellow',
        status,
        days_remaining: daysRemaining,
        message: `License expired: read-only access, ${days} left before the tenant plane locks. Upload a new license urgently.`,
      };
    case 'locked':
      return { level: 'red', status, days_remaining: 0, message: 'License locked: all grace periods have expired. Upload a new license or contact support.' };
    case 'invalid':
      return {
        level: 'red',
        status,
        days_remaining: 0,
        message: `License invalid${reason ? ` (${reason})` : ''}: upload a valid license or check CP_LICENSE_PUBLIC_KEY.`,
      };
  }
}
