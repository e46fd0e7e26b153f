/**
 * The benchmark's baseline (b): the least a correct phone-home renewal must do, with none of the
 * service's framework. Plain node:http, one pg pool, the license-core verifier (jose + the claims
 * schema), the service's facts query, renewal rule and renewal statement (imported from
 * renewal-statements.ts and renewal-decision.ts, pure modules), an RS256 signature with the key parsed once. No rate limits, logging, metrics or refusal bookkeeping: a refused call is a 403.
 * Started by phone-home.bench.ts; configured by PIPELINE_* variables; PIPELINE_WORKERS > 1 forks a cluster.
 */
import cluster from 'node:cluster';
import { createPrivateKey, createPublicKey, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import pg from 'pg';
import { keyIdOf, signLicenseToken, tokenHint, verifyLicenseToken, type LicenseClaims } from '@atlasai/license-core';
import { buildLicenseClaims } from '../../apps/control-plane/src/licenses/license-claims.builder.js';
import { SUCCESSFUL_RESULTS } from '../../apps/control-plane/src/phone-home/phone-home.entity.js';
import { decideRenewal } from '../../apps/control-plane/src/phone-home/renewal-decision.js';
import {
  factsByCall,
  factsParams,
  FACTS_SQL,
  renewalFacts,
  renewalRow,
  renewalTerms,
  renewParams,
  RENEW_SQL,
  type RenewalFactsRow,
} from '../../apps/control-plane/src/phone-home/renewal-statements.js';

const env = process.env;
const WORKERS = Number(env.PIPELINE_WORKERS ?? 1);
const ISSUER = 'https://cp.atlastechlab.com';
const AUDIENCE = 'atlasai-tenant-plane';
const DAY_MS = 86_400_000;
const RETRY_WINDOW_MS = 600_000;

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
    // The service's statements, each call on its own (the service groups concurrent calls into one statement).
    const lookup = { license_id: verification.claims.jti, fingerprint: body.fingerprint ?? null, since };
    const [facts] = factsByCall((await pool.query(FACTS_SQL, factsParams([lookup], SUCCESSFUL_RESULTS))).rows, 1);
    if (!facts) return [401, { error: 'LICENSE_UNKNOWN' }];
    // The service's rule. A retry within the window gets the renewal re-signed, as from the service: a call
    // cut off when a load phase ends leaves its tenant's older token in the bench's ring.
    const decision = decideRenewal(renewalFacts(facts, body.fingerprint, now, RETRY_WINDOW_MS));
    if (decision.kind === 'refuse') return [403, { error: decision.code }];
    if (decision.kind === 'resend') return resend(decision.licenseId, facts, body.tp_version, sourceAddress, now);
    const terms = renewalTerms(facts, randomUUID(), now, 365);
    const claims = buildLicenseClaims(terms, { issuer: ISSUER, audience: AUDIENCE });
    const token = await signLicenseToken(claims, privateKey, kid);
    const license = {
      id: claims.jti,
      tenantId: claims.tenant_id,
      planId: claims.plan_id,
      claims,
      kid,
      tokenHint: tokenHint(token),
      lineageId: facts.lineage_id,
      issuedAt: new Date(claims.iat * 1000),
      expiresAt: new Date(claims.exp * 1000),
      environment: terms.environment ?? null,
      maxMachines: terms.maxMachines!,
      planSource: terms.planSource!,
    };
    const call = { tp_version: body.tp_version, fingerprint: body.fingerprint, sourceAddress };
    const written = await pool.query(RENEW_SQL, renewParams([renewalRow(facts.head_id!, license, call, facts.id)]));
    if (written.rowCount === 0) return [409, { error: 'RENEWAL_CONFLICT' }];
    return [
      200,
      {
        license: token,
        license_id: license.id,
        issued_at: license.issuedAt.toISOString(),
        expires_at: license.expiresAt.toISOString(),
        renewed_from: facts.head_id,
      },
    ];
  }

  async function resend(licenseId: string, facts: RenewalFactsRow, tpVersion: string, sourceAddress: string | null, now: Date): Promise<[number, unknown]> {
    const { claims } = (await pool.query<{ claims: LicenseClaims }>('SELECT claims FROM licenses WHERE id = $1', [licenseId])).rows[0];
    const token = await signLicenseToken(claims, privateKey, kid);
    await pool.query(
      `INSERT INTO phone_homes (tenant_id, license_id, lineage_id, called_at, tp_version, source_address, result, renewed_license_id)
       VALUES ($1, $2, $3, $4, $5, $6, 'resent', $7)`,
      [facts.tenant_id, facts.id, facts.lineage_id, now, tpVersion, sourceAddress, licenseId],
    );
    const reply = {
      license: token,
      license_id: licenseId,
      issued_at: new Date(claims.iat * 1000).toISOString(),
      expires_at: new Date(claims.exp * 1000).toISOString(),
    };
    return [200, { ...reply, renewed_from: claims.renewed_from ?? null }];
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
