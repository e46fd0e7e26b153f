import type { MigrationInterface, QueryRunner } from 'typeorm';

export class NotificationOutbox1764000050000 implements MigrationInterface {
  name = 'NotificationOutbox1764000050000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE notifications (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id text CONSTRAINT notifications_tenant_fk REFERENCES tenants (id),
        stage text NOT NULL,
        recipient text NOT NULL,
        dedupe_key text NOT NULL CONSTRAINT notifications_dedupe_key_unique UNIQUE,
        facts jsonb NOT NULL DEFAULT '{}',
        attachments jsonb,
        status text NOT NULL DEFAULT 'pending' CONSTRAINT notifications_status_check CHECK (status IN ('pending', 'queued', 'sent', 'failed')),
        attempts integer NOT NULL DEFAULT 0,
        last_error text,
        created_at timestamptz NOT NULL,
        queued_at timestamptz,
        sent_at timestamptz,
        failed_at timestamptz
      )`);
    await db.query(`CREATE INDEX notifications_pending_idx ON notifications (created_at) WHERE status IN ('pending', 'queued')`);
    await db.query(`CREATE INDEX notifications_tenant_idx ON notifications (tenant_id, created_at DESC)`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE notifications`);
  }
}
