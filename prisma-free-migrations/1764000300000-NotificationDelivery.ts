import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * next_attempt_at: when a pending notification may next be tried (in-process delivery schedules its
 * retries here). resends: how often staff re-sent it, so each resend gets its own Message-ID.
 */
export class NotificationDelivery1764000300000 implements MigrationInterface {
  name = 'NotificationDelivery1764000300000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE notifications ADD COLUMN next_attempt_at timestamptz NOT NULL DEFAULT now(), ADD COLUMN resends integer NOT NULL DEFAULT 0`);
    await db.query(`CREATE INDEX notifications_relay_idx ON notifications (next_attempt_at) WHERE status = 'pending'`);
    await db.query(`CREATE INDEX notifications_requeue_idx ON notifications (queued_at) WHERE status = 'queued'`);
    await db.query(`CREATE INDEX notifications_stage_status_idx ON notifications (stage, status, created_at DESC)`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP INDEX notifications_stage_status_idx`);
    await db.query(`DROP INDEX notifications_requeue_idx`);
    await db.query(`DROP INDEX notifications_relay_idx`);
    await db.query(`ALTER TABLE notifications DROP COLUMN next_attempt_at, DROP COLUMN resends`);
  }
}
