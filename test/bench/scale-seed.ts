/**
 * Fills a migrated database with a fleet in a few set-based statements (generate_series): T tenants,
 * a quarter on-prem and the rest BYOC, each with a subscription and a lineage of K licenses (the newest
 * active, the older ones superseded by daily renewals, one phone-home record per renewal), three audit
 * events and one notification per tenant (or `notificationsPerTenant`). BYOC tenant planes last phoned home 12 hours ago (one in 50:
 * five days ago, silent); on-prem licenses expire spread over the next 400 days. Shared by
 * `npm run bench:scale` and the query-plan test.
 */
import type pg from 'pg';

export interface ScaleShape {
  tenants: number;
  licensesPerTenant: number;
  /** 1 unless given; the query-plan test needs more to make the table large. */
  notificationsPerTenant?: number;
  now: Date;
}

const FLEET = `
  SELECT t, j, 'scale-' || t AS tenant_id, CASE WHEN t % 4 = 0 THEN 'on_prem' ELSE 'byoc' END AS mode,
         md5('license-' || t || '-' || j)::uuid AS id,
         CASE WHEN j > 1 THEN md5('license-' || t || '-' || (j - 1))::uuid END AS renewed_from,
         md5('license-' || t || '-1')::uuid AS lineage_id,
         $1::timestamptz - ($3::int - j) * interval '1 day'
           - CASE WHEN t % 4 = 0 THEN (t % 400) * interval '1 day' WHEN t % 50 = 1 THEN interval '5 days' ELSE interval '12 hours' END AS issued_at
  FROM generate_series(1, $2::int) t, generate_series(1, $3::int) j`;

export async function seedScale(client: pg.ClientBase, shape: ScaleShape): Promise<void> {
  const { rows } = await client.query<{ kid: string }>('SELECT kid FROM signing_keys LIMIT 1');
  if (!rows[0]) throw new Error('seedScale needs a signing key: boot the app on the database first');
  const fleet = [shape.now, shape.tenants, shape.licensesPerTenant];
  await client.query(
    `INSERT INTO tenants (id, name, contact_email, deployment_mode, created_at)
     SELECT tenant_id, 'Scale ' || t, 'ops@' || tenant_id || '.example', mode, $1::timestamptz - interval '2 years' FROM (${FLEET}) f WHERE j = 1`,
    fleet,
  );
  await client.query(
    `INSERT INTO subscriptions (tenant_id, plan_id, billing_interval, status) SELECT tenant_id, 'operations', 'annual', 'active' FROM (${FLEET}) f WHERE j = 1`,
    fleet,
  );
  await client.query(
    `INSERT INTO licenses (id, tenant_id, plan_id, deployment_mode, claims, kid, token_hint, status, renewed_from, lineage_id, issued_by, issued_at, expires_at, created_at)
     SELECT id, tenant_id, 'operations', mode,
            jsonb_build_object('iss', 'https://cp.atlastechlab.com', 'aud', 'atlasai-tenant-plane', 'sub', tenant_id, 'tenant_id', tenant_id, 'jti', id,
              'iat', extract(epoch FROM issued_at)::bigint, 'nbf', extract(epoch FROM issued_at)::bigint,
              'exp', extract(epoch FROM issued_at + interval '365 days')::bigint, 'plan_id', 'operations', 'plan_name', 'Operations',
              'limits', '{"users": 100, "data_volume_gb": 500, "ai_credits": 10000, "retention_days": 365}'::jsonb,
              'modules', '["itsm", "compliance", "automation"]'::jsonb, 'addons', '[]'::jsonb, 'deployment_mode', mode,
              'grace_period_days', 30, 'read_only_period_days', 30)
              || CASE WHEN renewed_from IS NULL THEN '{}'::jsonb ELSE jsonb_build_object('renewed_from', renewed_from) END,
            $4, 'eyJhbGciOiJSUzI1…seeded', CASE WHEN j = $3 THEN 'active' ELSE 'superseded' END, renewed_from, lineage_id,
            CASE WHEN j = 1 THEN 'seed' ELSE 'phone-home' END, issued_at, issued_at + interval '365 days', issued_at
     FROM (${FLEET}) f`,
    [...fleet, rows[0].kid],
  );
  await client.query(
    `INSERT INTO phone_homes (tenant_id, license_id, lineage_id, called_at, tp_version, source_address, result, renewed_license_id)
     SELECT tenant_id, renewed_from, lineage_id, issued_at, '4.2.0', '10.0.0.1', 'renewed', id FROM (${FLEET}) f WHERE mode = 'byoc' AND j > 1`,
    fleet,
  );
  await client.query(
    `INSERT INTO audit_events (occurred_at, actor, action, target_type, target_id, details)
     SELECT $1::timestamptz - (t * 3 + a) * interval '1 minute', 'token:seed',
            (ARRAY['tenant.created', 'subscription.set', 'license.issued'])[a + 1], 'tenant', 'scale-' || t, '{}'
     FROM generate_series(1, $2::int) t, generate_series(0, 2) a`,
    [shape.now, shape.tenants],
  );
  await client.query(
    `INSERT INTO notifications (tenant_id, stage, recipient, dedupe_key, facts, status, attempts, created_at, sent_at)
     SELECT 'scale-' || t, 'license_issued', 'ops@scale-' || t || '.example', 'scale-' || t || '|license_issued|seed|' || n, '{}', 'sent', 1,
            $1::timestamptz - (t * $3::int + n) * interval '1 minute', $1::timestamptz - (t * $3::int + n) * interval '1 minute'
     FROM generate_series(1, $2::int) t, generate_series(1, $3::int) n`,
    [shape.now, shape.tenants, shape.notificationsPerTenant ?? 1],
  );
  await client.query('ANALYZE');
}
