import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Customers ask for licenses (new installation, renewal, upgrade, replacement); support approves
 * (the issued license is linked) or declines with a reason. At most one open request per tenant,
 * kind and environment, enforced by a partial unique index so two racing requests cannot both open.
 */
export class LicenseRequests1764007000000 implements MigrationInterface {
  name = 'LicenseRequests1764007000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE license_requests (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id text NOT NULL CONSTRAINT license_requests_tenant_fk REFERENCES tenants (id),
        kind text NOT NULL CONSTRAINT license_requests_kind_check CHECK (kind IN ('new', 'renewal', 'upgrade', 'replacement')),
        status text NOT NULL DEFAULT 'open' CONSTRAINT license_requests_status_check CHECK (status IN ('open', 'approved', 'declined', 'canceled')),
        deployment_mode text NOT NULL CONSTRAINT license_requests_mode_check CHECK (deployment_mode IN ('on_prem', 'byoc')),
        environment text NOT NULL DEFAULT '',
        fingerprint text,
        plan_id text NOT NULL CONSTRAINT license_requests_plan_fk REFERENCES plans (id),
        addons jsonb NOT NULL DEFAULT '[]',
        needs_plan_change boolean NOT NULL DEFAULT false,
        replaces_license_id uuid CONSTRAINT license_requests_replaces_fk REFERENCES licenses (id),
        note text,
        requested_by text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        decided_by text,
        decided_at timestamptz,
        decision_reason text,
        license_id uuid CONSTRAINT license_requests_license_fk REFERENCES licenses (id),
        CONSTRAINT license_requests_replaces_check CHECK ((kind IN ('renewal', 'replacement')) = (replaces_license_id IS NOT NULL)),
        CONSTRAINT license_requests_approved_check CHECK ((status = 'approved') = (license_id IS NOT NULL))
      )`);
    await db.query(`CREATE UNIQUE INDEX license_requests_one_open_idx ON license_requests (tenant_id, kind, environment) WHERE status = 'open'`);
    await db.query(`CREATE INDEX license_requests_status_created_idx ON license_requests (status, created_at, id)`);
    await db.query(`CREATE INDEX license_requests_tenant_created_idx ON license_requests (tenant_id, created_at, id)`);
    await db.query(`CREATE INDEX license_requests_replaces_idx ON license_requests (replaces_license_id) WHERE replaces_license_id IS NOT NULL`);
    await db.query(`CREATE INDEX license_requests_license_idx ON license_requests (license_id) WHERE license_id IS NOT NULL`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE license_requests`);
  }
}
