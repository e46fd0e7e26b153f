import { createPublicKey, type KeyObject } from 'node:crypto';
import { CompactSign, compactVerify, decodeProtectedHeader } from 'jose';
import { z } from 'zod';
import { assertLicenseSigningKey, keyIdOf, LICENSE_ALGORITHM, publicJwkOf } from './license-token.js';

/** The `typ` of an endorsement: a compact JWS whose payload is the endorsed public JWK. */
export const KEY_ENDORSEMENT_TYPE = 'jwk+endorsement';

const publicJwkSchema = z.strictObject({ kty: z.literal('RSA'), n: z.string().min(1).max(2048), e: z.string().min(1).max(16) });

/**
 * One key of the CP's signing history. Every key after the first is endorsed by its predecessor: a
 * compact JWS over its public JWK, signed once with the previous private key when it was rotated.
 */
export const keyChainLinkSchema = z.object({
  kid: z.string().min(1).max(128),
  jwk: publicJwkSchema,
  endorsed_by: z.string().min(1).max(128).nullable(),
  endorsement: z.string().min(1).max(8192).nullable(),
});
export type KeyChainLink = z.infer<typeof keyChainLinkSchema>;

export const keyChainSchema = z.array(keyChainLinkSchema).max(256);

/** Signs the endorsement of `next` with the key it succeeds. */
export async function endorseKey(next: KeyObject, previousPrivateKey: KeyObject, previousKid: string): Promise<string> {
  const jwk = await publicJwkOf(next);
  const payload = new TextEncoder().encode(JSON.stringify({ kty: jwk.kty, n: jwk.n, e: jwk.e }));
  return new CompactSign(payload).setProtectedHeader({ alg: LICENSE_ALGORITHM, kid: previousKid, typ: KEY_ENDORSEMENT_TYPE }).sign(previousPrivateKey);
}

/** A key the chain proved: endorsed, through unbroken links, by a key the caller already trusted. */
export interface ProvenKey {
  kid: string;
  key: KeyObject;
  link: KeyChainLink;
}

/**
 * Extends trust along the chain: a link is accepted only when its endorsement verifies (RS256) with a
 * key already trusted or proved here, names that key as its signer, carries exactly the link's JWK,
 * and that JWK's RFC 7638 thumbprint is the link's kid. Links may come in any order; the rest are ignored.
 */
export async function followKeyChain(chain: readonly KeyChainLink[], trusted: (kid: string) => KeyObject | undefined): Promise<ProvenKey[]> {
  const proven = new Map<string, ProvenKey>();
  const keyOf = (kid: string) => proven.get(kid)?.key ?? trusted(kid);
  let progress = true;
  while (progress) {
    progress = false;
    for (const link of chain) {
      if (proven.has(link.kid) || trusted(link.kid) || !link.endorsed_by || !link.endorsement) continue;
      const signer = keyOf(link.endorsed_by);
      if (!signer) continue;
      const key = await endorsedKey(link, signer);
      if (!key) continue;
      proven.set(link.kid, { kid: link.kid, key, link });
      progress = true;
    }
  }
  return [...proven.values()];
}

async function endorsedKey(link: KeyChainLink, signer: KeyObject): Promise<KeyObject | undefined> {
  try {
    const header = decodeProtectedHeader(link.endorsement!);
    if (header.kid !== link.endorsed_by || header.typ !== KEY_ENDORSEMENT_TYPE) return undefined;
    const { payload } = await compactVerify(link.endorsement!, signer, { algorithms: [LICENSE_ALGORITHM] });
    const jwk = publicJwkSchema.parse(JSON.parse(new TextDecoder().decode(payload)));
    if (jwk.n !== link.jwk.n || jwk.e !== link.jwk.e) return undefined;
    const key = createPublicKey({ key: jwk, format: 'jwk' });
    assertLicenseSigningKey(key);
    return (await keyIdOf(key)) === link.kid ? key : undefined;
  } catch {
    return undefined;
  }
}
