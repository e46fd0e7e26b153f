import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DAY_MS } from '@atlasai/license-core';
import {
  AUDIENCE,
  createTestSigner,
  ISSUER,
  licenseClaims,
  manualClock,
  memoryLogger,
  SEED_RESPONSE,
  type TestSigner,
} from '../../../test/support/tenant-sdk-fixtures.js';
import { TenantLicense, type TenantLicenseOptions } from './tenant-license.js';
import { loadTrustedKeys } from './trusted-keys.js';

const issuedAt = new Date('2026-02-14T00:00:00.000Z');
const expiresAt = new Date(issuedAt.getTime() + 365 * DAY_MS);

type Verdict = 'allow' | string;
const requests: [string, string][] = [
  ['GET', '/api/incidents'],
  ['POST', '/api/incidents'],
  ['DELETE', '/api/incidents/42'],
  ['GET', '/api/health'],
  ['PUT', '/api/admin/license'],
];

describe('one license through active, grace, read_only and locked', () => {
  let signer: TestSigner;
  let token: string;
  let base: () => Omit<TenantLicenseOptions, 'clock'>;

  beforeAll(async () => {
    signer = await createTestSigner();
    token = await signer.sign(licenseClaims(issuedAt, { addons: ['automation_pro'] }));
    const keys = await loadTrustedKeys(signer.publicKeyPem);
    base = () => ({ keys, issuer: ISSUER, audience: AUDIENCE, tpVersion: '1.3.0', token, logger: memoryLogger() });
  });

  function verdicts(license: TenantLicense): Record<string, Verdict> {
    return Object.fromEntries(
      requests.map(([method, path]) => {
        const decision = license.authorize({ method, path });
        return [`${method} ${path}`, decision.allow ? 'allow' : decision.code];
      }),
    );
  }

  it.each([
    ['the day it is issued', 0, 'active', 365, 'none', ['allow', 'allow', 'allow', 'allow', 'allow']],
    ['one millisecond before exp', 365 * DAY_MS - 1, 'active', 1, 'none', ['allow', 'allow', 'allow', 'allow', 'allow']],
    ['exactly at exp', 365 * DAY_MS, 'grace', 30, 'yellow', ['allow', 'LICENSE_GRACE_READ_ONLY', 'LICENSE_GRACE_READ_ONLY', 'allow', 'allow']],
    [
      'the last millisecond of grace',
      395 * DAY_MS - 1,
      'grace',
      1,
      'yellow',
      ['allow', 'LICENSE_GRACE_READ_ONLY', 'LICENSE_GRACE_READ_ONLY', 'allow', 'allow'],
    ],
    ['exactly 30 days after exp', 395 * DAY_MS, 'read_only', 30, 'yellow', ['allow', 'LICENSE_READ_ONLY', 'LICENSE_READ_ONLY', 'allow', 'allow']],
    ['the last millisecond of read-only', 425 * DAY_MS - 1, 'read_only', 1, 'yellow', ['allow', 'LICENSE_READ_ONLY', 'LICENSE_READ_ONLY', 'allow', 'allow']],
    ['exactly 60 days after exp', 425 * DAY_MS, 'locked', 0, 'red', ['LICENSE_LOCKED', 'LICENSE_LOCKED', 'LICENSE_LOCKED', 'allow', 'allow']],
    ['years later', 4000 * DAY_MS, 'locked', 0, 'red', ['LICENSE_LOCKED', 'LICENSE_LOCKED', 'LICENSE_LOCKED', 'allow', 'allow']],
  ])('%s (+%i ms) it is %s with %i days left', async (_when, offset, status, days, banner, expected) => {
    const clock = manualClock(issuedAt);
    const license = await TenantLicense.load({ ...base(), clock });
    clock.advance(offset as number);
    expect(license.status()).toMatchObject({ status, days_remaining: days });
    expect(license.banner()).toMatchObject({ level: banner, status, days_remaining: days });
    expect(Object.values(verdicts(license))).toEqual(expected);
    expect(license.describe().license).toMatchObject({ status, valid: true, days_remaining: days });
  });

  it('walks the phases on one instance without reloading, as a running tenant plane does', async () => {
    const clock = manualClock(issuedAt);
    const license = await TenantLicense.load({ ...base(), clock });
    const seen: string[] = [];
    for (const at of [0, 365, 395, 425]) {
      clock.set(issuedAt.getTime() + at * DAY_MS);
      seen.push(`${license.status().status}:${verdicts(license)['POST /api/incidents']}`);
    }
    expect(seen).toEqual(['active:allow', 'grace:LICENSE_GRACE_READ_ONLY', 'read_only:LICENSE_READ_ONLY', 'locked:LICENSE_LOCKED']);
  });

  it('describes itself exactly like the seed GET /api/admin/license', async () => {
    const license = await TenantLicense.load({ ...base(), offlineMode: true, clock: manualClock(new Date(issuedAt.getTime() + 53 * DAY_MS)) });
    // The seed's example, for a BYOC license, with the hint's tail (the seed elides it).
    expect(license.describe()).toStrictEqual({
      ...SEED_RESPONSE,
      license: { ...SEED_RESPONSE.license, deployment_mode: 'byoc', key_hint: `eyJhbGciOiJSUzI...${token.slice(-6)}` },
    });
    expect(expiresAt.toISOString()).toBe('2027-02-14T00:00:00.000Z');
  });

  it('logs exactly one line at load, with status and days, never the token', async () => {
    const logger = memoryLogger();
    await TenantLicense.load({ ...base(), logger, clock: manualClock(issuedAt) });
    expect(logger.lines).toEqual(['[license] Loaded from env: status=active, days_remaining=365']);
  });

  it('without a license or a public key only health and the license upload work', async () => {
    const logger = memoryLogger();
    const missing = await TenantLicense.load({ ...base(), token: undefined, logger, clock: manualClock(issuedAt) });
    expect(logger.lines).toEqual(['[license] No license configured: status=invalid, days_remaining=0']);
    expect(Object.values(verdicts(missing))).toEqual(['LICENSE_REQUIRED', 'LICENSE_REQUIRED', 'LICENSE_REQUIRED', 'allow', 'allow']);
    expect(missing.describe()).toMatchObject({ licensed_deployment: false, license: { status: 'invalid', valid: false, plan_id: null, key_hint: null } });
    expect(missing.banner()).toMatchObject({ level: 'red', status: 'invalid' });

    const noKey = await TenantLicense.load({ ...base(), keys: undefined, clock: manualClock(issuedAt) });
    expect(noKey.describe()).toMatchObject({ cp_license_public_key_configured: false, license: { status: 'invalid', valid: false, expires_at: null } });
    expect(Object.values(verdicts(noKey))).toEqual(['LICENSE_INVALID', 'LICENSE_INVALID', 'LICENSE_INVALID', 'allow', 'allow']);
  });

  it('does not revive an expired license when the system clock is set back, even across a restart', async () => {
    const stateFile = join(mkdtempSync(join(tmpdir(), 'sdk-hwm-')), 'license.state.json');
    const clock = manualClock(new Date(issuedAt.getTime() + 400 * DAY_MS));
    const license = await TenantLicense.load({ ...base(), stateFile, clock });
    expect(license.status().status).toBe('read_only');
    clock.set(issuedAt.getTime() + 10 * DAY_MS);
    expect(license.status()).toMatchObject({ status: 'read_only', days_remaining: 25 });

    const restarted = await TenantLicense.load({ ...base(), stateFile, clock });
    expect(restarted.status()).toMatchObject({ status: 'read_only', days_remaining: 25 });
    expect(JSON.parse(readFileSync(stateFile, 'utf8'))).toMatchObject({
      observed_at: new Date(issuedAt.getTime() + 400 * DAY_MS).toISOString(),
      tenant_id: 'acme',
    });
  });

  it('calls a license invalid when the clock is set back before its iat, rather than extending it', async () => {
    const license = await TenantLicense.load({ ...base(), clock: manualClock(new Date(issuedAt.getTime() - 200 * DAY_MS)) });
    expect(license.status()).toMatchObject({ status: 'invalid', reason: 'NOT_YET_VALID' });
  });
});
