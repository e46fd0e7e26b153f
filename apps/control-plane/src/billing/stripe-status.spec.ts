import { standingOf } from './stripe-status.js';

describe('Stripe status mapping', () => {
  it('maps every Stripe subscription status explicitly', () => {
    expect(standingOf('trialing')).toBe('trialing');
    expect(standingOf('active')).toBe('active');
    expect(standingOf('past_due')).toBe('delinquent');
    expect(standingOf('unpaid')).toBe('delinquent');
    expect(standingOf('paused')).toBe('paused');
    expect(standingOf('canceled')).toBe('canceled');
    expect(standingOf('incomplete_expired')).toBe('canceled');
    expect(standingOf('incomplete')).toBe('incomplete');
  });

  it('treats a status it does not know as unknown, so nothing changes', () => {
    expect(standingOf('something_new')).toBe('unknown');
  });
});
