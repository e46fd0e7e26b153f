import { createHmac, generateKeyPairSync, randomUUID } from 'node:crypto';
import { SignJWT, UnsecuredJWT } from 'jose';
import type { LicenseClaims } from './license-claims.js';
import { keyIdOf, signLicenseToken, verifyLicenseToken } from './license-token.js';

const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const other = generateKeyPairSync('rsa', { modulusLength: 2048 });
const now = new Date('2026-11-24T12:00:00Z');
const iat = Math.floor(now.getTime() / 1000);

function claims(overrides: Partial<LicenseClaims> = {}): LicenseClaims {
  return {
    iss: 'https://cp.test',
    aud: 'atlasai-tenant-plane',
    sub: 'acme',
    tenant_id: 'acme',
    jti: randomUUID(),
    iat,
    nbf: iat,
    exp: iat + 365 * 86_400,
    plan_id: 'operations',
    plan_name: 'Operations',
    limits: { users: 50, data_volume_gb: 500, ai_credits: null, retention_days: 365 },
    modules: ['itsm', 'compliance'],
    addons: ['automation_pro'],
    deployment_mode: 'byoc',
    grace_period_days: 30,
    read_only_period_days: 30,
    ...overrides,
  };
}

let kid: string;
const options = () => ({
  keys: (k: string) => (k === kid ? publicKey : undefined),
  issuer: 'https://cp.test',
  audience: 'atlasai-tenant-plane',
  now,
});

beforeAll(async () => {
  kid = await keyIdOf(privateKey);
});

function tamper(token: string, change: (payload: Record<string, unknown>) => void): string {
  const [header, payload, signature] = token.split('.');
  const json = JSON.parse(Buffer.from(payload!, 'base64url').toString());
  change(json);
  return [header, Buffer.from(JSON.stringify(json)).toString('base64url'), signature].join('.');
}

describe('verifyLicenseToken', () => {
  it('accepts a token signed by a trusted key and returns its claims', async () => {
    const expected = claims();
    const token = await signLicenseToken(expected, privateKey, kid);
    await expect(verifyLicenseToken(token, options())).resolves.toEqual({ valid: true, claims: expected, kid });
  });

  it('signs deterministically, so a retry can be answered with the same token', async () => {
    const fixed = claims();
    expect(await signLicenseToken(fixed, privateKey, kid)).toBe(await signLicenseToken(fixed, privateKey, kid));
  });

  it('signs the same token from claims whose keys were reordered (as a jsonb round trip does)', async () => {
    const fixed = claims();
    const reordered = Object.fromEntries(Object.entries(fixed).reverse()) as typeof fixed;
    reordered.limits = Object.fromEntries(Object.entries(fixed.limits).reverse()) as typeof fixed.limits;
    expect(JSON.stringify(reordered)).not.toBe(JSON.stringify(fixed));
    expect(await signLicenseToken(reordered, privateKey, kid)).toBe(await signLicenseToken(fixed, privateKey, kid));
  });

  it('does not reject an expired token: expiry is a phase, not a failure', async () => {
    const token = await signLicenseToken(claims({ exp: iat - 1000 * 86_400 }), privateKey, kid);
    expect((await verifyLicenseToken(token, options())).valid).toBe(true);
  });

  it.each([
    ['garbage', 'not-a-token', 'MALFORMED'],
    ['empty', '', 'MALFORMED'],
    ['a truncated token', 'eyJhbGciOiJSUzI1NiJ9.e30', 'MALFORMED'],
  ])('reports %s as %s', async (_name, token, reason) => {
    expect(await verifyLicenseToken(token, options())).toMatchObject({ valid: false, reason });
  });

  it('rejects alg none', async () => {
    const token = new UnsecuredJWT({ ...claims() }).encode();
    expect(await verifyLicenseToken(token, options())).toMatchObject({ valid: false, reason: 'ALGORITHM_NOT_ALLOWED' });
  });

  it('rejects HS256 signed with the public key as the secret', async () => {
    const secret = publicKey.export({ type: 'spki', format: 'pem' });
    const token = await new SignJWT({ ...claims() }).setProtectedHeader({ alg: 'HS256', kid }).sign(new TextEncoder().encode(String(secret)));
    expect(await verifyLicenseToken(token, options())).toMatchObject({ valid: false, reason: 'ALGORITHM_NOT_ALLOWED' });
    // Forged by hand with RS256 in the header, the HMAC never verifies as an RSA signature.
    const header = Buffer.from(JSON.stringify({ alg: 'RS256', kid })).toString('base64url');
    const body = Buffer.from(JSON.stringify(claims())).toString('base64url');
    const mac = createHmac('sha256', String(secret)).update(`${header}.${body}`).digest('base64url');
    expect(await verifyLicenseToken(`${header}.${body}.${mac}`, options())).toMatchObject({ valid: false, reason: 'BAD_SIGNATURE' });
  });

  it('rejects a token signed by a key it does not trust', async () => {
    const otherKid = await keyIdOf(other.privateKey);
    const token = await signLicenseToken(claims(), other.privateKey, otherKid);
    expect(await verifyLicenseToken(token, options())).toMatchObject({ valid: false, reason: 'UNKNOWN_KID' });
    const spoofed = await signLicenseToken(claims(), other.privateKey, kid);
    expect(await verifyLicenseToken(spoofed, options())).toMatchObject({ valid: false, reason: 'BAD_SIGNATURE' });
  });

  it('rejects a kid that is not printable ASCII before asking for a key', async () => {
    const asked: (string | undefined)[] = [];
    for (const badKid of ['a\u0000b', '', 'with space', 'x'.repeat(257), 'caf\u00e9']) {
      const token = await new SignJWT({ ...claims() }).setProtectedHeader({ alg: 'RS256', kid: badKid }).sign(privateKey);
      const result = await verifyLicenseToken(token, { ...options(), keys: (k) => (asked.push(k), publicKey) });
      expect(result).toMatchObject({ valid: false, reason: 'MALFORMED' });
    }
    expect(asked).toEqual([]);
  });

  it('rejects a tampered payload', async () => {
    const token = await signLicenseToken(claims(), privateKey, kid);
    const forged = tamper(token, (payload) => (payload.limits = { users: null, data_volume_gb: null, ai_credits: null, retention_days: null }));
    expect(await verifyLicenseToken(forged, options())).toMatchObject({ valid: false, reason: 'BAD_SIGNATURE' });
  });

  it('rejects a wrong issuer, a wrong audience and a start in the future', async () => {
    const sign = (c: LicenseClaims) => signLicenseToken(c, privateKey, kid);
    expect(await verifyLicenseToken(await sign(claims({ iss: 'https://evil' })), options())).toMatchObject({ reason: 'WRONG_ISSUER' });
    expect(await verifyLicenseToken(await sign(claims({ aud: 'someone-else' })), options())).toMatchObject({ reason: 'WRONG_AUDIENCE' });
    expect(await verifyLicenseToken(await sign(claims({ nbf: iat + 600 })), options())).toMatchObject({ reason: 'NOT_YET_VALID' });
    expect(await verifyLicenseToken(await sign(claims({ nbf: iat + 60 })), { ...options(), clockToleranceSeconds: 0 })).toMatchObject({
      reason: 'NOT_YET_VALID',
    });
    expect(await verifyLicenseToken(await sign(claims({ nbf: iat + 60 })), { ...options(), clockToleranceSeconds: 60 })).toMatchObject({ valid: true });
  });

  it('rejects claims that miss tenant_id or carry a negative limit', async () => {
    const { tenant_id: _omitted, ...withoutTenant } = claims();
    const noTenant = await new SignJWT(withoutTenant).setProtectedHeader({ alg: 'RS256', kid }).sign(privateKey);
    expect(await verifyLicenseToken(noTenant, options())).toMatchObject({ valid: false, reason: 'CLAIMS_INVALID' });
    const negative = await signLicenseToken(claims({ limits: { users: -1, data_volume_gb: 1, ai_credits: 1, retention_days: 1 } }), privateKey, kid);
    const result = await verifyLicenseToken(negative, options());
    expect(result).toMatchObject({ valid: false, reason: 'CLAIMS_INVALID' });
    expect(!result.valid && result.message).toContain('limits.users');
  });

  it('rejects an iat further in the future than the skew, whoever verifies', async () => {
    const token = await signLicenseToken(claims({ iat: iat + 30 * 86_400 }), privateKey, kid);
    expect(await verifyLicenseToken(token, options())).toMatchObject({ reason: 'ISSUED_IN_FUTURE' });
    const withinSkew = await signLicenseToken(claims({ iat: iat + 299 }), privateKey, kid);
    expect(await verifyLicenseToken(withinSkew, options())).toMatchObject({ valid: true });
  });

  it('rejects a token without kid even when only one key is trusted', async () => {
    const token = await new SignJWT({ ...claims() }).setProtectedHeader({ alg: 'RS256', typ: 'JWT' }).sign(privateKey);
    expect(await verifyLicenseToken(token, { ...options(), keys: () => publicKey })).toMatchObject({ valid: false, reason: 'UNKNOWN_KID' });
  });
});
