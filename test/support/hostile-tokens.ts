import { createHmac, createPrivateKey, createSign, generateKeyPairSync, randomUUID } from 'node:crypto';
import { SignJWT, UnsecuredJWT } from 'jose';
import { SESSION_COOKIE } from '../../apps/control-plane/src/sessions/session-cookies.js';
import { asHeaderBytes } from './hostile-input.js';
import { claimsOf } from './phone-home-fixtures.js';

/** The hostile-input suite's corpora of forged, broken and oversized credentials. */

const base64url = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

/** JWTs a forger makes without the CP's key: `alg: none`, HS256 keyed with public text, a stranger's RSA key. */
async function forgedJwts(claims: Record<string, unknown>): Promise<Record<string, string>> {
  const hsHeader = base64url({ alg: 'HS256', typ: 'JWT' });
  const payload = base64url(claims);
  const stranger = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
  return {
    'alg none': new UnsecuredJWT(claims).encode(),
    'alg NONE': `${base64url({ alg: 'NONE', typ: 'JWT' })}.${payload}.`,
    HS256: `${hsHeader}.${payload}.${createHmac('sha256', 'public').update(`${hsHeader}.${payload}`).digest('base64url')}`,
    'stranger RS256': await new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: 'stranger' }).sign(stranger),
  };
}

/** Authorization headers (and a session cookie) that must each be a 401 or 403 on a protected route. */
export async function hostileAuthorizations(license: string, staffToken: string): Promise<Record<string, Record<string, string>>> {
  const jwts = await forgedJwts({ ...claimsOf(license), sub: 'admin', role: 'admin' });
  const bearer = (value: string) => ({ authorization: value });
  return {
    ...Object.fromEntries(Object.entries(jwts).map(([name, jwt]) => [`${name} JWT`, bearer(`Bearer ${jwt}`)])),
    'the license as a staff token': bearer(`Bearer ${license}`),
    'a truncated staff token': bearer(`Bearer ${staffToken.slice(0, -6)}`),
    'a staff token with a byte more': bearer(`Bearer ${staffToken}x`),
    'a staff token in upper case': bearer(`Bearer ${staffToken.toUpperCase()}`),
    'two staff tokens': bearer(`Bearer ${staffToken} ${staffToken}`),
    'a 10 KB staff token': bearer(`Bearer la_${'A'.repeat(10_240)}`),
    'a 10 KB JWT': bearer(`Bearer ${base64url({ alg: 'none' })}.${'A'.repeat(10_240)}.`),
    'Bearer alone': bearer('Bearer '),
    'Bearer without a space': bearer('Bearer'),
    'an empty header': bearer(''),
    Basic: bearer('Basic YWRtaW46YWRtaW4='),
    'non-ASCII': bearer(asHeaderBytes('Bearer la_ñø€🦄')),
    'latin-1 bytes': bearer('Bearer la_\u00ff\u00fe'),
    'a percent-encoded NUL': bearer(`Bearer ${staffToken}%00`),
    'a billing session prefix alone': bearer('Bearer lcs_'),
    'a forged billing session': bearer(`Bearer lcs_${'0'.repeat(64)}`),
    'a forged session cookie': { cookie: `${SESSION_COOKIE}=${'A'.repeat(64)}` },
    'a hostile session cookie': { cookie: `${SESSION_COOKIE}=${asHeaderBytes('%00%ED%A0%80ñ')}; ${SESSION_COOKIE}=x` },
    'a 10 KB session cookie': { cookie: `${SESSION_COOKIE}=${'B'.repeat(10_240)}` },
  };
}

/** License tokens for phone-home and inspect: forged, truncated, oversized, malformed, and hostile headers. */
export async function hostileLicenseTokens(genuine: string, privateKeyPem: string): Promise<Record<string, string>> {
  const claims = claimsOf(genuine) as unknown as Record<string, unknown>;
  const [header, payload, signature] = genuine.split('.');
  // Signed by hand: jose refuses to sign headers this hostile (a `crit` it does not know, an object kid).
  const withHeader = (protectedHeader: Record<string, unknown>) => {
    const input = `${base64url({ alg: 'RS256', typ: 'JWT', ...protectedHeader })}.${payload}`;
    return `${input}.${createSign('RSA-SHA256').update(input).sign(privateKeyPem, 'base64url')}`;
  };
  return {
    ...(await forgedJwts(claims)),
    truncated: genuine.slice(0, -10),
    'without a signature': `${header}.${payload}.`,
    'two parts': `${header}.${payload}`,
    'four parts': `${genuine}.${signature}`,
    '10 KB': `${header}.${'A'.repeat(10_240)}.${signature}`,
    '20 KB': 'A'.repeat(20_480),
    empty: '',
    'NUL in the middle': `${header}.\u0000.${signature}`,
    'lone surrogate': `${header}\ud800.${payload}.${signature}`,
    'non-ASCII': `${header}.ñø€🦄.${signature}`,
    'header not JSON': `${base64url('not json')}.${payload}.${signature}`,
    'header deeply nested': `${base64url(`{"alg":"RS256","x":${'['.repeat(1_000)}${']'.repeat(1_000)}}`)}.${payload}.${signature}`,
    'payload an array': `${header}.${base64url([1, 2])}.${signature}`,
    'kid a path': withHeader({ kid: '../../../etc/passwd' }),
    'kid an object': withHeader({ kid: { $ne: null } }),
    'kid 10 KB': withHeader({ kid: 'k'.repeat(10_240) }),
    'kid a NUL': withHeader({ kid: 'a\u0000b' }),
    'jku and x5u': withHeader({ jku: 'http://127.0.0.1:1/jwks', x5u: 'http://127.0.0.1:1/x5u' }),
    'critical extension': withHeader({ crit: ['exp'], exp: 1 }),
    'alg in lower case': `${base64url({ ...JSON.parse(Buffer.from(header, 'base64url').toString()), alg: 'rs256' })}.${payload}.${signature}`,
    'unknown jti': await new SignJWT({ ...claims, jti: randomUUID() })
      .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: JSON.parse(Buffer.from(header, 'base64url').toString()).kid })
      .sign(createPrivateKey(privateKeyPem)),
  };
}
