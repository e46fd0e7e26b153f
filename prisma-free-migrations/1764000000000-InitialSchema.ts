import type { MigrationInterface, QueryRunner } from 'typeorm';

export class InitialSchema1764000000000 implements MigrationInterface {
  name = 'InitialSchema1764000000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE signing_keys (
        kid text PRIMARY KEY,
        public_key_pem text NOT NULL,
        public_jwk jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        last_activated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await db.query(`
      CREATE TABLE api_tokens (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name text NOT NULL,
        role text NOT NULL CONSTRAINT api_tokens_role_check CHECK (role IN ('admin', 'support', 'viewer', 'service')),
        token_hash text NOT NULL CONSTRAINT api_tokens_token_hash_unique UNIQUE,
        token_prefix text NOT NULL,
        created_by text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        last_used_at timestamptz,
        revoked_at timestamptz
      )`);
    await db.query(`
      CREATE TABLE plans (
        id text PRIMARY KEY,
        name text NOT NULL,
        limits jsonb NOT NULL,
        modules jsonb NOT NULL DEFAULT '[]',
        available_addons jsonb NOT NULL DEFAULT '[]',
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await db.query(`
      INSERT INTO plans (id, name, limits, modules, available_addons) VALUES
        ('core', 'Core', '{"users": 25, "data_volume_gb": 100, "ai_credits": 1000, "retention_days": 90}', '["itsm"]', '["automation_pro"]'),
        ('operations', 'Operations', '{"users": 100, "data_volume_gb": 500, "ai_credits": 10000, "retention_days": 365}', '["itsm", "compliance", "automation"]', '["automation_pro", "edge_pack"]'),
        ('enterprise', 'Enterprise', '{"users": null, "data_volume_gb": null, "ai_credits": 100000, "retention_days": 2555}', '["itsm", "compliance", "automation", "edge"]', '["automation_pro", "edge_pack", "premium_support"]')`);
    await db.query(`
      CREATE TABLE tenants (
        id text PRIMARY KEY,
        name text NOT NULL,
        contact_email text NOT NULL,
        deployment_mode text NOT NULL CONSTRAINT tenants_deployment_mode_check CHECK (deployment_mode IN ('saas', 'dedicated', 'on_prem', 'byoc')),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await db.query(`
      CREATE TABLE subscriptions (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id text NOT NULL CONSTRAINT subscriptions_tenant_unique UNIQUE CONSTRAINT subscriptions_tenant_fk REFERENCES tenants (id),
        plan_id text NOT NULL CONSTRAINT subscriptions_plan_fk REFERENCES plans (id),
        addons jsonb NOT NULL DEFAULT '[]',
        billing_interval text NOT NULL CONSTRAINT subscriptions_billing_interval_check CHECK (billing_interval IN ('monthly', 'annual')),
        status text NOT NULL CONSTRAINT subscriptions_status_check CHECK (status IN ('trialing', 'active', 'past_due', 'suspended', 'canceled')),
        grace_ends_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await db.query(`
      CREATE TABLE licenses (
        id uuid PRIMARY KEY,
        tenant_id text NOT NULL CONSTRAINT licenses_tenant_fk REFERENCES tenants (id),
        plan_id text NOT NULL,
        deployment_mode text NOT NULL CONSTRAINT licenses_deployment_mode_check CHECK (deployment_mode IN ('on_prem', 'byoc')),
        claims jsonb NOT NULL,
        kid text NOT NULL CONSTRAINT licenses_kid_fk REFERENCES signing_keys (kid),
        token_hint text NOT NULL,
        status text NOT NULL CONSTRAINT licenses_status_check CHECK (status IN ('active', 'superseded', 'revoked')),
        renewed_from uuid CONSTRAINT licenses_renewed_from_fk REFERENCES licenses (id),
        issued_by text NOT NULL,
        issued_at timestamptz NOT NULL,
        expires_at timestamptz NOT NULL,
        revoked_at timestamptz,
        revoked_reason text,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await db.query(`CREATE INDEX licenses_tenant_issued_idx ON licenses (tenant_id, issued_at DESC)`);
    await db.query(`CREATE INDEX licenses_expires_idx ON licenses (expires_at) WHERE status = 'active'`);
    await db.query(`CREATE UNIQUE INDEX licenses_renewed_from_unique ON licenses (renewed_from) WHERE renewed_from IS NOT NULL`);
    await db.query(`
      CREATE TABLE audit_events (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        occurred_at timestamptz NOT NULL,
        actor text NOT NULL,
        action text NOT NULL,
        target_type text NOT NULL,
        target_id text NOT NULL,
        details jsonb NOT NULL DEFAULT '{}',
        request_id text
      )`);
    await db.query(`CREATE INDEX audit_events_target_idx ON audit_events (target_type, target_id, occurred_at DESC)`);
    await db.query(`CREATE INDEX audit_events_occurred_idx ON audit_events (occurred_at DESC)`);
  }

  async down(db: QueryRunner): Promise<void> {
    for (const table of ['audit_events', 'licenses', 'subscriptions', 'tenants', 'plans', 'api_tokens', 'signing_keys']) {
      await db.query(`DROP TABLE ${table}`);
    }
  }
}
