import { createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { endorseKey, followKeyChain, type KeyChainLink } from './key-chain.js';
import { keyIdOf, publicJwkOf } from './license-token.js';

const keys = Array.from({ length: 3 }, () => generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey);
const stranger = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;

async function link(key: KeyObject, previous?: KeyObject): Promise<KeyChainLink> {
  const jwk = await publicJwkOf(key);
  return {
    kid: await keyIdOf(key),
    jwk: { kty: 'RSA', n: jwk.n!, e: jwk.e! },
    endorsed_by: previous ? await keyIdOf(previous) : null,
    endorsement: previous ? await endorseKey(key, previous, await keyIdOf(previous)) : null,
  };
}

describe('followKeyChain', () => {
  let chain: KeyChainLink[];
  let root: (kid: string) => KeyObject | undefined;

  beforeAll(async () => {
    chain = [await link(keys[0]!), await link(keys[1]!, keys[0]), await link(keys[2]!, keys[1])];
    const rootKid = await keyIdOf(keys[0]!);
    const rootKey = createPublicKey(keys[0]!);
    root = (kid) => (kid === rootKid ? rootKey : undefined);
  });

  it('extends trust from the first key to every key endorsed after it, in any order', async () => {
    const proven = await followKeyChain([...chain].reverse(), root);
    expect(proven.map((key) => key.kid).sort()).toEqual([chain[1]!.kid, chain[2]!.kid].sort());
  });

  it('learns nothing from a chain that does not reach a trusted key', async () => {
    expect(await followKeyChain(chain, () => undefined)).toEqual([]);
    expect(await followKeyChain([chain[2]!], root)).toEqual([]);
  });

  it('refuses a link endorsed by a stranger, a swapped key, or an endorsement lifted from another link', async () => {
    const forged = await link(stranger, stranger);
    expect(await followKeyChain([{ ...forged, endorsed_by: chain[0]!.kid }], root)).toEqual([]);
    const swapped = { ...chain[1]!, jwk: (await link(stranger)).jwk };
    expect(await followKeyChain([swapped], root)).toEqual([]);
    const lifted = { ...(await link(stranger)), endorsed_by: chain[0]!.kid, endorsement: chain[1]!.endorsement };
    expect(await followKeyChain([lifted], root)).toEqual([]);
  });
});
