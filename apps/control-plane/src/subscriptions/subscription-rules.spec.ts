import { accessLevelFor, graceEndsAt } from './subscription-rules.js';

describe('subscription rules', () => {
  it('gives full access while trialing or active, read-only when past due, and blocks the rest', () => {
    expect(accessLevelFor('trialing')).toBe('full');
    expect(accessLevelFor('active')).toBe('full');
    expect(accessLevelFor('past_due')).toBe('read_only');
    expect(accessLevelFor('suspended')).toBe('blocked');
    expect(accessLevelFor('canceled')).toBe('blocked');
    expect(accessLevelFor(undefined)).toBe('blocked');
  });

  it('ends grace 7 days after a monthly failure and 14 after an annual one', () => {
    const failedAt = new Date('2026-11-24T10:00:00Z');
    expect(graceEndsAt(failedAt, 'monthly')).toEqual(new Date('2026-12-01T10:00:00Z'));
    expect(graceEndsAt(failedAt, 'annual')).toEqual(new Date('2026-12-08T10:00:00Z'));
  });
});
