import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Indexes for 100k tenants and millions of licenses and phone-home records: every foreign key a read
 * follows (a lookup by license was a sequential scan of phone_homes), every filter a list offers, in
 * the order of its keyset cursor, and partial indexes that leave superseded licenses and refused calls
 * out of the sweeps. Not indexed: licenses.kid and licenses.plan_id (small parent tables whose rows are
 * never deleted, and every renewal would pay for the index).
 */
export class ScaleIndexes1764006000000 implements MigrationInterface {
  name = 'ScaleIndexes1764006000000';

  async up(db: QueryRunner): Promise<void> {
    for (const statement of INDEXES) await db.query(`CREATE INDEX ${statement}`);
  }

  async down(db: QueryRunner): Promise<void> {
    for (const statement of [...INDEXES].reverse()) await db.query(`DROP INDEX ${statement.split(' ')[0]}`);
  }
}

const INDEXES = [
  `phone_homes_license_idx ON phone_homes (license_id)`,
  `phone_homes_renewed_license_idx ON phone_homes (renewed_license_id) WHERE renewed_license_id IS NOT NULL`,
  `clone_alerts_license_idx ON clone_alerts (license_id)`,
  // The last successful phone-home of a tenant (silence alerts, expiry reminders).
  `phone_homes_tenant_success_idx ON phone_homes (tenant_id, called_at DESC) WHERE result IN ('renewed', 'resent')`,
  // GET /api/v1/licenses, unfiltered and by status, newest first (the keyset order).
  `licenses_issued_idx ON licenses (issued_at DESC, id DESC)`,
  `licenses_status_issued_idx ON licenses (status, issued_at DESC, id DESC)`,
  // The newest active BYOC license of each tenant (silence alerts): superseded renewals are not in it.
  `licenses_active_byoc_tenant_idx ON licenses (tenant_id, issued_at DESC) WHERE status = 'active' AND deployment_mode = 'byoc'`,
  `audit_events_action_idx ON audit_events (action, occurred_at DESC, id DESC)`,
  `notifications_status_idx ON notifications (status, created_at DESC, id DESC)`,
];
