import type { DestinationStream } from 'pino';

/**
 * Field paths pino censors before a line is written. They cover the places a secret is known
 * to travel: request headers, license and API tokens in bodies or log objects, Stripe secrets.
 */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["stripe-signature"]',
  'req.headers["x-api-key"]',
  'res.headers["set-cookie"]',
  'authorization',
  'token',
  'license',
  'privateKey',
  'private_key',
  'secret',
  '*.authorization',
  '*.token',
  '*.license',
  '*.privateKey',
  '*.private_key',
  '*.secret',
  '*.webhookSecret',
  '*.CP_LICENSE_PRIVATE_KEY',
  '*.STRIPE_SECRET_KEY',
  '*.STRIPE_WEBHOOK_SECRET',
  'body.token',
  'body.license',
  'req.body.token',
  'req.body.license',
];

export const REDACTED = '[REDACTED]';

/**
 * Secrets recognised by their shape wherever they appear, including inside a message string or an
 * error's stack: a compact JWS (license tokens), a PEM block (private keys), a staff API token,
 * Stripe secret/restricted keys and webhook signing secrets. Base64url and PEM bodies never contain
 * a double quote, so masking a serialized JSON line keeps it valid JSON.
 */
const SECRET_PATTERNS: RegExp[] = [
  /eyJ[A-Za-z0-9_-]*\.eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*/g,
  /-----BEGIN [A-Z0-9 ]+-----[\s\S]*?(?:-----END [A-Z0-9 ]+-----|(?="))/g,
  /\bla_[A-Za-z0-9_-]{16,}/g,
  /\b(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{8,}/g,
  /\bwhsec_[A-Za-z0-9+/=]{8,}/g,
];

export function maskSecrets(text: string): string {
  let masked = text;
  for (const pattern of SECRET_PATTERNS) masked = masked.replace(pattern, REDACTED);
  return masked;
}

/**
 * Wraps the log destination so every serialized line is masked last, after pino's serializers
 * (error messages and stacks are serialized after `formatters.log` runs, so a formatter alone
 * would miss them).
 */
export function maskingDestination(destination: DestinationStream): DestinationStream {
  return { write: (line: string) => destination.write(maskSecrets(line)) };
}
