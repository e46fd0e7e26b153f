import { generateKeyPairSync } from 'node:crypto';

/** A fresh RSA-2048 key per call: nothing secret is checked in. */
export function generateTestPrivateKeyPem(): string {
  return generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
}
