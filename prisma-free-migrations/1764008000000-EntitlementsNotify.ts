import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Every change to a subscription (webhook, sweeper, staff edit) or a plan notifies the channel
 * `la_entitlements` with the tenant id (`*` for a plan: every tenant on it may have changed). NOTIFY is
 * transactional: Postgres delivers it when the state change commits and drops it on rollback, so the
 * entitlement streams of every replica hear exactly the committed changes, with no publish step to forget.
 */
export class EntitlementsNotify1764008000000 implements MigrationInterface {
  name = 'EntitlementsNotify1764008000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE FUNCTION la_notify_entitlements() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_TABLE_NAME = 'subscriptions' THEN
          PERFORM pg_notify('la_entitlements', COALESCE(NEW.tenant_id, OLD.tenant_id));
        ELSE
          PERFORM pg_notify('la_entitlements', '*');
        END IF;
        RETURN NULL;
      END $$`);
    await db.query(
      `CREATE TRIGGER subscriptions_notify_entitlements AFTER INSERT OR UPDATE OR DELETE ON subscriptions FOR EACH ROW EXECUTE FUNCTION la_notify_entitlements()`,
    );
    await db.query(`CREATE TRIGGER plans_notify_entitlements AFTER UPDATE ON plans FOR EACH ROW EXECUTE FUNCTION la_notify_entitlements()`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TRIGGER plans_notify_entitlements ON plans`);
    await db.query(`DROP TRIGGER subscriptions_notify_entitlements ON subscriptions`);
    await db.query(`DROP FUNCTION la_notify_entitlements()`);
  }
}
