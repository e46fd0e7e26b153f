import { createHash } from 'node:crypto';

/** How bearer secrets (API tokens, session ids, OIDC states) are stored: only their SHA-256, never the secret. */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}
