import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Each new signing key is endorsed by its predecessor (a JWS over its public JWK), so tenant planes that
 * trust an older key can learn it. A staged key is recorded (published) before any replica signs with it:
 * its `last_activated_at` stays null until one does.
 */
export class KeyEndorsements1764002100000 implements MigrationInterface {
  name = 'KeyEndorsements1764002100000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE signing_keys ADD COLUMN endorsed_by text CONSTRAINT signing_keys_endorsed_by_fk REFERENCES signing_keys (kid)`);
    await db.query(`ALTER TABLE signing_keys ADD COLUMN endorsement text`);
    await db.query(`ALTER TABLE signing_keys ADD CONSTRAINT signing_keys_endorsement_check CHECK ((endorsed_by IS NULL) = (endorsement IS NULL))`);
    await db.query(`ALTER TABLE signing_keys ALTER COLUMN last_activated_at DROP NOT NULL, ALTER COLUMN last_activated_at DROP DEFAULT`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`UPDATE signing_keys SET last_activated_at = created_at WHERE last_activated_at IS NULL`);
    await db.query(`ALTER TABLE signing_keys ALTER COLUMN last_activated_at SET NOT NULL, ALTER COLUMN last_activated_at SET DEFAULT now()`);
    await db.query(`ALTER TABLE signing_keys DROP COLUMN endorsement`);
    await db.query(`ALTER TABLE signing_keys DROP COLUMN endorsed_by`);
  }
}
