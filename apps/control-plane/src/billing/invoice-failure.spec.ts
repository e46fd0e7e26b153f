import { firstFailureOf } from './invoice-failure.js';

const invoice = (extra: Partial<Parameters<typeof firstFailureOf>[0]> = {}) => ({
  status: 'open' as const,
  attempt_count: 2,
  created: 1_000,
  status_transitions: { finalized_at: 4_600, paid_at: null, voided_at: null, marked_uncollectible_at: null },
  ...extra,
});

describe('firstFailureOf', () => {
  it('is the finalization time of an open invoice that Stripe attempted', () => {
    expect(firstFailureOf(invoice())).toEqual(new Date(4_600_000));
  });

  it('falls back to the creation time when the invoice carries no finalization time', () => {
    expect(firstFailureOf(invoice({ status_transitions: undefined }))).toEqual(new Date(1_000_000));
  });

  it('is null for an invoice not attempted yet, paid or voided', () => {
    expect(firstFailureOf(invoice({ attempt_count: 0 }))).toBeNull();
    expect(firstFailureOf(invoice({ status: 'paid' }))).toBeNull();
    expect(firstFailureOf(invoice({ status: 'void' }))).toBeNull();
  });
});
