import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A lineage is one installation: its head (the one `active` license) is what a phone-home with any of
 * its tokens renews. Support names it (`environment`), replaces its head (`replaces`), caps its
 * machines (`max_machines`) and may pin its plan instead of following the subscription.
 */
export class LicenseLineages1764002000000 implements MigrationInterface {
  name = 'LicenseLineages1764002000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE licenses ADD COLUMN environment text`);
    await db.query(`ALTER TABLE licenses ADD COLUMN max_machines integer NOT NULL DEFAULT 1 CONSTRAINT licenses_max_machines_check CHECK (max_machines >= 1)`);
    await db.query(
      `ALTER TABLE licenses ADD COLUMN plan_source text NOT NULL DEFAULT 'subscription' CONSTRAINT licenses_plan_source_check CHECK (plan_source IN ('subscription', 'pinned'))`,
    );
    await db.query(`ALTER TABLE licenses ADD COLUMN replaces uuid CONSTRAINT licenses_replaces_fk REFERENCES licenses (id)`);
    // One head per lineage: a renewal and a replacement racing on one installation cannot both win.
    await db.query(`CREATE UNIQUE INDEX licenses_lineage_head_unique ON licenses (lineage_id) WHERE status = 'active'`);
    await db.query(`CREATE INDEX licenses_lineage_idx ON licenses (lineage_id)`);
    await db.query(`CREATE INDEX clone_alerts_lineage_idx ON clone_alerts (lineage_id, reason, detected_at DESC)`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP INDEX clone_alerts_lineage_idx`);
    await db.query(`DROP INDEX licenses_lineage_idx`);
    await db.query(`DROP INDEX licenses_lineage_head_unique`);
    for (const column of ['replaces', 'plan_source', 'max_machines', 'environment']) await db.query(`ALTER TABLE licenses DROP COLUMN ${column}`);
  }
}
