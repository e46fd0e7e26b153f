import { deliverJobOptions, retryDelayMs } from './notification-queue.js';

describe('notification retries', () => {
  it('doubles the delay at each attempt, with half of it random', () => {
    expect([1, 2, 3, 4].map((attempt) => retryDelayMs(attempt, 1_000, () => 0))).toEqual([500, 1_000, 2_000, 4_000]);
    expect([1, 2, 3, 4].map((attempt) => retryDelayMs(attempt, 1_000, () => 1))).toEqual([1_000, 2_000, 4_000, 8_000]);
  });

  it('keys the job by the notification id and leaves no finished job behind to block a resend', () => {
    expect(deliverJobOptions({ NOTIFICATION_MAX_ATTEMPTS: 8, NOTIFICATION_RETRY_BASE_MS: 30_000 }, 'a1b2')).toEqual({
      jobId: 'a1b2',
      attempts: 8,
      backoff: { type: 'custom' },
      removeOnComplete: true,
      removeOnFail: true,
    });
  });
});
