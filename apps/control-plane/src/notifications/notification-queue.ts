import type { JobsOptions } from 'bullmq';
import { Redis } from 'ioredis';
import type { AppConfig } from '../config/app-config.js';

/** Queue and job names, in one place for the producer (relay) and the consumer (worker). */
export const NOTIFICATION_QUEUE = 'notifications';
export const DELIVER_JOB = 'deliver';

/** Job data holds the row id only: the row, not the queue, carries the content and the recipient. */
export interface DeliverJobData {
  notificationId: string;
}

type RetryConfig = Pick<AppConfig, 'NOTIFICATION_MAX_ATTEMPTS' | 'NOTIFICATION_RETRY_BASE_MS'>;

/**
 * Finished jobs are removed at once: the row records the outcome, and a kept job would turn a later
 * resend (same job id) into a no-op.
 */
export function deliverJobOptions(config: RetryConfig, notificationId: string): JobsOptions {
  return {
    jobId: notificationId,
    attempts: config.NOTIFICATION_MAX_ATTEMPTS,
    backoff: { type: 'custom' },
    removeOnComplete: true,
    removeOnFail: true,
  };
}

/**
 * Delay before retry number `attemptsMade` (1 after the first failure): exponential, with "equal
 * jitter" (half fixed, half random) so a recovering SMTP server is not hit by every job at once.
 * The BullMQ worker and in-process delivery both use it.
 */
export function retryDelayMs(attemptsMade: number, baseMs: number, random: () => number = Math.random): number {
  const exponential = baseMs * 2 ** Math.max(0, attemptsMade - 1);
  return Math.round(exponential / 2 + (exponential / 2) * random());
}

/** A worker blocks on Redis and must never give up a command: BullMQ requires `maxRetriesPerRequest: null`. */
export function workerConnection(url: string): Redis {
  return new Redis(url, { maxRetriesPerRequest: null, connectionName: 'la-notification-worker' });
}

/** A producer fails fast while Redis is away (no offline queue); the outbox row waits for the next relay tick. */
export function producerConnection(url: string): Redis {
  return new Redis(url, { enableOfflineQueue: false, maxRetriesPerRequest: 1, connectionName: 'la-notification-relay' });
}
