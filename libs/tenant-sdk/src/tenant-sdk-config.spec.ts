import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { publicJwkOf } from '@atlasai/license-core';
import { createTestSigner, ISSUER, licenseClaims, manualClock, memoryLogger, type TestSigner } from '../../../test/support/tenant-sdk-fixtures.js';
import { createTenantLicensing, TenantLicenseConfigError } from './tenant-sdk-config.js';
import { TrustedKeyError } from './trusted-keys.js';

const now = new Date('2026-11-24T12:00:00.000Z');
const NO_STATE_FILE_WARNING =
  '[license] Neither ATLASAI_LICENSE_STATE_FILE nor ATLASAI_LICENSE_FILE is set: the clock-rollback high-water mark and the newest license seen are kept in memory only and are lost on restart';

describe('createTenantLicensing (environment)', () => {
  let signer: TestSigner;
  let token: string;

  beforeAll(async () => {
    signer = await createTestSigner();
    token = await signer.sign(licenseClaims(now));
  });

  const create = (env: Record<string, string>, logger = memoryLogger()) =>
    createTenantLicensing({ env: { LICENSE_ISSUER: ISSUER, ...env }, tpVersion: '1.3.0', clock: manualClock(now), logger });

  it('loads ATLASAI_LICENSE_KEY with CP_LICENSE_PUBLIC_KEY and logs the seed line', async () => {
    const logger = memoryLogger();
    const { license, phoneHome, fingerprint } = await create({ ATLASAI_LICENSE_KEY: token, CP_LICENSE_PUBLIC_KEY: signer.publicKeyPem }, logger);
    expect(logger.lines).toEqual(['[license] Loaded from env: status=active, days_remaining=365', NO_STATE_FILE_WARNING]);
    expect(license.describe()).toMatchObject({ offline_mode: false, cp_license_public_key_configured: true, license: { status: 'active' } });
    expect(phoneHome).toBeUndefined();
    expect(fingerprint).toMatch(/^[0-9a-f]{64}$/);
  });

  it('warns once at load when no state file is configured, and not when one is (directly or next to the license file)', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'sdk-env-'));
    const env = { ATLASAI_LICENSE_KEY: token, CP_LICENSE_PUBLIC_KEY: signer.publicKeyPem };
    const memoryOnly = memoryLogger();
    await create(env, memoryOnly);
    expect(memoryOnly.lines.filter((line) => line === NO_STATE_FILE_WARNING)).toHaveLength(1);
    const withState = memoryLogger();
    await create({ ...env, ATLASAI_LICENSE_STATE_FILE: join(directory, 'state.json') }, withState);
    expect(withState.lines).toEqual(['[license] Loaded from env: status=active, days_remaining=365']);
    const withLicenseFile = memoryLogger();
    await create({ ...env, ATLASAI_LICENSE_FILE: join(directory, 'license.jwt') }, withLicenseFile);
    expect(withLicenseFile.lines).toEqual(['[license] Loaded from env: status=active, days_remaining=365']);
  });

  it('accepts a JWKS file, creates the phone-home client only when a CP URL is set and not offline', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'sdk-env-')), 'jwks.json');
    writeFileSync(file, JSON.stringify({ keys: [{ ...(await publicJwkOf(signer.privateKey)), kid: signer.kid }] }));
    const online = await create({ ATLASAI_LICENSE_KEY: token, CP_LICENSE_PUBLIC_KEY_FILE: file, ATLASAI_CP_URL: 'https://cp.example' });
    expect(online.license.status().status).toBe('active');
    expect(online.phoneHome).toBeDefined();
    const offline = await create({
      ATLASAI_LICENSE_KEY: token,
      CP_LICENSE_PUBLIC_KEY_FILE: file,
      ATLASAI_CP_URL: 'https://cp.example',
      ATLASAI_OFFLINE_MODE: '1',
    });
    expect(offline.phoneHome).toBeUndefined();
    expect(offline.license.describe().offline_mode).toBe(true);
  });

  it('refuses a plain-http ATLASAI_CP_URL off loopback unless ATLASAI_CP_ALLOW_INSECURE_HTTP=1', async () => {
    await expect(create({ ATLASAI_CP_URL: 'http://cp.example' })).rejects.toThrow(TenantLicenseConfigError);
    await expect(create({ ATLASAI_CP_URL: 'http://cp.example' })).rejects.toThrow(/^ATLASAI_CP_URL: .*plain http.*https.*ATLASAI_CP_ALLOW_INSECURE_HTTP=1/);
    expect((await create({ ATLASAI_CP_URL: 'http://cp.example', ATLASAI_CP_ALLOW_INSECURE_HTTP: '1' })).phoneHome).toBeDefined();
    expect((await create({ ATLASAI_CP_URL: 'http://127.0.0.1:3000' })).phoneHome).toBeDefined();
  });

  it("warns in Kubernetes when the locking code comes from the pod's hardware, not with ATLASAI_MACHINE_ID", async () => {
    const env = { ATLASAI_LICENSE_KEY: token, CP_LICENSE_PUBLIC_KEY: signer.publicKeyPem, KUBERNETES_SERVICE_HOST: '10.0.0.1' };
    const hardware = memoryLogger();
    await create(env, hardware);
    expect(hardware.lines.filter((line) => line.startsWith('[license] Running in Kubernetes without ATLASAI_MACHINE_ID'))).toHaveLength(1);
    const operatorId = memoryLogger();
    await create({ ...env, ATLASAI_MACHINE_ID: 'acme-prod-1' }, operatorId);
    expect(operatorId.lines.filter((line) => line.includes('ATLASAI_MACHINE_ID'))).toEqual([]);
  });

  it('binds to ATLASAI_MACHINE_ID: a license locked to another code is invalid', async () => {
    const machine = await create({ ATLASAI_MACHINE_ID: 'node-a', CP_LICENSE_PUBLIC_KEY: signer.publicKeyPem });
    const locked = await signer.sign(licenseClaims(now, { fingerprint: machine.fingerprint }));
    expect(
      (await create({ ATLASAI_MACHINE_ID: 'node-a', CP_LICENSE_PUBLIC_KEY: signer.publicKeyPem, ATLASAI_LICENSE_KEY: locked })).license.status().status,
    ).toBe('active');
    const elsewhere = await create({ ATLASAI_MACHINE_ID: 'node-b', CP_LICENSE_PUBLIC_KEY: signer.publicKeyPem, ATLASAI_LICENSE_KEY: locked });
    expect(elsewhere.license.status()).toMatchObject({ status: 'invalid', reason: 'FINGERPRINT_MISMATCH' });
  });

  it('stops with every offending variable named', async () => {
    const attempt = create({ ATLASAI_OFFLINE_MODE: 'yes', LICENSE_PHONE_HOME_INTERVAL_MS: '10', ATLASAI_CP_URL: 'ftp://cp' });
    await expect(attempt).rejects.toThrow(TenantLicenseConfigError);
    await expect(create({ ATLASAI_OFFLINE_MODE: 'yes', LICENSE_PHONE_HOME_INTERVAL_MS: '10', ATLASAI_CP_URL: 'ftp://cp' })).rejects.toThrow(
      /ATLASAI_OFFLINE_MODE[\s\S]*ATLASAI_CP_URL[\s\S]*LICENSE_PHONE_HOME_INTERVAL_MS|ATLASAI_OFFLINE_MODE[\s\S]*LICENSE_PHONE_HOME_INTERVAL_MS[\s\S]*ATLASAI_CP_URL/,
    );
  });

  it('refuses a private key given as CP_LICENSE_PUBLIC_KEY, and two key sources at once', async () => {
    const privatePem = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    await expect(create({ CP_LICENSE_PUBLIC_KEY: privatePem })).rejects.toThrow(TrustedKeyError);
    await expect(create({ CP_LICENSE_PUBLIC_KEY: signer.publicKeyPem, CP_LICENSE_PUBLIC_KEY_FILE: '/x' })).rejects.toThrow(/both set/);
  });
});
