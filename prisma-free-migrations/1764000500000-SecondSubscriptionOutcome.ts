import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * second_subscription: a Stripe event for another live subscription of a tenant that already has one
 * (two Checkout sessions completed), kept apart from `ignored` so staff can find and resolve it.
 */
export class SecondSubscriptionOutcome1764000500000 implements MigrationInterface {
  name = 'SecondSubscriptionOutcome1764000500000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      ALTER TABLE stripe_events DROP CONSTRAINT stripe_events_outcome_check,
        ADD CONSTRAINT stripe_events_outcome_check
          CHECK (outcome IN ('processed', 'unchanged', 'ignored', 'unknown_customer', 'unknown_price', 'second_subscription'))`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`UPDATE stripe_events SET outcome = 'ignored' WHERE outcome = 'second_subscription'`);
    await db.query(`
      ALTER TABLE stripe_events DROP CONSTRAINT stripe_events_outcome_check,
        ADD CONSTRAINT stripe_events_outcome_check CHECK (outcome IN ('processed', 'unchanged', 'ignored', 'unknown_customer', 'unknown_price'))`);
  }
}
