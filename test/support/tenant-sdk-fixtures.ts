import { createPrivateKey, createPublicKey, randomUUID, type KeyObject } from 'node:crypto';
import { keyIdOf, signLicenseToken, type LicenseClaims } from '@atlasai/license-core';
import type { SdkLogger } from '@atlasai/tenant-sdk';
import { generateTestPrivateKeyPem } from './test-keys.js';

export const ISSUER = 'https://cp.test.local';
export const AUDIENCE = 'atlasai-tenant-plane';

/** A CP-like signer with a fresh key: signs tokens the way the control plane does. */
export interface TestSigner {
  privateKey: KeyObject;
  publicKeyPem: string;
  kid: string;
  sign(claims: LicenseClaims): Promise<string>;
}

export async function createTestSigner(): Promise<TestSigner> {
  const privateKey = createPrivateKey(generateTestPrivateKeyPem());
  const kid = await keyIdOf(privateKey);
  return {
    privateKey,
    publicKeyPem: createPublicKey(privateKey).export({ type: 'spki', format: 'pem' }).toString(),
    kid,
    sign: (claims) => signLicenseToken(claims, privateKey, kid),
  };
}

/** The claims of a 365-day BYOC license for `acme` issued at `issuedAt`. */
export function licenseClaims(issuedAt: Date, overrides: Partial<LicenseClaims> = {}): LicenseClaims {
  const iat = Math.floor(issuedAt.getTime() / 1000);
  return {
    iss: ISSUER,
    aud: AUDIENCE,
    sub: overrides.tenant_id ?? 'acme',
    tenant_id: 'acme',
    jti: randomUUID(),
    iat,
    nbf: iat,
    exp: iat + 365 * 86_400,
    plan_id: 'operations',
    plan_name: 'Operations',
    limits: { users: 100, data_volume_gb: 500, ai_credits: 10_000, retention_days: 365 },
    modules: ['itsm', 'compliance', 'automation'],
    addons: ['automation_pro'],
    deployment_mode: 'byoc',
    grace_period_days: 30,
    read_only_period_days: 30,
    ...overrides,
  };
}

/** A logger that keeps its lines, so tests can assert on them (and on what is never logged). */
export function memoryLogger(): SdkLogger & { lines: string[] } {
  const lines: string[] = [];
  return { lines, info: (line) => lines.push(line), warn: (line) => lines.push(line) };
}

/** A clock the test moves by hand. */
export function manualClock(start: Date | string) {
  let current = new Date(start).getTime();
  return {
    now: () => new Date(current),
    set: (at: Date | string | number) => (current = new Date(at).getTime()),
    advance: (ms: number) => (current += ms),
  };
}

/** The example response of the tenant plane's GET /api/admin/license in seed 000, verbatim. */
export const SEED_RESPONSE = {
  licensed_deployment: true,
  offline_mode: true,
  tp_version: '1.3.0',
  cp_license_public_key_configured: true,
  license: {
    status: 'active',
    valid: true,
    plan_id: 'operations',
    plan_name: 'Operations',
    deployment_mode: 'on_prem',
    days_remaining: 312,
    expires_at: '2027-02-14T00:00:00.000Z',
    issued_at: '2026-02-14T00:00:00.000Z',
    active_addons: ['automation_pro'],
    last_phone_home: null,
    key_hint: 'eyJhbGciOiJSUzI...',
  },
};
