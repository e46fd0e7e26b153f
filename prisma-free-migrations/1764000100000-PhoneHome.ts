import type { MigrationInterface, QueryRunner } from 'typeorm';

export class PhoneHome1764000100000 implements MigrationInterface {
  name = 'PhoneHome1764000100000';

  async up(db: QueryRunner): Promise<void> {
    // A lineage is a first license and every renewal descending from it; clone checks look across it.
    await db.query(`ALTER TABLE licenses ADD COLUMN lineage_id uuid`);
    await db.query(`UPDATE licenses SET lineage_id = id WHERE lineage_id IS NULL`);
    await db.query(`ALTER TABLE licenses ALTER COLUMN lineage_id SET NOT NULL`);
    await db.query(
      `CREATE INDEX licenses_newest_byoc_idx ON licenses (tenant_id, issued_at DESC, created_at DESC) WHERE deployment_mode = 'byoc' AND status <> 'revoked'`,
    );
    await db.query(`
      CREATE TABLE phone_homes (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id text NOT NULL CONSTRAINT phone_homes_tenant_fk REFERENCES tenants (id),
        license_id uuid NOT NULL CONSTRAINT phone_homes_license_fk REFERENCES licenses (id),
        lineage_id uuid NOT NULL,
        called_at timestamptz NOT NULL,
        tp_version text NOT NULL,
        source_address text,
        fingerprint text,
        result text NOT NULL,
        renewed_license_id uuid CONSTRAINT phone_homes_renewed_license_fk REFERENCES licenses (id),
        active_uses integer,
        usage_period_start timestamptz,
        usage_period_end timestamptz
      )`);
    await db.query(`CREATE INDEX phone_homes_tenant_idx ON phone_homes (tenant_id, called_at DESC)`);
    await db.query(`CREATE INDEX phone_homes_tenant_renewed_idx ON phone_homes (tenant_id, called_at DESC) WHERE result = 'renewed'`);
    await db.query(`CREATE INDEX phone_homes_lineage_fingerprint_idx ON phone_homes (lineage_id, called_at DESC) WHERE fingerprint IS NOT NULL`);
    await db.query(`
      CREATE TABLE clone_alerts (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id text NOT NULL CONSTRAINT clone_alerts_tenant_fk REFERENCES tenants (id),
        license_id uuid NOT NULL CONSTRAINT clone_alerts_license_fk REFERENCES licenses (id),
        lineage_id uuid NOT NULL,
        reason text NOT NULL CONSTRAINT clone_alerts_reason_check CHECK (reason IN ('stale_token', 'fingerprint_conflict')),
        details jsonb NOT NULL DEFAULT '{}',
        source_address text,
        fingerprint text,
        detected_at timestamptz NOT NULL
      )`);
    await db.query(`CREATE INDEX clone_alerts_tenant_idx ON clone_alerts (tenant_id, detected_at DESC)`);
    await db.query(`CREATE INDEX clone_alerts_detected_idx ON clone_alerts (detected_at DESC)`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE clone_alerts`);
    await db.query(`DROP TABLE phone_homes`);
    await db.query(`DROP INDEX licenses_newest_byoc_idx`);
    await db.query(`ALTER TABLE licenses DROP COLUMN lineage_id`);
  }
}
