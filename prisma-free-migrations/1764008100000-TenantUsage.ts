import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The latest usage a tenant plane reported (users, data volume, AI credits used), shown against the plan's limits. */
export class TenantUsage1764008100000 implements MigrationInterface {
  name = 'TenantUsage1764008100000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE tenant_usage (
        tenant_id text PRIMARY KEY CONSTRAINT tenant_usage_tenant_fk REFERENCES tenants (id),
        users integer CONSTRAINT tenant_usage_users_check CHECK (users >= 0),
        data_volume_gb numeric CONSTRAINT tenant_usage_data_volume_check CHECK (data_volume_gb >= 0),
        ai_credits_used bigint CONSTRAINT tenant_usage_ai_credits_check CHECK (ai_credits_used >= 0),
        source text NOT NULL CONSTRAINT tenant_usage_source_check CHECK (source IN ('saas', 'phone_home')),
        reported_at timestamptz NOT NULL
      )`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE tenant_usage`);
  }
}
