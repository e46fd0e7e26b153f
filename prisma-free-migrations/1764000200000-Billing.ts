import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Stripe billing: which Stripe price is which plan or add-on, the Stripe ids of tenants and
 * subscriptions, every webhook event received (its id is the idempotency key), the history of
 * subscription transitions, and one-time customer login links.
 */
export class Billing1764000200000 implements MigrationInterface {
  name = 'Billing1764000200000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE stripe_prices (
        price_id text PRIMARY KEY CONSTRAINT stripe_prices_price_id_check CHECK (price_id ~ '^price_[A-Za-z0-9]{1,250}$'),
        plan_id text CONSTRAINT stripe_prices_plan_fk REFERENCES plans (id),
        addon_id text,
        billing_interval text NOT NULL CONSTRAINT stripe_prices_billing_interval_check CHECK (billing_interval IN ('monthly', 'annual')),
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT stripe_prices_plan_or_addon_check CHECK ((plan_id IS NULL) <> (addon_id IS NULL))
      )`);
    await db.query(`CREATE UNIQUE INDEX stripe_prices_plan_interval_unique ON stripe_prices (plan_id, billing_interval) WHERE plan_id IS NOT NULL`);
    await db.query(`CREATE UNIQUE INDEX stripe_prices_addon_interval_unique ON stripe_prices (addon_id, billing_interval) WHERE addon_id IS NOT NULL`);

    await db.query(`ALTER TABLE tenants ADD COLUMN stripe_customer_id text CONSTRAINT tenants_stripe_customer_unique UNIQUE`);
    await db.query(`
      ALTER TABLE subscriptions
        ADD COLUMN stripe_subscription_id text CONSTRAINT subscriptions_stripe_subscription_unique UNIQUE,
        ADD COLUMN stripe_status text,
        ADD COLUMN current_period_start timestamptz`);
    await db.query(`CREATE INDEX subscriptions_grace_idx ON subscriptions (grace_ends_at) WHERE status = 'past_due'`);

    await db.query(`
      CREATE TABLE stripe_events (
        id text PRIMARY KEY,
        type text NOT NULL,
        created_at timestamptz NOT NULL,
        received_at timestamptz NOT NULL,
        outcome text NOT NULL CONSTRAINT stripe_events_outcome_check
          CHECK (outcome IN ('processed', 'unchanged', 'ignored', 'unknown_customer', 'unknown_price')),
        detail text,
        tenant_id text,
        stripe_subscription_id text
      )`);
    await db.query(`CREATE INDEX stripe_events_outcome_idx ON stripe_events (outcome, received_at DESC)`);

    await db.query(`
      CREATE TABLE subscription_events (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        subscription_id uuid NOT NULL CONSTRAINT subscription_events_subscription_fk REFERENCES subscriptions (id) ON DELETE CASCADE,
        tenant_id text NOT NULL,
        from_status text,
        to_status text NOT NULL,
        reason text NOT NULL,
        source text NOT NULL,
        grace_ends_at timestamptz,
        occurred_at timestamptz NOT NULL
      )`);
    await db.query(`CREATE INDEX subscription_events_subscription_idx ON subscription_events (subscription_id, occurred_at)`);

    await db.query(`
      CREATE TABLE login_links (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id text NOT NULL CONSTRAINT login_links_tenant_fk REFERENCES tenants (id),
        token_hash text NOT NULL CONSTRAINT login_links_token_hash_unique UNIQUE,
        expires_at timestamptz NOT NULL,
        used_at timestamptz,
        session_hash text CONSTRAINT login_links_session_hash_unique UNIQUE,
        session_expires_at timestamptz,
        created_by text NOT NULL,
        created_at timestamptz NOT NULL
      )`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE login_links`);
    await db.query(`DROP TABLE subscription_events`);
    await db.query(`DROP TABLE stripe_events`);
    await db.query(`DROP INDEX subscriptions_grace_idx`);
    await db.query(`ALTER TABLE subscriptions DROP COLUMN stripe_subscription_id, DROP COLUMN stripe_status, DROP COLUMN current_period_start`);
    await db.query(`ALTER TABLE tenants DROP COLUMN stripe_customer_id`);
    await db.query(`DROP TABLE stripe_prices`);
  }
}
