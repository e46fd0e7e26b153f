import type { MigrationInterface, QueryRunner } from 'typeorm';

/** A `service` token belongs to one tenant: a SaaS tenant plane reads its own entitlements, nobody else's. */
export class ServiceTokenTenant1764000600000 implements MigrationInterface {
  name = 'ServiceTokenTenant1764000600000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE api_tokens ADD COLUMN tenant_id text CONSTRAINT api_tokens_tenant_fk REFERENCES tenants (id)`);
    await db.query(`ALTER TABLE api_tokens ADD CONSTRAINT api_tokens_tenant_scope_check CHECK (tenant_id IS NULL OR role = 'service')`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE api_tokens DROP COLUMN tenant_id`);
  }
}
