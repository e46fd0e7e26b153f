import { generateKeyPairSync } from 'node:crypto';
import { maskSecrets } from './log-redaction.js';

describe('maskSecrets', () => {
  it('masks a private key PEM inside a serialized JSON line and keeps the line valid JSON', () => {
    const pem = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const line = JSON.stringify({ msg: `key is ${pem} (loaded)`, other: 'kept' });
    const masked = maskSecrets(line);
    expect(JSON.parse(masked)).toEqual({ msg: 'key is [REDACTED]\n (loaded)', other: 'kept' });
  });

  it('masks a PEM block cut short by the end of a JSON string', () => {
    const masked = maskSecrets(JSON.stringify({ msg: '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC' }));
    expect(JSON.parse(masked)).toEqual({ msg: '[REDACTED]' });
  });

  it('masks license tokens, staff API tokens and Stripe keys but keeps token hints and ids', () => {
    const text =
      'jws=eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhY21lIn0.c2lnbmF0dXJl api=la_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA ' +
      'sk=sk_live_abcdefghijklmnop rk=rk_test_abcdefghijkl wh=whsec_abcdefghijklmnop hint=eyJhbGciOiJSUzI1…x1Yz3Q id=la_short';
    expect(maskSecrets(text)).toBe('jws=[REDACTED] api=[REDACTED] sk=[REDACTED] rk=[REDACTED] wh=[REDACTED] hint=eyJhbGciOiJSUzI1…x1Yz3Q id=la_short');
  });
});
