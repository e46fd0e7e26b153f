import type Stripe from 'stripe';

/**
 * When an invoice's payment first failed, as Stripe records it, or null when it has not failed (no attempt
 * yet, or paid / voided). Stripe attempts an automatically collected invoice when it finalizes it, so the
 * first failure of the cycle is the finalization time (its creation time for an invoice finalized at once).
 * Read from the invoice itself, the grace window is the same whichever event arrives first and however late.
 */
export function firstFailureOf(invoice: Pick<Stripe.Invoice, 'status' | 'attempt_count' | 'created' | 'status_transitions'>): Date | null {
  if (invoice.status !== 'open' && invoice.status !== 'uncollectible') return null;
  if (!invoice.attempt_count) return null;
  const at = invoice.status_transitions?.finalized_at ?? invoice.created;
  return at ? new Date(at * 1000) : null;
}
