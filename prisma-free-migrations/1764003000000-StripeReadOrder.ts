import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A webhook re-reads its subscription from Stripe before it opens a transaction (no pool connection or
 * tenant lock is held while Stripe answers). Each read takes a number from this sequence first; a
 * subscription keeps the number of the read last applied, and an older read never overwrites a newer one.
 */
export class StripeReadOrder1764003000000 implements MigrationInterface {
  name = 'StripeReadOrder1764003000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`CREATE SEQUENCE stripe_read_seq`);
    await db.query(`ALTER TABLE subscriptions ADD COLUMN stripe_read_seq bigint`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE subscriptions DROP COLUMN stripe_read_seq`);
    await db.query(`DROP SEQUENCE stripe_read_seq`);
  }
}
