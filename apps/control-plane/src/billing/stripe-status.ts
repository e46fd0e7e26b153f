/**
 * What a Stripe subscription status means for us. Stripe's retries and our grace timer are
 * separate: `past_due` and `unpaid` both mean "delinquent", and our own grace window (not Stripe's
 * dunning schedule) decides when a delinquent subscription is suspended.
 *
 * | Stripe status        | standing     | our status                                                  |
 * |----------------------|--------------|-------------------------------------------------------------|
 * | `trialing`           | trialing     | trialing                                                    |
 * | `active`             | active       | active (reactivated when it was past_due or suspended)      |
 * | `past_due`, `unpaid` | delinquent   | past_due with a grace window, then suspended by the sweeper |
 * | `paused`             | paused       | suspended                                                   |
 * | `canceled`, `incomplete_expired` | canceled | canceled                                        |
 * | `incomplete`         | incomplete   | no change (the first payment is still being confirmed)      |
 * | anything else        | unknown      | no change, recorded for staff                               |
 */
export type StripeStanding = 'trialing' | 'active' | 'delinquent' | 'paused' | 'canceled' | 'incomplete' | 'unknown';

export function standingOf(stripeStatus: string): StripeStanding {
  switch (stripeStatus) {
    case 'trialing':
      return 'trialing';
    case 'active':
      return 'active';
    case 'past_due':
    case 'unpaid':
      return 'delinquent';
    case 'paused':
      return 'paused';
    case 'canceled':
    case 'incomplete_expired':
      return 'canceled';
    case 'incomplete':
      return 'incomplete';
    default:
      return 'unknown';
  }
}
