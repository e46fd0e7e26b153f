import { createPublicKey, type KeyObject } from 'node:crypto';
import { calculateJwkThumbprint, compactVerify, decodeProtectedHeader, exportJWK, SignJWT, type JWK } from 'jose';
import { canonicalLicenseClaims, licenseClaimsSchema, type LicenseClaims } from './license-claims.js';

export const LICENSE_ALGORITHM = 'RS256';
export const MIN_RSA_MODULUS_BITS = 2048;

export type LicenseInvalidReason =
  | 'MALFORMED'
  | 'ALGORITHM_NOT_ALLOWED'
  | 'UNKNOWN_KID'
  | 'BAD_SIGNATURE'
  | 'CLAIMS_INVALID'
  | 'WRONG_ISSUER'
  | 'WRONG_AUDIENCE'
  | 'NOT_YET_VALID'
  | 'ISSUED_IN_FUTURE';

export type LicenseVerification =
  { valid: true; claims: LicenseClaims; kid: string } | { valid: false; reason: LicenseInvalidReason; message: string; kid?: string };

/** Finds the public key for a `kid`; undefined when the key was never used by the CP. */
export type PublicKeyResolver = (kid: string) => KeyObject | undefined | Promise<KeyObject | undefined>;

/** How far the verifier's clock and the signer's may disagree before `iat`/`nbf` count as in the future. */
export const DEFAULT_CLOCK_SKEW_SECONDS = 300;

export interface VerifyOptions {
  keys: PublicKeyResolver;
  issuer: string;
  audience: string;
  now: Date;
  /** Tolerated clock difference for `nbf` and `iat`, in seconds (default DEFAULT_CLOCK_SKEW_SECONDS). */
  clockToleranceSeconds?: number;
}

const MAX_TOKEN_LENGTH = 16_384;
const KID = /^[\x21-\x7e]{1,256}$/;

/**
 * The one verification rule of the CP and every tenant plane: RS256 only, a `kid` naming a trusted key
 * (a token without one is UNKNOWN_KID, never matched to some key), issuer, audience, the claim shape,
 * and neither `nbf` nor `iat` further in the future than the tolerated skew.
 * Deliberately ignores `exp`: an expired license is still a valid license in grace, read-only or locked.
 */
export async function verifyLicenseToken(token: string, options: VerifyOptions): Promise<LicenseVerification> {
  const trimmed = token.trim();
  if (trimmed.length === 0 || trimmed.length > MAX_TOKEN_LENGTH || trimmed.split('.').length !== 3) {
    return invalid('MALFORMED', 'The license is not a compact JWS (three base64url parts).');
  }
  let header: ReturnType<typeof decodeProtectedHeader>;
  try {
    header = decodeProtectedHeader(trimmed);
  } catch {
    return invalid('MALFORMED', 'The license header cannot be decoded.');
  }
  if (header.kid !== undefined && (typeof header.kid !== 'string' || !KID.test(header.kid))) {
    // A key id is looked up in key stores and databases: anything but printable ASCII is refused before that.
    return invalid('MALFORMED', 'The license header kid must be 1 to 256 printable ASCII characters.');
  }
  const kid = header.kid;
  if (header.alg !== LICENSE_ALGORITHM) {
    return invalid('ALGORITHM_NOT_ALLOWED', `The license is signed with "${String(header.alg)}"; only RS256 is accepted.`, kid);
  }
  const key = kid === undefined ? undefined : await options.keys(kid);
  if (!key) return invalid('UNKNOWN_KID', `The license was signed by a key this verifier does not trust (kid ${kid ?? 'missing'}).`, kid);

  let payload: Uint8Array;
  try {
    ({ payload } = await compactVerify(trimmed, key, { algorithms: [LICENSE_ALGORITHM] }));
  } catch {
    return invalid('BAD_SIGNATURE', 'The license signature does not match the trusted public key.', kid);
  }
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(payload));
  } catch {
    return invalid('MALFORMED', 'The license payload is not JSON.', kid);
  }
  const parsed = licenseClaimsSchema.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`);
    return invalid('CLAIMS_INVALID', `The license claims are invalid: ${issues.join('; ')}.`, kid);
  }
  const claims = parsed.data;
  if (claims.sub !== claims.tenant_id) return invalid('CLAIMS_INVALID', 'The license claims are invalid: sub must equal tenant_id.', kid);
  if (claims.iss !== options.issuer) return invalid('WRONG_ISSUER', `The license was issued by "${claims.iss}", expected "${options.issuer}".`, kid);
  const audiences = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
  if (!audiences.includes(options.audience)) {
    return invalid('WRONG_AUDIENCE', `The license is not meant for audience "${options.audience}".`, kid);
  }
  const nowSeconds = Math.floor(options.now.getTime() / 1000);
  const tolerance = options.clockToleranceSeconds ?? DEFAULT_CLOCK_SKEW_SECONDS;
  if (claims.nbf > nowSeconds + tolerance) {
    return invalid('NOT_YET_VALID', `The license is not valid before ${new Date(claims.nbf * 1000).toISOString()}.`, kid);
  }
  if (claims.iat > nowSeconds + tolerance) {
    return invalid('ISSUED_IN_FUTURE', `The license claims to be issued at ${new Date(claims.iat * 1000).toISOString()}, in the future.`, kid);
  }
  return { valid: true, claims, kid: kid ?? '' };
}

function invalid(reason: LicenseInvalidReason, message: string, kid?: string): LicenseVerification {
  return { valid: false, reason, message, ...(kid ? { kid } : {}) };
}

/**
 * Signs claims as a compact JWS. The same key and claims always give the same token, whatever order
 * their keys arrive in: RS256 is deterministic and the claims are put in canonical order first.
 */
export function signLicenseToken(claims: LicenseClaims, privateKey: KeyObject, kid: string): Promise<string> {
  return new SignJWT(canonicalLicenseClaims(claims)).setProtectedHeader({ alg: LICENSE_ALGORITHM, typ: 'JWT', kid }).sign(privateKey);
}

/** RFC 7638 thumbprint of the public key, used as `kid`. */
export async function keyIdOf(key: KeyObject): Promise<string> {
  return calculateJwkThumbprint(await publicJwkOf(key), 'sha256');
}

export async function publicJwkOf(key: KeyObject): Promise<JWK> {
  const publicKey = key.type === 'private' ? createPublicKey(key) : key;
  const { kty, n, e } = await exportJWK(publicKey);
  return { kty, n, e };
}

/** Throws with a readable message unless the key is RSA with at least 2048 bits. */
export function assertLicenseSigningKey(key: KeyObject): void {
  if (key.asymmetricKeyType !== 'rsa') throw new Error(`expected an RSA key, got ${key.asymmetricKeyType ?? key.type}`);
  const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
  if (bits < MIN_RSA_MODULUS_BITS) throw new Error(`RSA key has ${bits} bits; at least ${MIN_RSA_MODULUS_BITS} are required`);
}

/** A short, non-secret reference to a token for logs and listings: its first characters and last six. */
export function tokenHint(token: string): string {
  return token.length <= 24 ? '…' : `${token.slice(0, 16)}…${token.slice(-6)}`;
}
