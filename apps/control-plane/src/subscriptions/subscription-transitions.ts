import type { StripeStanding } from '../billing/stripe-status.js';
import type { NotificationStage } from '../notifications/notification.entity.js';
import { graceEndsAt, type GraceSettings } from './subscription-rules.js';
import type { BillingInterval, SubscriptionStatus } from './subscription.entity.js';

export interface SubscriptionState {
  status: SubscriptionStatus;
  graceEndsAt: Date | null;
}

export interface Transition {
  to: SubscriptionStatus;
  graceEndsAt: Date | null;
  /** The customer email this transition causes, if any. */
  stage: Extract<NotificationStage, 'payment_failed' | 'suspended' | 'reactivated' | 'canceled'> | null;
  reason: string;
}

export interface TransitionInput {
  /** When the payment failed (the Stripe event's own time), which starts the grace window. */
  failedAt: Date;
  interval: BillingInterval;
  grace: GraceSettings;
}

/**
 * DESIGN.md "Subscriptions": where Stripe's current standing takes our subscription, or null when it
 * stays where it is. Applied to the state re-read from Stripe, so it is the same whichever event
 * (or replay) triggered it, and it never moves a subscription backwards: a delinquent subscription
 * that is already past due keeps its grace end, and one the sweeper suspended stays suspended until
 * Stripe says it is paid.
 */
export function nextState(current: SubscriptionState | null, standing: StripeStanding, input: TransitionInput): Transition | null {
  const from = current?.status ?? null;
  switch (standing) {
    case 'trialing':
    case 'active':
      if (from === standing) return null;
      if (from === 'past_due' || from === 'suspended') return { to: standing, graceEndsAt: null, stage: 'reactivated', reason: 'payment succeeded' };
      if (from === null) return { to: standing, graceEndsAt: null, stage: null, reason: 'subscribed' };
      if (from === 'canceled') return { to: standing, graceEndsAt: null, stage: null, reason: 'subscribed again' };
      return { to: standing, graceEndsAt: null, stage: null, reason: standing === 'active' ? 'trial converted' : 'trial started' };
    case 'delinquent':
      if (from === 'past_due' || from === 'suspended' || from === 'canceled') return null;
      return { to: 'past_due', graceEndsAt: graceEndsAt(input.failedAt, input.interval, input.grace), stage: 'payment_failed', reason: 'payment failed' };
    case 'paused':
      if (from === 'suspended' || from === 'canceled') return null;
      return { to: 'suspended', graceEndsAt: null, stage: null, reason: 'paused in Stripe' };
    case 'canceled':
      if (from === 'canceled') return null;
      return { to: 'canceled', graceEndsAt: null, stage: from === null ? null : 'canceled', reason: 'canceled in Stripe' };
    case 'incomplete':
    case 'unknown':
      return null;
  }
}

/**
 * Grace counts from the FIRST failure of a past-due episode, whatever order Stripe delivers the failures in:
 * a failure that arrives after a later one already started the episode moves the grace end earlier, never
 * later. A failure from before the subscription last recovered (`episodeStart`) belongs to an earlier
 * episode and moves nothing. Null when the grace end stays.
 */
export function earlierGraceEnd(current: SubscriptionState | null, input: TransitionInput & { episodeStart: Date | null }): Date | null {
  if (current?.status !== 'past_due' || !current.graceEndsAt) return null;
  if (input.episodeStart && input.failedAt.getTime() < input.episodeStart.getTime()) return null;
  const end = graceEndsAt(input.failedAt, input.interval, input.grace);
  return end.getTime() < current.graceEndsAt.getTime() ? end : null;
}

/** The sweeper's rule: past due and the grace window is over. */
export function graceIsOver(state: SubscriptionState, now: Date): boolean {
  return state.status === 'past_due' && state.graceEndsAt !== null && state.graceEndsAt.getTime() <= now.getTime();
}

/** The grace_ending notice is due `noticeDays` before the grace window ends, and until it ends. */
export function graceEndingNoticeDue(state: SubscriptionState, now: Date, noticeDays: number): boolean {
  if (state.status !== 'past_due' || state.graceEndsAt === null) return false;
  const end = state.graceEndsAt.getTime();
  return now.getTime() < end && now.getTime() >= end - noticeDays * 86_400_000;
}

/** The billing cycle that scopes a notification: the period's start date (UTC). */
export function cycleOf(subscription: { currentPeriodStart: Date | null; graceEndsAt: Date | null; updatedAt: Date }): string {
  return (subscription.currentPeriodStart ?? subscription.graceEndsAt ?? subscription.updatedAt).toISOString().slice(0, 10);
}
