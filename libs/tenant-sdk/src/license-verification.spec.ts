import { createHmac } from 'node:crypto';
import { SignJWT, UnsecuredJWT } from 'jose';
import { publicJwkOf, signLicenseToken } from '@atlasai/license-core';
import { AUDIENCE, createTestSigner, ISSUER, licenseClaims, type TestSigner } from '../../../test/support/tenant-sdk-fixtures.js';
import { verifyTenantLicense, type TenantVerifyOptions } from './license-verification.js';
import { loadTrustedKeys, type TrustedKeys } from './trusted-keys.js';

const now = new Date('2026-11-24T12:00:00Z');

describe('verifyTenantLicense (bad input)', () => {
  let signer: TestSigner;
  let stranger: TestSigner;
  let keys: TrustedKeys;
  const options = (overrides: Partial<TenantVerifyOptions> = {}): TenantVerifyOptions => ({
    keys,
    issuer: ISSUER,
    audience: AUDIENCE,
    now,
    skewSeconds: 300,
    ...overrides,
  });

  beforeAll(async () => {
    signer = await createTestSigner();
    stranger = await createTestSigner();
    keys = await loadTrustedKeys(signer.publicKeyPem);
  });

  it('accepts a token of the CP, even one that expired long ago (expiry is a phase, not a failure)', async () => {
    const claims = licenseClaims(new Date('2020-01-01T00:00:00Z'));
    await expect(verifyTenantLicense(await signer.sign(claims), options())).resolves.toEqual({ valid: true, claims, kid: signer.kid });
  });

  it.each([
    ['an empty token', () => '', 'MALFORMED'],
    ['a truncated token', async () => (await signer.sign(licenseClaims(now))).slice(0, 120), 'MALFORMED'],
    ['a token cut inside its signature', async () => (await signer.sign(licenseClaims(now))).slice(0, -10), 'BAD_SIGNATURE'],
  ])('reports %s as %s', async (_name, token, reason) => {
    await expect(verifyTenantLicense(await token(), options())).resolves.toMatchObject({ valid: false, reason });
  });

  it('refuses a token signed by another key, with or without a spoofed kid', async () => {
    await expect(verifyTenantLicense(await stranger.sign(licenseClaims(now)), options())).resolves.toMatchObject({ valid: false, reason: 'UNKNOWN_KID' });
    const spoofed = await signLicenseToken(licenseClaims(now), stranger.privateKey, signer.kid);
    await expect(verifyTenantLicense(spoofed, options())).resolves.toMatchObject({ valid: false, reason: 'BAD_SIGNATURE' });
  });

  it('refuses a token without kid, though only one key is configured (as the CP does)', async () => {
    const noKid = await new SignJWT({ ...licenseClaims(now) }).setProtectedHeader({ alg: 'RS256', typ: 'JWT' }).sign(signer.privateKey);
    await expect(verifyTenantLicense(noKid, options())).resolves.toMatchObject({ valid: false, reason: 'UNKNOWN_KID' });
  });

  it('refuses alg none', async () => {
    const token = new UnsecuredJWT({ ...licenseClaims(now) }).encode();
    await expect(verifyTenantLicense(token, options())).resolves.toMatchObject({ valid: false, reason: 'ALGORITHM_NOT_ALLOWED' });
  });

  it('refuses HS256 signed with the public key as the secret, however the header is dressed', async () => {
    const secret = new TextEncoder().encode(signer.publicKeyPem);
    const hs256 = await new SignJWT({ ...licenseClaims(now) }).setProtectedHeader({ alg: 'HS256', kid: signer.kid }).sign(secret);
    await expect(verifyTenantLicense(hs256, options())).resolves.toMatchObject({ valid: false, reason: 'ALGORITHM_NOT_ALLOWED' });
    const header = Buffer.from(JSON.stringify({ alg: 'RS256', kid: signer.kid })).toString('base64url');
    const body = Buffer.from(JSON.stringify(licenseClaims(now))).toString('base64url');
    const mac = createHmac('sha256', signer.publicKeyPem).update(`${header}.${body}`).digest('base64url');
    await expect(verifyTenantLicense(`${header}.${body}.${mac}`, options())).resolves.toMatchObject({ valid: false, reason: 'BAD_SIGNATURE' });
  });

  it('refuses a token whose kid is not in the configured JWKS', async () => {
    const jwks = await loadTrustedKeys(JSON.stringify({ keys: [{ ...(await publicJwkOf(signer.privateKey)), kid: 'rotated-away' }] }));
    await expect(verifyTenantLicense(await signer.sign(licenseClaims(now)), options({ keys: jwks }))).resolves.toMatchObject({
      valid: false,
      reason: 'UNKNOWN_KID',
      message: expect.stringContaining(signer.kid),
    });
  });

  it('refuses claims without tenant_id or with a negative limit, naming the field', async () => {
    const { tenant_id: _dropped, ...withoutTenant } = licenseClaims(now);
    const noTenant = await new SignJWT(withoutTenant).setProtectedHeader({ alg: 'RS256', kid: signer.kid }).sign(signer.privateKey);
    await expect(verifyTenantLicense(noTenant, options())).resolves.toMatchObject({
      valid: false,
      reason: 'CLAIMS_INVALID',
      message: expect.stringContaining('tenant_id'),
    });
    const negative = await signer.sign(licenseClaims(now, { limits: { users: -5, data_volume_gb: 1, ai_credits: null, retention_days: 30 } }));
    await expect(verifyTenantLicense(negative, options())).resolves.toMatchObject({
      valid: false,
      reason: 'CLAIMS_INVALID',
      message: expect.stringContaining('limits.users'),
    });
  });

  it('refuses the wrong issuer or audience', async () => {
    await expect(verifyTenantLicense(await signer.sign(licenseClaims(now, { iss: 'https://evil' })), options())).resolves.toMatchObject({
      reason: 'WRONG_ISSUER',
    });
    await expect(verifyTenantLicense(await signer.sign(licenseClaims(now, { aud: 'other' })), options())).resolves.toMatchObject({ reason: 'WRONG_AUDIENCE' });
  });

  it('is invalid when iat is further in the future than the configured skew, and fine within it', async () => {
    const within = licenseClaims(new Date(now.getTime() + 299_000));
    await expect(verifyTenantLicense(await signer.sign(within), options())).resolves.toMatchObject({ valid: true });
    // nbf is now: only iat is in the future.
    const beyond = { ...licenseClaims(new Date(now.getTime() + 301_000)), nbf: Math.floor(now.getTime() / 1000) };
    await expect(verifyTenantLicense(await signer.sign(beyond), options())).resolves.toMatchObject({ valid: false, reason: 'ISSUED_IN_FUTURE' });
    await expect(verifyTenantLicense(await signer.sign(beyond), options({ skewSeconds: 0 }))).resolves.toMatchObject({ valid: false });
  });

  it('is invalid with FINGERPRINT_MISMATCH on another machine, and valid on the one it is locked to', async () => {
    const locked = await signer.sign(licenseClaims(now, { fingerprint: 'a'.repeat(64) }));
    await expect(verifyTenantLicense(locked, options({ fingerprint: 'a'.repeat(64) }))).resolves.toMatchObject({ valid: true });
    await expect(verifyTenantLicense(locked, options({ fingerprint: 'b'.repeat(64) }))).resolves.toMatchObject({
      valid: false,
      reason: 'FINGERPRINT_MISMATCH',
    });
    await expect(verifyTenantLicense(locked, options())).resolves.toMatchObject({ valid: false, reason: 'FINGERPRINT_MISMATCH' });
  });
});
