/**
 * The benchmark's baseline (b): the least a correct phone-home renewal must do, with none of the
 * service's framework. Plain node:http, one pg pool, the license-core verifier (jose + the claims
 * schema), the service's facts query, an RS256 signature with the key parsed once, the service's
 * renewal statement. No rate limits, logging, metrics or refusal bookkeeping: a refused call is a 403.
 * Started by phone-home.bench.ts; configured by PIPELINE_* variables; PIPELINE_WORKERS > 1 forks a cluster.
 */
import cluster from 'node:cluster';
import { createPrivateKey, createPublicKey, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import pg from 'pg';
import { keyIdOf, signLicenseToken, tokenHint, verifyLicenseToken, type LicenseClaims } from '../../libs/license-core/src/index.js';
import { buildLicenseClaims } from '../../apps/control-plane/src/licenses/license-claims.builder.js';

const env = process.env;
const WORKERS = Number(env.PIPELINE_WORKERS ?? 1);
const ISSUER = 'https://cp.atlastechlab.com';
const AUDIENCE = 'atlasai-tenant-plane';
const DAY_MS = 86_400_000;

// The service's queries (phone-home.service.ts FACTS_SQL and RENEW_SQL), copied so the baseline runs the same SQL.
const FACTS_SQL = `
  SELECT l.id, l.tenant_id, l.status, l.claims, l.lineage_id,
         s.id AS successor_id, s.status AS successor_status, s.issued_at AS successor_issued_at,
         EXISTS (SELECT 1 FROM licenses g WHERE g.renewed_from = s.id) AS successor_renewed,
         (SELECT n.id FROM licenses n
           WHERE n.tenant_id = l.tenant_id AND n.deployment_mode = 'byoc' AND n.status <> 'revoked'
           ORDER BY n.issued_at DESC, n.created_at DESC LIMIT 1) AS newest_id,
         sub.status AS subscription_status, sub.addons AS subscription_addons,
         p.id AS plan_id, p.name AS plan_name, p.limits AS plan_limits, p.modules AS plan_modules, p.available_addons AS plan_addons,
         ($2::text IS NOT NULL AND l.claims->>'fingerprint' IS NULL AND EXISTS (
           SELECT 1 FROM phone_homes ph
           WHERE ph.lineage_id = l.lineage_id AND ph.fingerprint IS NOT NULL AND ph.fingerprint <> $2
             AND ph.called_at > $3 AND ph.result = ANY($4))) AS other_fingerprint_seen
  FROM licenses l
  LEFT JOIN licenses s ON s.renewed_from = l.id
  LEFT JOIN subscriptions sub ON sub.tenant_id = l.tenant_id
  LEFT JOIN plans p ON p.id = sub.plan_id
  WHERE l.id = $1`;

const RENEW_SQL = `
  WITH superseded AS (
    UPDATE licenses SET status = 'superseded' WHERE id = $1 AND status = 'active' RETURNING id
  ), renewal AS (
    INSERT INTO licenses (id, tenant_id, plan_id, deployment_mode, claims, kid, token_hint, status, renewed_from, lineage_id, issued_by, issued_at, expires_at)
    SELECT $2, $3, $4, 'byoc', $5, $6, $7, 'active', superseded.id, $8, 'phone-home', $9, $10 FROM superseded
    RETURNING id
  )
  INSERT INTO phone_homes (tenant_id, license_id, lineage_id, called_at, tp_version, source_address, fingerprint, result, renewed_license_id,
                           active_uses, usage_period_start, usage_period_end)
  SELECT $3, $1, $8, $9, $11, $12, $13, 'renewed', renewal.id, $14, $15, $16 FROM renewal
  RETURNING id`;

interface Facts {
  id: string;
  tenant_id: string;
  status: string;
  claims: LicenseClaims;
  lineage_id: string;
  successor_id: string | null;
  newest_id: string | null;
  subscription_status: string | null;
  plan_id: string;
  plan_name: string;
  plan_limits: LicenseClaims['limits'];
  plan_modules: string[];
  plan_addons: string[];
  subscription_addons: string[] | null;
}

async function serve(): Promise<void> {
  const privateKey = createPrivateKey(env.PIPELINE_PRIVATE_KEY ?? '');
  const publicKey = createPublicKey(privateKey);
  const kid = await keyIdOf(publicKey);
  const pool = new pg.Pool({ connectionString: env.PIPELINE_DATABASE_URL, max: Number(env.PIPELINE_POOL_SIZE ?? 10) });

  async function renew(body: { license?: string; tp_version?: string; fingerprint?: string }, sourceAddress: string | null): Promise<[number, unknown]> {
    if (typeof body.license !== 'string' || typeof body.tp_version !== 'string') return [400, { error: 'license and tp_version are required' }];
    const now = new Date();
    const verification = await verifyLicenseToken(body.license, {
      keys: (presented) => (presented === kid ? publicKey : undefined),
      issuer: ISSUER,
      audience: AUDIENCE,
      now,
    });
    if (!verification.valid) return [401, { error: verification.reason }];
    const since = new Date(now.getTime() - DAY_MS);
    const facts = (await pool.query<Facts>(FACTS_SQL, [verification.claims.jti, body.fingerprint ?? null, since, ['renewed', 'resent']])).rows[0];
    if (!facts) return [401, { error: 'LICENSE_UNKNOWN' }];
    if (facts.status !== 'active' || facts.successor_id || facts.newest_id !== facts.id || facts.subscription_status !== 'active') {
      return [403, { error: 'NOT_RENEWABLE' }];
    }
    const claims = buildLicenseClaims(
      {
        licenseId: randomUUID(),
        tenantId: facts.tenant_id,
        plan: { id: facts.plan_id, name: facts.plan_name, limits: facts.plan_limits, modules: facts.plan_modules },
        addons: (facts.subscription_addons ?? []).filter((addon) => facts.plan_addons.includes(addon)),
        deploymentMode: 'byoc',
        issuedAt: now,
        validityDays: 365,
        gracePeriodDays: facts.claims.grace_period_days,
        readOnlyPeriodDays: facts.claims.read_only_period_days,
        fingerprint: facts.claims.fingerprint,
        maxActiveUses: facts.claims.max_active_uses,
        renewedFrom: facts.id,
      },
      { issuer: ISSUER, audience: AUDIENCE },
    );
    const token = await signLicenseToken(claims, privateKey, kid);
    const issuedAt = new Date(claims.iat * 1000);
    const expiresAt = new Date(claims.exp * 1000);
    const written = await pool.query(RENEW_SQL, [
      facts.id,
      claims.jti,
      facts.tenant_id,
      facts.plan_id,
      claims,
      kid,
      tokenHint(token),
      facts.lineage_id,
      issuedAt,
      expiresAt,
      body.tp_version,
      sourceAddress,
      body.fingerprint ?? null,
      null,
      null,
      null,
    ]);
    if (written.rowCount === 0) return [409, { error: 'RENEWAL_CONFLICT' }];
    return [200, { license: token, license_id: claims.jti, issued_at: issuedAt.toISOString(), expires_at: expiresAt.toISOString(), renewed_from: facts.id }];
  }

  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    if (request.method !== 'POST' || request.url !== '/api/v1/phone-home') return reply(response, 404, { error: 'NOT_FOUND' });
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      let body: unknown;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        return reply(response, 400, { error: 'MALFORMED_JSON' });
      }
      renew(body as Parameters<typeof renew>[0], request.socket.remoteAddress ?? null).then(
        ([status, payload]) => reply(response, status, payload),
        (error: unknown) => reply(response, 500, { error: String(error) }),
      );
    });
  });
  server.listen(Number(env.PIPELINE_PORT), '127.0.0.1');
  process.once('SIGTERM', () => server.close(() => void pool.end().then(() => process.exit(0))));
}

function reply(response: ServerResponse, status: number, payload: unknown): void {
  const body = JSON.stringify(payload);
  response.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  response.end(body);
}

if (WORKERS > 1 && cluster.isPrimary) {
  for (let index = 0; index < WORKERS; index++) cluster.fork();
  process.once('SIGTERM', () => {
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGTERM');
    cluster.on('exit', () => {
      if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(0);
    });
  });
} else {
  void serve();
}
