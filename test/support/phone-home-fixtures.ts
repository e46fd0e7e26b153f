import { createHmac, createPrivateKey, generateKeyPairSync, randomUUID } from 'node:crypto';
import { decodeJwt, SignJWT, UnsecuredJWT } from 'jose';
import { keyIdOf, signLicenseToken, type LicenseClaims } from '@atlasai/license-core';
import type { TestApp } from './test-app.js';

/** Creates a tenant with a subscription and issues its first license; returns the token. */
export async function tenantWithLicense(
  cp: TestApp,
  support: string,
  tenant: { id: string; mode?: 'byoc' | 'on_prem'; plan?: string; fingerprint?: string; interval?: 'monthly' | 'annual' },
): Promise<string> {
  const mode = tenant.mode ?? 'byoc';
  await cp.http('POST', '/api/v1/tenants', {
    token: support,
    body: { id: tenant.id, name: `Tenant ${tenant.id}`, contact_email: `ops@${tenant.id}.example`, deployment_mode: mode },
  });
  await cp.http('PUT', `/api/v1/tenants/${tenant.id}/subscription`, {
    token: support,
    body: { plan_id: tenant.plan ?? 'operations', billing_interval: tenant.interval ?? 'annual' },
  });
  const issued = await cp.http('POST', '/api/v1/licenses', {
    token: support,
    body: { tenant_id: tenant.id, ...(tenant.fingerprint ? { fingerprint: tenant.fingerprint } : {}) },
  });
  if (issued.status !== 201) throw new Error(`issuing failed: ${issued.text}`);
  return issued.body.token as string;
}

export function phoneHome(cp: TestApp, license: string, extra: Record<string, unknown> = {}) {
  return cp.http('POST', '/api/v1/phone-home', { body: { license, tp_version: '4.2.0', ...extra } });
}

export const claimsOf = (token: string) => decodeJwt(token) as unknown as LicenseClaims;

/** Tokens a forger could make from what is public, or with a key the CP never used. */
export async function forgedTokens(cp: TestApp, genuine: string): Promise<Record<string, string>> {
  const claims = claimsOf(genuine);
  const publicPem = (await cp.http('GET', '/api/v1/public-key')).text;
  const stranger = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
  const [header, payload, signature] = genuine.split('.');
  const tamperedPayload = Buffer.from(JSON.stringify({ ...claims, plan_id: 'enterprise' })).toString('base64url');
  const hsHeader = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })).toString('base64url');
  const hsSignature = createHmac('sha256', publicPem).update(`${hsHeader}.${payload}`).digest('base64url');
  return {
    garbage: 'this-is-not-a-token',
    algNone: new UnsecuredJWT({ ...claims }).encode(),
    hs256WithPublicKey: `${hsHeader}.${payload}.${hsSignature}`,
    strangerKey: await new SignJWT({ ...claims }).setProtectedHeader({ alg: 'RS256', kid: await keyIdOf(stranger) }).sign(stranger),
    strangerKeyWithOurKid: await new SignJWT({ ...claims })
      .setProtectedHeader({ alg: 'RS256', kid: JSON.parse(Buffer.from(header, 'base64url').toString()).kid })
      .sign(stranger),
    tampered: `${header}.${tamperedPayload}.${signature}`,
  };
}

/** A correctly signed token whose `jti` the CP never issued (the key is the CP's own). */
export async function unknownLicenseToken(cp: TestApp, genuine: string): Promise<string> {
  const key = createPrivateKey(cp.config.CP_LICENSE_PRIVATE_KEY!);
  return signLicenseToken({ ...claimsOf(genuine), jti: randomUUID() }, key, await keyIdOf(key));
}
