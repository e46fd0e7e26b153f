import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Staff identity: expiring, scoped and rotatable API tokens; OIDC sign-in sessions; audit events that
 * name the person, the token and its creator, the source address.
 *
 * Tokens that exist before this migration keep working. Staff tokens (admin, support, viewer) expire
 * 90 days after the upgrade (the default lifetime of a new token), so the 7-day reminder reaches
 * their holders before anything stops; `service` tokens (SaaS tenant planes) never expire, with the
 * reason recorded, because cutting a paying tenant plane off is worse than an old credential: rotate them.
 */
export class StaffIdentity1764009000000 implements MigrationInterface {
  name = 'StaffIdentity1764009000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      ALTER TABLE api_tokens
        ADD COLUMN expires_at timestamptz,
        ADD COLUMN never_expires_reason text,
        ADD COLUMN scopes text[],
        ADD COLUMN created_by_email text,
        ADD COLUMN last_used_address text,
        ADD COLUMN rotated_at timestamptz,
        ADD COLUMN previous_token_hash text,
        ADD COLUMN previous_token_valid_until timestamptz`);
    await db.query(`UPDATE api_tokens SET expires_at = now() + interval '90 days' WHERE role <> 'service'`);
    await db.query(
      `UPDATE api_tokens SET never_expires_reason = 'service token created before tokens expired (migration StaffIdentity1764009000000)' WHERE role = 'service'`,
    );
    await db.query(`ALTER TABLE api_tokens ADD CONSTRAINT api_tokens_expiry_check CHECK (expires_at IS NOT NULL OR never_expires_reason IS NOT NULL)`);
    await db.query(`CREATE UNIQUE INDEX api_tokens_previous_token_hash_unique ON api_tokens (previous_token_hash) WHERE previous_token_hash IS NOT NULL`);
    await db.query(`CREATE INDEX api_tokens_expires_idx ON api_tokens (expires_at) WHERE revoked_at IS NULL AND expires_at IS NOT NULL`);

    await db.query(`
      ALTER TABLE audit_events
        ADD COLUMN actor_type text,
        ADD COLUMN actor_subject text,
        ADD COLUMN actor_email text,
        ADD COLUMN actor_name text,
        ADD COLUMN actor_token_id uuid,
        ADD COLUMN actor_token_created_by text,
        ADD COLUMN source_address text`);
    await db.query(`CREATE INDEX audit_events_actor_email_idx ON audit_events (actor_email, occurred_at DESC) WHERE actor_email IS NOT NULL`);

    await db.query(`
      CREATE TABLE staff_sessions (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        secret_hash text NOT NULL CONSTRAINT staff_sessions_secret_hash_unique UNIQUE,
        subject text NOT NULL,
        email text,
        name text,
        role text NOT NULL CONSTRAINT staff_sessions_role_check CHECK (role IN ('admin', 'support', 'viewer')),
        groups jsonb NOT NULL DEFAULT '[]',
        created_at timestamptz NOT NULL,
        last_seen_at timestamptz NOT NULL,
        absolute_expires_at timestamptz NOT NULL,
        source_address text,
        user_agent text,
        revoked_at timestamptz,
        revoked_by text
      )`);
    await db.query(`CREATE INDEX staff_sessions_live_idx ON staff_sessions (absolute_expires_at) WHERE revoked_at IS NULL`);

    await db.query(`
      CREATE TABLE oidc_login_attempts (
        state_hash text PRIMARY KEY,
        browser_hash text NOT NULL,
        code_verifier text NOT NULL,
        nonce text NOT NULL,
        return_to text NOT NULL,
        created_at timestamptz NOT NULL,
        expires_at timestamptz NOT NULL
      )`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE oidc_login_attempts`);
    await db.query(`DROP TABLE staff_sessions`);
    await db.query(`DROP INDEX audit_events_actor_email_idx`);
    await db.query(`
      ALTER TABLE audit_events
        DROP COLUMN actor_type, DROP COLUMN actor_subject, DROP COLUMN actor_email, DROP COLUMN actor_name,
        DROP COLUMN actor_token_id, DROP COLUMN actor_token_created_by, DROP COLUMN source_address`);
    await db.query(`DROP INDEX api_tokens_expires_idx`);
    await db.query(`DROP INDEX api_tokens_previous_token_hash_unique`);
    await db.query(`ALTER TABLE api_tokens DROP CONSTRAINT api_tokens_expiry_check`);
    await db.query(`
      ALTER TABLE api_tokens
        DROP COLUMN expires_at, DROP COLUMN never_expires_reason, DROP COLUMN scopes, DROP COLUMN created_by_email,
        DROP COLUMN last_used_address, DROP COLUMN rotated_at, DROP COLUMN previous_token_hash, DROP COLUMN previous_token_valid_until`);
  }
}
