import { mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DAY_MS } from '@atlasai/license-core';
import { AUDIENCE, createTestSigner, ISSUER, licenseClaims, manualClock, memoryLogger, type TestSigner } from '../../../test/support/tenant-sdk-fixtures.js';
import { TenantLicense, type TenantLicenseOptions } from './tenant-license.js';
import { loadTrustedKeys, type TrustedKeys } from './trusted-keys.js';

const issuedAt = new Date('2026-02-14T00:00:00.000Z');
const later = (days: number) => new Date(issuedAt.getTime() + days * DAY_MS);

describe('TenantLicense.replace and the persisted license file', () => {
  let signer: TestSigner;
  let stranger: TestSigner;
  let keys: TrustedKeys;
  let original: string;
  let directory: string;
  let options: (overrides?: Partial<TenantLicenseOptions>) => TenantLicenseOptions;

  beforeAll(async () => {
    signer = await createTestSigner();
    stranger = await createTestSigner();
    keys = await loadTrustedKeys(signer.publicKeyPem);
    original = await signer.sign(licenseClaims(issuedAt));
  });

  beforeEach(() => {
    directory = mkdtempSync(join(tmpdir(), 'sdk-replace-'));
    options = (overrides = {}) => ({
      keys,
      issuer: ISSUER,
      audience: AUDIENCE,
      tpVersion: '1.3.0',
      token: original,
      licenseFile: join(directory, 'license.jwt'),
      stateFile: join(directory, 'license.state.json'),
      clock: manualClock(later(400)),
      logger: memoryLogger(),
      ...overrides,
    });
  });

  it('switches to a newer license at once, persists it atomically and keeps it across a restart', async () => {
    const license = await TenantLicense.load(options());
    expect(license.status().status).toBe('read_only');
    const renewedClaims = licenseClaims(later(399));
    const renewed = await signer.sign(renewedClaims);

    await expect(license.replace(renewed)).resolves.toEqual({
      accepted: true,
      unchanged: false,
      persisted: true,
      license_id: renewedClaims.jti,
      status: 'active',
      days_remaining: 364,
    });
    expect(license.describe().license).toMatchObject({ status: 'active', issued_at: later(399).toISOString() });
    expect(license.authorize({ method: 'POST', path: '/api/incidents' })).toEqual({ allow: true, licensed: true });
    expect(readFileSync(join(directory, 'license.jwt'), 'utf8')).toBe(`${renewed}\n`);
    expect(statSync(join(directory, 'license.jwt')).mode & 0o777).toBe(0o600);
    expect(readdirSync(directory).sort()).toEqual(['license.jwt', 'license.state.json']);

    const logger = memoryLogger();
    const restarted = await TenantLicense.load(options({ logger }));
    expect(restarted.describe().license.issued_at).toBe(later(399).toISOString());
    expect(logger.lines).toEqual(['[license] Loaded from file: status=active, days_remaining=364']);
  });

  it('answers the same license as unchanged, and refuses it when a renewal must be newer', async () => {
    const license = await TenantLicense.load(options());
    await expect(license.replace(original)).resolves.toMatchObject({ accepted: true, unchanged: true });
    await expect(license.replace(original, { requireNewer: true })).resolves.toMatchObject({ accepted: false, code: 'LICENSE_NOT_NEWER' });
  });

  it.each([
    ['signed by another key', async () => stranger.sign(licenseClaims(later(399))), 'LICENSE_INVALID', 'UNKNOWN_KID'],
    ['empty', async () => '', 'LICENSE_INVALID', 'MALFORMED'],
    ['truncated', async () => (await signer.sign(licenseClaims(later(399)))).slice(0, 50), 'LICENSE_INVALID', 'MALFORMED'],
    ['for another tenant', async () => signer.sign(licenseClaims(later(399), { tenant_id: 'globex' })), 'LICENSE_OTHER_TENANT', undefined],
    ['older than the current one', async () => signer.sign(licenseClaims(later(-30))), 'LICENSE_OLDER', undefined],
  ])('refuses a license %s and keeps running on the current one', async (_name, token, code, reason) => {
    const license = await TenantLicense.load(options());
    const before = license.describe();
    const result = await license.replace(await token());
    expect(result).toMatchObject({ accepted: false, code, ...(reason ? { reason } : {}) });
    expect(!result.accepted && result.message.length).toBeGreaterThan(20);
    expect(license.describe()).toEqual(before);
    expect(() => readFileSync(join(directory, 'license.jwt'))).toThrow();
  });

  it('remembers the newest license across restarts, so a stolen older file cannot roll the tenant back', async () => {
    const first = await TenantLicense.load(options());
    await first.replace(await signer.sign(licenseClaims(later(399))));
    const restartedOnOld = await TenantLicense.load(options({ licenseFile: join(directory, 'elsewhere.jwt') }));
    // The env still holds the original; an upload of a license older than the newest seen is refused.
    await expect(restartedOnOld.replace(await signer.sign(licenseClaims(later(200))))).resolves.toMatchObject({ accepted: false, code: 'LICENSE_OLDER' });
    await expect(restartedOnOld.replace(await signer.sign(licenseClaims(later(399), { tenant_id: 'globex' })))).resolves.toMatchObject({
      code: 'LICENSE_OTHER_TENANT',
    });
  });

  it('reports persisted: false when no license file is configured: the upload lasts until restart', async () => {
    const license = await TenantLicense.load(options({ licenseFile: undefined }));
    await expect(license.replace(await signer.sign(licenseClaims(later(399))))).resolves.toMatchObject({ accepted: true, unchanged: false, persisted: false });
    await expect(license.replace(original)).resolves.toMatchObject({ accepted: false, code: 'LICENSE_OLDER' });
    const envOnly = await TenantLicense.load(options({ licenseFile: undefined, stateFile: undefined }));
    await expect(envOnly.replace(original)).resolves.toMatchObject({ accepted: true, unchanged: true, persisted: false });
  });

  it('reports the same license as persisted only when the license file holds it', async () => {
    const license = await TenantLicense.load(options());
    await expect(license.replace(original)).resolves.toMatchObject({ accepted: true, unchanged: true, persisted: false });
    const renewed = await signer.sign(licenseClaims(later(399)));
    await license.replace(renewed);
    await expect(license.replace(renewed)).resolves.toMatchObject({ accepted: true, unchanged: true, persisted: true });
    await expect((await TenantLicense.load(options())).replace(renewed)).resolves.toMatchObject({ accepted: true, unchanged: true, persisted: true });
  });

  describe('rollback at startup', () => {
    it('refuses an older license put back into the license file after a newer one was accepted, and says why in the one load line', async () => {
      const first = await TenantLicense.load(options());
      const newer = await signer.sign(licenseClaims(later(399)));
      await first.replace(newer);
      writeFileSync(join(directory, 'license.jwt'), `${original}\n`);

      const logger = memoryLogger();
      const restarted = await TenantLicense.load(options({ logger }));
      expect(restarted.status()).toMatchObject({ status: 'invalid', valid: false, reason: 'LICENSE_OLDER' });
      expect(restarted.describe().license).toMatchObject({ status: 'invalid', valid: false, issued_at: null });
      expect(restarted.authorize({ method: 'GET', path: '/api/incidents' })).toMatchObject({ allow: false, code: 'LICENSE_INVALID' });
      expect(logger.lines).toHaveLength(1);
      expect(logger.lines[0]).toMatch(
        /^\[license\] Loaded from file: status=invalid, reason=LICENSE_OLDER \(.*issued 2026-02-14T00:00:00\.000Z.*2027-03-20T00:00:00\.000Z.*\)$/,
      );

      // Uploading the newest license again fixes it without a restart.
      await expect(restarted.replace(newer)).resolves.toMatchObject({ accepted: true, status: 'active' });
    });

    it('refuses an older env token when no license file is configured but the state remembers a newer one', async () => {
      const stateOnly = { licenseFile: undefined };
      const first = await TenantLicense.load(options({ ...stateOnly, token: await signer.sign(licenseClaims(later(399))) }));
      expect(first.status().status).toBe('active');
      const logger = memoryLogger();
      const restarted = await TenantLicense.load(options({ ...stateOnly, logger }));
      expect(restarted.status()).toMatchObject({ status: 'invalid', reason: 'LICENSE_OLDER' });
      expect(logger.lines[0]).toMatch(/^\[license\] Loaded from env: status=invalid, reason=LICENSE_OLDER \(/);
    });

    it('keeps the newer file license without a note when only the env token is stale', async () => {
      const first = await TenantLicense.load(options());
      await first.replace(await signer.sign(licenseClaims(later(399))));
      const logger = memoryLogger();
      await TenantLicense.load(options({ logger }));
      expect(logger.lines).toEqual(['[license] Loaded from file: status=active, days_remaining=364']);
    });

    it('refuses a token for another tenant than the one recorded in the state', async () => {
      await TenantLicense.load(options());
      const logger = memoryLogger();
      const restarted = await TenantLicense.load(options({ token: await signer.sign(licenseClaims(later(399), { tenant_id: 'globex' })), logger }));
      expect(restarted.status()).toMatchObject({ status: 'invalid', reason: 'LICENSE_OTHER_TENANT' });
      expect(logger.lines[0]).toMatch(/^\[license\] Loaded from env: status=invalid, reason=LICENSE_OTHER_TENANT \(.*"globex".*"acme".*\)$/);
    });
  });

  it('serializes concurrent replacements: the newest wins and an older one arriving second is refused', async () => {
    const license = await TenantLicense.load(options());
    const newer = await signer.sign(licenseClaims(later(399)));
    const older = await signer.sign(licenseClaims(later(398)));
    const [a, b] = await Promise.all([license.replace(newer), license.replace(older)]);
    expect(a).toMatchObject({ accepted: true });
    expect(b).toMatchObject({ accepted: false, code: 'LICENSE_OLDER' });
    expect(readFileSync(join(directory, 'license.jwt'), 'utf8').trim()).toBe(newer);
  });

  it('keeps the new license in memory and says so when the file cannot be written', async () => {
    const blocker = join(directory, 'not-a-directory');
    writeFileSync(blocker, 'x');
    const license = await TenantLicense.load(options({ licenseFile: join(blocker, 'license.jwt') }));
    const result = await license.replace(await signer.sign(licenseClaims(later(399))));
    expect(result).toMatchObject({ accepted: true, persisted: false });
    expect(license.status().status).toBe('active');
  });

  describe('a damaged license file at startup', () => {
    it('falls back to the env license when the file is half-written, and says so in the one load line', async () => {
      const renewed = await signer.sign(licenseClaims(later(399)));
      writeFileSync(join(directory, 'license.jwt'), renewed.slice(0, renewed.length / 2));
      const logger = memoryLogger();
      const license = await TenantLicense.load(options({ logger }));
      expect(license.status().status).toBe('read_only');
      expect(license.token).toBe(original);
      expect(license.describe().license).toMatchObject({ status: 'read_only', valid: true });
      expect(logger.lines).toEqual(['[license] Loaded from env: status=read_only, days_remaining=25 (file license ignored: MALFORMED)']);
    });

    it('falls back to the env license when the file cannot be read', async () => {
      mkdirSync(join(directory, 'license.jwt'));
      const logger = memoryLogger();
      const license = await TenantLicense.load(options({ logger }));
      expect(license.status().status).toBe('read_only');
      expect(logger.lines).toEqual([
        `[license] Loaded from env: status=read_only, days_remaining=25 (license file ${join(directory, 'license.jwt')} ignored: unreadable (EISDIR))`,
      ]);
    });

    it('reports invalid, not active, when the file is the only source and it is half-written or unreadable', async () => {
      const renewed = await signer.sign(licenseClaims(later(399)));
      writeFileSync(join(directory, 'license.jwt'), renewed.slice(0, -20));
      const logger = memoryLogger();
      const halfWritten = await TenantLicense.load(options({ token: undefined, logger }));
      expect(halfWritten.status()).toMatchObject({ status: 'invalid', reason: 'BAD_SIGNATURE' });
      expect(logger.lines).toEqual(['[license] Loaded from file: status=invalid, reason=BAD_SIGNATURE']);
      expect(halfWritten.authorize({ method: 'GET', path: '/api/incidents' })).toMatchObject({ allow: false, code: 'LICENSE_INVALID' });

      writeFileSync(join(directory, 'license.jwt'), '');
      const empty = await TenantLicense.load(options({ token: undefined }));
      expect(empty.status()).toMatchObject({ status: 'invalid', reason: 'UNREADABLE', message: expect.stringContaining('is empty') });
      // An upload fixes it without a restart.
      await expect(empty.replace(renewed)).resolves.toMatchObject({ accepted: true, status: 'active' });
    });

    it('survives a damaged state file with a warning and starts a new high-water mark', async () => {
      writeFileSync(join(directory, 'license.state.json'), '{"version":1,"observed_');
      const logger = memoryLogger();
      const license = await TenantLicense.load(options({ logger }));
      expect(license.status().status).toBe('read_only');
      expect(logger.lines[0]).toContain('is damaged; starting a new high-water mark');
      expect(JSON.parse(readFileSync(join(directory, 'license.state.json'), 'utf8'))).toMatchObject({ version: 1, tenant_id: 'acme' });
    });
  });
});
