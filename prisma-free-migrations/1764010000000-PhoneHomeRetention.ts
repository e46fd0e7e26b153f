import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The phone-home prune (PHONE_HOME_RETENTION_DAYS) walks phone_homes oldest first up to the retention
 * cutoff: without this index each of its batches would read the whole table. Whether a newer call of
 * the same installation exists is answered by phone_homes_tenant_idx.
 */
export class PhoneHomeRetention1764010000000 implements MigrationInterface {
  name = 'PhoneHomeRetention1764010000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`CREATE INDEX phone_homes_called_at_idx ON phone_homes (called_at)`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP INDEX phone_homes_called_at_idx`);
  }
}
