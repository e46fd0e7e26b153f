import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { publicJwkOf } from '@atlasai/license-core';
import { createTestSigner, type TestSigner } from '../../../test/support/tenant-sdk-fixtures.js';
import { loadTrustedKeys, loadTrustedKeysFromFile, TrustedKeyError } from './trusted-keys.js';

describe('loadTrustedKeys', () => {
  let signer: TestSigner;
  let second: TestSigner;

  beforeAll(async () => {
    signer = await createTestSigner();
    second = await createTestSigner();
  });

  it('reads a PEM public key and names it by its RFC 7638 thumbprint, the kid the CP puts in tokens', async () => {
    const keys = await loadTrustedKeys(signer.publicKeyPem);
    expect(keys.kids).toEqual([signer.kid]);
    expect(await keys.resolve(signer.kid)).toBeDefined();
    expect(await keys.resolve('other')).toBeUndefined();
  });

  it('reads a one-line Helm value with escaped newlines, and several PEM blocks for a rotation', async () => {
    expect((await loadTrustedKeys(signer.publicKeyPem.replace(/\n/g, '\\n'))).kids).toEqual([signer.kid]);
    const both = await loadTrustedKeys(`${signer.publicKeyPem}\n${second.publicKeyPem}`);
    expect(both.kids).toEqual([signer.kid, second.kid]);
  });

  it('reads a JWKS document and a JWKS file, keeping the kid the document declares', async () => {
    const jwk = { ...(await publicJwkOf(signer.privateKey)), kid: signer.kid, alg: 'RS256', use: 'sig' };
    const document = JSON.stringify({ keys: [jwk, { ...(await publicJwkOf(second.privateKey)), kid: 'named-by-cp' }] });
    expect((await loadTrustedKeys(document)).kids).toEqual([signer.kid, 'named-by-cp']);
    const file = join(mkdtempSync(join(tmpdir(), 'sdk-keys-')), 'jwks.json');
    writeFileSync(file, document);
    expect((await loadTrustedKeysFromFile(file)).kids).toEqual([signer.kid, 'named-by-cp']);
  });

  it.each([
    [
      'a private key PEM',
      () => generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      /"PRIVATE KEY" PEM block.*public key only/,
    ],
    ['an EC public key', () => generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'pem' }).toString(), /RSA key/],
    [
      'a 1024-bit RSA key',
      () => generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ type: 'spki', format: 'pem' }).toString(),
      /at least 2048/,
    ],
    ['a truncated PEM', () => '-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA\n', /no complete PEM block/],
    ['a damaged PEM body', () => '-----BEGIN PUBLIC KEY-----\nbm90IGEga2V5\n-----END PUBLIC KEY-----', /not a readable RSA public key/],
    ['a certificate request label', () => '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----', /"CERTIFICATE" PEM block; expected "PUBLIC KEY"/],
    ['plain text', () => 'hello', /neither a PEM public key nor a JWKS document/],
    ['an empty value', () => '   ', /is empty/],
    ['broken JSON', () => '{"keys": [', /not valid JSON/],
    ['a JWKS with no keys', () => '{"keys": []}', /non-empty array/],
  ])('rejects %s with a clear error', async (_name, value, message) => {
    const attempt = loadTrustedKeys(value());
    await expect(attempt).rejects.toThrow(TrustedKeyError);
    await expect(loadTrustedKeys(value())).rejects.toThrow(message);
  });

  it('rejects a JWKS entry that is private, symmetric or declares another algorithm', async () => {
    const jwk = await publicJwkOf(signer.privateKey);
    const privateJwk = signer.privateKey.export({ format: 'jwk' });
    await expect(loadTrustedKeys(JSON.stringify({ keys: [privateJwk] }))).rejects.toThrow(/private key material/);
    await expect(loadTrustedKeys(JSON.stringify({ keys: [{ kty: 'oct', k: 'c2VjcmV0' }] }))).rejects.toThrow(/kty "oct"/);
    await expect(loadTrustedKeys(JSON.stringify({ keys: [{ ...jwk, alg: 'PS256' }] }))).rejects.toThrow(/only RS256/);
    await expect(loadTrustedKeys(JSON.stringify({ keys: [{ kty: 'RSA', n: 'AQAB' }] }))).rejects.toThrow(/not a readable RSA public key/);
  });

  it('names the file it cannot read', async () => {
    await expect(loadTrustedKeysFromFile('/nonexistent/cp.pem')).rejects.toThrow('Cannot read the public key file /nonexistent/cp.pem (ENOENT)');
  });

  it('accepts the PKCS#1 "RSA PUBLIC KEY" form', async () => {
    const pkcs1 = createPublicKey(signer.publicKeyPem).export({ type: 'pkcs1', format: 'pem' }).toString();
    expect((await loadTrustedKeys(pkcs1)).kids).toEqual([signer.kid]);
  });
});
