import { createPublicKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { assertLicenseSigningKey, followKeyChain, keyIdOf, LICENSE_ALGORITHM, type KeyChainLink } from '@atlasai/license-core';

/**
 * The public keys a tenant plane trusts, by `kid` (RFC 7638 thumbprint unless a JWKS names it otherwise):
 * the configured ones, plus every key the CP's key chain proves was endorsed, link by link, by one of them.
 */
export class TrustedKeys {
  constructor(private readonly keys: Map<string, KeyObject>) {}

  get kids(): readonly string[] {
    return [...this.keys.keys()];
  }

  readonly resolve = (kid: string): KeyObject | undefined => this.keys.get(kid);

  /** Adds the keys the chain proves from a trusted one; returns their links (to persist), none when nothing is new. */
  async learn(chain: readonly KeyChainLink[]): Promise<KeyChainLink[]> {
    const proven = await followKeyChain(chain, this.resolve);
    for (const { kid, key } of proven) this.keys.set(kid, key);
    return proven.map((key) => key.link);
  }
}

/** A key configuration that cannot be used; the message names what is wrong, never the key material. */
export class TrustedKeyError extends Error {
  readonly code = 'PUBLIC_KEY_INVALID';
}

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----[\s\S]*?-----END \1-----/g;
const PUBLIC_PEM_LABELS = new Set(['PUBLIC KEY', 'RSA PUBLIC KEY']);
const PRIVATE_JWK_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k'];

/**
 * Parses `CP_LICENSE_PUBLIC_KEY`: one or more PEM public keys (SPKI or PKCS#1), or a JWKS document.
 * Helm values often carry the PEM on one line with literal `\n`, so those are unescaped first.
 */
export async function loadTrustedKeys(text: string, source = 'CP_LICENSE_PUBLIC_KEY'): Promise<TrustedKeys> {
  const trimmed = text.trim().replace(/\\n/g, '\n');
  if (trimmed.length === 0) throw new TrustedKeyError(`${source} is empty.`);
  if (trimmed.startsWith('{')) return fromJwks(trimmed, source);
  if (trimmed.includes('-----BEGIN ')) return fromPem(trimmed, source);
  throw new TrustedKeyError(`${source} is neither a PEM public key nor a JWKS document.`);
}

/** Reads a PEM or JWKS file (no URL: an air-gapped tenant plane fetches nothing). */
export async function loadTrustedKeysFromFile(path: string): Promise<TrustedKeys> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new TrustedKeyError(`Cannot read the public key file ${path} (${(error as NodeJS.ErrnoException).code ?? 'error'}).`);
  }
  return loadTrustedKeys(text, path);
}

async function fromPem(text: string, source: string): Promise<TrustedKeys> {
  const blocks = [...text.matchAll(PEM_BLOCK)];
  if (blocks.length === 0) throw new TrustedKeyError(`${source} holds no complete PEM block.`);
  const keys = new Map<string, KeyObject>();
  for (const [block, label] of blocks) {
    if (!PUBLIC_PEM_LABELS.has(label!)) {
      const hint = label!.includes('PRIVATE') ? ' Never give a tenant plane the private key; configure the public key only.' : '';
      throw new TrustedKeyError(`${source} holds a "${label}" PEM block; expected "PUBLIC KEY".${hint}`);
    }
    const key = parseKey(() => createPublicKey(block), source);
    keys.set(await keyIdOf(key), key);
  }
  return resolverOf(keys);
}

async function fromJwks(text: string, source: string): Promise<TrustedKeys> {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch {
    throw new TrustedKeyError(`${source} starts like JSON but is not valid JSON.`);
  }
  const list = (document as { keys?: unknown }).keys;
  if (!Array.isArray(list) || list.length === 0) throw new TrustedKeyError(`${source} is not a JWKS document: "keys" must be a non-empty array.`);
  const keys = new Map<string, KeyObject>();
  for (const [index, jwk] of list.entries()) {
    const where = `${source} keys[${index}]`;
    if (typeof jwk !== 'object' || jwk === null) throw new TrustedKeyError(`${where} is not an object.`);
    const member = jwk as Record<string, unknown>;
    if (member.kty !== 'RSA') throw new TrustedKeyError(`${where} has kty "${String(member.kty)}"; licenses are signed with RSA keys.`);
    if (PRIVATE_JWK_MEMBERS.some((name) => name in member)) throw new TrustedKeyError(`${where} contains private key material; publish public keys only.`);
    if (member.alg !== undefined && member.alg !== LICENSE_ALGORITHM) {
      throw new TrustedKeyError(`${where} declares alg "${String(member.alg)}"; only ${LICENSE_ALGORITHM} is accepted.`);
    }
    if (member.use !== undefined && member.use !== 'sig') throw new TrustedKeyError(`${where} has use "${String(member.use)}"; expected "sig".`);
    const key = parseKey(() => createPublicKey({ key: { kty: 'RSA', n: member.n as string, e: member.e as string }, format: 'jwk' }), where);
    keys.set(typeof member.kid === 'string' && member.kid.length > 0 ? member.kid : await keyIdOf(key), key);
  }
  return resolverOf(keys);
}

function parseKey(parse: () => KeyObject, where: string): KeyObject {
  let key: KeyObject;
  try {
    key = parse();
  } catch {
    throw new TrustedKeyError(`${where} is not a readable RSA public key.`);
  }
  try {
    assertLicenseSigningKey(key);
  } catch (error) {
    throw new TrustedKeyError(`${where}: ${(error as Error).message}.`);
  }
  return key;
}

function resolverOf(keys: Map<string, KeyObject>): TrustedKeys {
  return new TrustedKeys(keys);
}
