import { DEFAULT_GRACE } from './subscription-rules.js';
import { cycleOf, earlierGraceEnd, graceEndingNoticeDue, graceIsOver, nextState, type SubscriptionState } from './subscription-transitions.js';

const failedAt = new Date('2026-11-24T12:00:00Z');
const monthly = { failedAt, interval: 'monthly' as const, grace: DEFAULT_GRACE };
const annual = { ...monthly, interval: 'annual' as const };
const state = (status: SubscriptionState['status'], graceEndsAt: Date | null = null): SubscriptionState => ({ status, graceEndsAt });

describe('subscription transitions', () => {
  it('moves an active subscription to past_due on a failed payment, with 7 days of grace (monthly) or 14 (annual)', () => {
    expect(nextState(state('active'), 'delinquent', monthly)).toEqual({
      to: 'past_due',
      graceEndsAt: new Date('2026-12-01T12:00:00Z'),
      stage: 'payment_failed',
      reason: 'payment failed',
    });
    expect(nextState(state('trialing'), 'delinquent', annual)?.graceEndsAt).toEqual(new Date('2026-12-08T12:00:00Z'));
  });

  it('keeps the grace end where it is on further failures', () => {
    expect(nextState(state('past_due', new Date('2026-12-01T12:00:00Z')), 'delinquent', { ...monthly, failedAt: new Date('2026-11-27T00:00:00Z') })).toBeNull();
  });

  it('moves the grace end earlier for an earlier failure delivered late, never later, and not for one of a previous episode', () => {
    const lateEnd = new Date('2026-12-04T12:00:00Z');
    expect(earlierGraceEnd(state('past_due', lateEnd), { ...monthly, episodeStart: null })).toEqual(new Date('2026-12-01T12:00:00Z'));
    expect(earlierGraceEnd(state('past_due', lateEnd), { ...annual, episodeStart: null })).toBeNull();
    expect(earlierGraceEnd(state('past_due', new Date('2026-11-30T12:00:00Z')), { ...monthly, episodeStart: null })).toBeNull();
    expect(earlierGraceEnd(state('past_due', lateEnd), { ...monthly, episodeStart: new Date('2026-11-25T00:00:00Z') })).toBeNull();
    expect(earlierGraceEnd(state('suspended', lateEnd), { ...monthly, episodeStart: null })).toBeNull();
  });

  it('never moves a suspended subscription back to past_due while Stripe still retries', () => {
    expect(nextState(state('suspended'), 'delinquent', monthly)).toBeNull();
  });

  it('reactivates past_due and suspended subscriptions once Stripe says they are paid', () => {
    for (const from of ['past_due', 'suspended'] as const) {
      expect(nextState(state(from, failedAt), 'active', monthly)).toEqual({
        to: 'active',
        graceEndsAt: null,
        stage: 'reactivated',
        reason: 'payment succeeded',
      });
    }
  });

  it('does nothing when the standing matches the status', () => {
    expect(nextState(state('active'), 'active', monthly)).toBeNull();
    expect(nextState(state('canceled'), 'canceled', monthly)).toBeNull();
  });

  it('cancels from any state, with an email unless there was nothing to cancel', () => {
    for (const from of ['trialing', 'active', 'past_due', 'suspended'] as const) expect(nextState(state(from), 'canceled', monthly)?.stage).toBe('canceled');
    expect(nextState(null, 'canceled', monthly)).toMatchObject({ to: 'canceled', stage: null });
  });

  it('does not revive a canceled subscription as past_due', () => {
    expect(nextState(state('canceled'), 'delinquent', monthly)).toBeNull();
  });

  it('suspends a paused subscription and ignores incomplete or unknown ones', () => {
    expect(nextState(state('active'), 'paused', monthly)).toMatchObject({ to: 'suspended', stage: null });
    expect(nextState(state('active'), 'incomplete', monthly)).toBeNull();
    expect(nextState(null, 'unknown', monthly)).toBeNull();
  });

  it('creates the subscription on its first active or trialing state', () => {
    expect(nextState(null, 'active', monthly)).toMatchObject({ to: 'active', stage: null, reason: 'subscribed' });
    expect(nextState(null, 'trialing', monthly)).toMatchObject({ to: 'trialing' });
  });

  it('ends grace exactly at its end, and sends the notice in the last N days before it', () => {
    const end = new Date('2026-12-01T12:00:00Z');
    expect(graceIsOver(state('past_due', end), new Date('2026-12-01T11:59:59Z'))).toBe(false);
    expect(graceIsOver(state('past_due', end), end)).toBe(true);
    expect(graceIsOver(state('suspended', end), end)).toBe(false);
    expect(graceEndingNoticeDue(state('past_due', end), new Date('2026-11-29T11:59:59Z'), 2)).toBe(false);
    expect(graceEndingNoticeDue(state('past_due', end), new Date('2026-11-29T12:00:00Z'), 2)).toBe(true);
    expect(graceEndingNoticeDue(state('past_due', end), end, 2)).toBe(false);
  });

  it('names the cycle by the billing period start', () => {
    expect(cycleOf({ currentPeriodStart: new Date('2026-11-24T10:00:00Z'), graceEndsAt: null, updatedAt: new Date() })).toBe('2026-11-24');
  });
});
