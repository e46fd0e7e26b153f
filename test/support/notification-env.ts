import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';

export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A key prefix of its own per test file, so files sharing the Redis server never see each other's jobs. */
export function redisPrefix(label: string): string {
  return `t-${label}-${randomBytes(3).toString('hex')}`.slice(0, 32);
}

/** Fast ticks and short backoff, so retries take milliseconds. */
export function fastNotifications(smtpUrl: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    SMTP_URL: smtpUrl,
    MAIL_FROM: 'AtlasAI Licensing <licensing@atlastechlab.test>',
    SUPPORT_EMAIL: 'support@atlastechlab.test',
    PORTAL_URL: 'https://portal.atlastechlab.test/billing',
    NOTIFICATION_RELAY_INTERVAL_MS: '100',
    NOTIFICATION_RETRY_BASE_MS: '50',
    NOTIFICATION_MAX_ATTEMPTS: '3',
    ...extra,
  };
}

/** Deletes every key under the prefix (the BullMQ queue of one test file). */
export async function dropRedisPrefix(prefix: string): Promise<void> {
  const redis = new Redis(TEST_REDIS_URL, { lazyConnect: true });
  await redis.connect();
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
      if (keys.length > 0) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    await redis.quit();
  }
}
