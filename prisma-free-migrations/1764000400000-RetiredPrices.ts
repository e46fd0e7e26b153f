import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * retired_at: a plan or add-on price that was replaced stays mapped, so subscriptions Stripe still bills
 * on it resolve to their plan; only the unretired price per owner and interval is used for new Checkouts.
 */
export class RetiredPrices1764000400000 implements MigrationInterface {
  name = 'RetiredPrices1764000400000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE stripe_prices ADD COLUMN retired_at timestamptz`);
    await db.query(`DROP INDEX stripe_prices_plan_interval_unique`);
    await db.query(`DROP INDEX stripe_prices_addon_interval_unique`);
    await db.query(
      `CREATE UNIQUE INDEX stripe_prices_plan_interval_unique ON stripe_prices (plan_id, billing_interval) WHERE plan_id IS NOT NULL AND retired_at IS NULL`,
    );
    await db.query(
      `CREATE UNIQUE INDEX stripe_prices_addon_interval_unique ON stripe_prices (addon_id, billing_interval) WHERE addon_id IS NOT NULL AND retired_at IS NULL`,
    );
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DELETE FROM stripe_prices WHERE retired_at IS NOT NULL`);
    await db.query(`DROP INDEX stripe_prices_plan_interval_unique`);
    await db.query(`DROP INDEX stripe_prices_addon_interval_unique`);
    await db.query(`CREATE UNIQUE INDEX stripe_prices_plan_interval_unique ON stripe_prices (plan_id, billing_interval) WHERE plan_id IS NOT NULL`);
    await db.query(`CREATE UNIQUE INDEX stripe_prices_addon_interval_unique ON stripe_prices (addon_id, billing_interval) WHERE addon_id IS NOT NULL`);
    await db.query(`ALTER TABLE stripe_prices DROP COLUMN retired_at`);
  }
}
