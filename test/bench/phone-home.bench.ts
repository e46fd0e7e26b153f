/**
 * Phone-home benchmark: boots the built service on the local Postgres, seeds BYOC tenants, drives
 * POST /api/v1/phone-home with autocannon (this process; the service is another) at fixed rates
 * and at saturation, single process and one process per core, and measures in the same run the raw
 * parallel RS256 signing rate of this machine with the same key. Run: `npm run bench:phone-home`.
 * Knobs: BENCH_TENANTS, BENCH_SECONDS, BENCH_RATES (comma-separated req/s), BENCH_CONNECTIONS, BENCH_POOL_SIZE
 * (the service's DATABASE_POOL_SIZE, 20), and
 * BENCH_PROFILE_DIR (writes a V8 CPU profile of each service process there; see test/bench/top-functions.ts).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createPrivateKey, createPublicKey } from 'node:crypto';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import autocannon from 'autocannon';
import { keyIdOf, signLicenseToken } from '../../libs/license-core/src/index.js';
import { stopService, waitHealthy } from './bench-service.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { licenseClaims } from '../support/tenant-sdk-fixtures.js';
import { httpCall } from '../support/test-app.js';
import { generateTestPrivateKeyPem } from '../support/test-keys.js';

const TENANTS = Number(process.env.BENCH_TENANTS ?? 400);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const RATES = (process.env.BENCH_RATES ?? '250,500,1000').split(',').map(Number);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const CORES = availableParallelism();
const PORT = 3900 + (process.pid % 90);
const BASE_URL = `http://127.0.0.1:${PORT}`;
const MAIN = resolve(import.meta.dirname, '../../apps/control-plane/src/main.js');
const CLI = resolve(import.meta.dirname, '../../apps/cli/src/main.js');

// autocannon reports p97.5 but not p95; its percentile list is a shared array it reads at report time.
(createRequire(createRequire(import.meta.url).resolve('autocannon'))('hdr-histogram-percentiles-obj') as { percentiles: number[] }).percentiles.push(95);

interface Row {
  scenario: string;
  requests: number;
  ok: number;
  perSecond: number;
  p50: number;
  p95: number;
  p99: number;
  errors: number;
}

async function main(): Promise<void> {
  const database = await createTestDatabase('bench_phone_home');
  const privateKeyPem = generateTestPrivateKeyPem();
  let service: ChildProcess | undefined;
  try {
    const raw = await rawSigningRate(privateKeyPem);
    service = await startService(database, privateKeyPem, 1);
    const tokens = await seed(database, privateKeyPem, TENANTS);
    const rows: Row[] = [];
    await drive(tokens, 'warm-up', { duration: 3 });
    for (const rate of RATES) rows.push(await drive(tokens, `${rate} req/s, 1 process`, { overallRate: rate }));
    rows.push(await drive(tokens, 'saturation, 1 process', {}));
    const singleCounts = await resultCounts();
    await stopService(service);
    service = await startService(database, privateKeyPem, CORES);
    await drive(tokens, 'warm-up', { duration: 3 });
    rows.push(await drive(tokens, `saturation, ${CORES} processes (cluster)`, {}));
    report(raw, rows, singleCounts);
  } finally {
    if (service) await stopService(service);
    await database.drop();
  }
}

/** Every core signing the same license with the same key: the ceiling no service can beat. */
async function rawSigningRate(privateKeyPem: string): Promise<number> {
  const key = createPrivateKey(privateKeyPem);
  const token = await signLicenseToken(licenseClaims(new Date()), key, await keyIdOf(createPublicKey(key)));
  const signingInput = token.split('.').slice(0, 2).join('.');
  const milliseconds = 3_000;
  const workerFile = resolve(import.meta.dirname, 'raw-signing.worker.js');
  const counts = await Promise.all(
    Array.from(
      { length: CORES },
      () =>
        new Promise<number>((done, fail) => {
          const worker = new Worker(workerFile, { workerData: { privateKeyPem, signingInput, milliseconds } });
          worker.once('message', done);
          worker.once('error', fail);
        }),
    ),
  );
  return counts.reduce((sum, count) => sum + count, 0) / (milliseconds / 1000);
}

async function startService(database: TestDatabase, privateKeyPem: string, workers: number): Promise<ChildProcess> {
  const profile = process.env.BENCH_PROFILE_DIR ? ['--cpu-prof', '--cpu-prof-dir', process.env.BENCH_PROFILE_DIR] : [];
  const child = spawn(process.execPath, [...profile, MAIN], {
    env: {
      PATH: process.env.PATH ?? '',
      NODE_ENV: 'production',
      PORT: String(PORT),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      DATABASE_URL: database.url,
      DATABASE_POOL_SIZE: process.env.BENCH_POOL_SIZE ?? '20',
      CP_LICENSE_PRIVATE_KEY: privateKeyPem,
      REDIS_URL: process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379',
      REDIS_KEY_PREFIX: `bench${process.pid}`,
      SMTP_URL: 'smtp://127.0.0.1:2525',
      PHONE_HOME_RATE_LIMIT_PER_ADDRESS: '1000000',
      PHONE_HOME_RATE_LIMIT_PER_LICENSE: '1000000',
      CLUSTER_WORKERS: String(workers),
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  return waitHealthy(child, BASE_URL);
}

/** N BYOC tenants, each with an annual subscription and a first license; returns their tokens. */
async function seed(database: TestDatabase, privateKeyPem: string, count: number): Promise<string[]> {
  const created = execFileSync(process.execPath, [CLI, 'tokens', 'create', '--name', 'bench', '--role', 'support'], {
    env: { PATH: process.env.PATH ?? '', DATABASE_URL: database.url, CP_LICENSE_PRIVATE_KEY: privateKeyPem, LOG_LEVEL: 'silent' },
    encoding: 'utf8',
  });
  const staff = (JSON.parse(created) as { token: string }).token;
  const tokens: string[] = [];
  const seedOne = async (index: number) => {
    const id = `bench-${index}`;
    await httpCall(BASE_URL, 'POST', '/api/v1/tenants', {
      token: staff,
      body: { id, name: `Bench ${index}`, contact_email: `ops@${id}.example`, deployment_mode: 'byoc' },
    });
    await httpCall(BASE_URL, 'PUT', `/api/v1/tenants/${id}/subscription`, { token: staff, body: { plan_id: 'operations', billing_interval: 'annual' } });
    const issued = await httpCall(BASE_URL, 'POST', '/api/v1/licenses', { token: staff, body: { tenant_id: id } });
    if (issued.status !== 201) throw new Error(`seeding ${id} failed: ${issued.text}`);
    tokens[index] = issued.body.token as string;
  };
  for (let start = 0; start < count; start += 16) {
    await Promise.all(Array.from({ length: Math.min(16, count - start) }, (_, offset) => seedOne(start + offset)));
  }
  return tokens;
}

/**
 * Each request presents a tenant's newest token, round-robin over the tenants, and keeps the
 * renewal it gets back: every call is a real renewal (a new row, a new signature), not a retry.
 */
async function drive(tokens: string[], scenario: string, options: { overallRate?: number; duration?: number }): Promise<Row> {
  let next = 0;
  const result = await autocannon({
    url: `${BASE_URL}/api/v1/phone-home`,
    connections: CONNECTIONS,
    duration: options.duration ?? SECONDS,
    ...(options.overallRate ? { overallRate: options.overallRate } : {}),
    requests: [
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        setupRequest: (request, context) => {
          const index = next++ % tokens.length;
          (context as { index?: number }).index = index;
          return { ...request, body: JSON.stringify({ license: tokens[index], tp_version: 'bench-1.0.0' }) };
        },
        onResponse: (status, body, context) => {
          if (status === 200) tokens[(context as { index: number }).index] = (JSON.parse(body) as { license: string }).license;
        },
      },
    ],
  });
  const latency = result.latency as unknown as Record<string, number>;
  return {
    scenario,
    requests: result.requests.total,
    ok: result['2xx'],
    perSecond: result['2xx'] / result.duration,
    p50: latency.p50,
    p95: latency.p95,
    p99: latency.p99,
    errors: result.non2xx + result.errors + result.timeouts,
  };
}

/** Renewed versus resent, from the service's own counter. */
async function resultCounts(): Promise<string> {
  const metrics = await (await fetch(`${BASE_URL}/metrics`)).text();
  return metrics
    .split('\n')
    .filter((line) => line.startsWith('la_phone_homes_total{'))
    .join(', ');
}

function report(raw: number, rows: Row[], counts: string): void {
  const saturation = rows.find((row) => row.scenario.startsWith('saturation, 1'))!;
  const clustered = rows.find((row) => row.scenario.includes('cluster'))!;
  console.log(
    `\nPhone-home benchmark: ${TENANTS} BYOC tenants, ${CONNECTIONS} connections, ${SECONDS} s per scenario, ${CORES} cores, Node ${process.version}`,
  );
  console.table(
    rows.map((row) => ({
      scenario: row.scenario,
      'renewals/s': Math.round(row.perSecond),
      'p50 ms': row.p50,
      'p95 ms': row.p95,
      'p99 ms': row.p99,
      'non-2xx/errors': row.errors,
      requests: row.requests,
    })),
  );
  console.log(`raw parallel RS256 signing rate (${CORES} threads, same key): ${Math.round(raw)} signatures/s`);
  console.log(`renewals/s at saturation, 1 process: ${Math.round(saturation.perSecond)} = ${pct(saturation.perSecond / raw)} of the raw signing rate`);
  console.log(`renewals/s at saturation, ${CORES} processes: ${Math.round(clustered.perSecond)} = ${pct(clustered.perSecond / raw)} of the raw signing rate`);
  console.log(`server-side results (single-process phase): ${counts}`);
}

const pct = (ratio: number) => `${Math.round(ratio * 100)}%`;

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
