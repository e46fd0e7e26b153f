/**
 * Phone-home benchmark, three figures from one run on one database:
 *   (a) raw RS256 signing on every core, the key parsed once: the ceiling of any renewal service;
 *   (b) the minimal pipeline (minimal-pipeline.server.ts: node:http, pg, jose, the service's SQL);
 *   (c) the service itself (the built dist, NODE_ENV=production, Redis rate limits),
 * (b) and (c) each in one process and with one process per core, each started fresh and warmed up
 * for the same time. Per target: renewals/s at saturation (autocannon, closed loop), Node CPU ms per
 * renewal and RSS (from /proc, the whole process tree), and latency under an open-model load
 * (open-loop-load.ts: fixed arrival rate, latency from when each call was due); for the single service
 * process also its event-loop delay and GC time during each rate (service-runtime.ts), which tell a tail
 * of its own from one spent waiting on the database. Run: `npm run bench:phone-home`.
 * Knobs: BENCH_TENANTS (400), BENCH_SECONDS (10), BENCH_WARMUP_SECONDS (5), BENCH_RATES (50,100,200),
 * BENCH_CONNECTIONS (saturation, 16), BENCH_REPEATS (1; repetitions interleave the targets), BENCH_POOL_SIZE (20),
 * BENCH_LOG_LEVEL (info, the service's default), BENCH_PORT, BENCH_DATABASE_PREFIX, BENCH_SMTP_PORT (the bench's mail sink; a free port),
 * BENCH_REDIS_URL, BENCH_PROFILE_DIR (a V8 CPU profile of each service process; see top-functions.ts).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createPrivateKey, createPublicKey } from 'node:crypto';
import { availableParallelism, cpus, totalmem } from 'node:os';
import { resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import autocannon from 'autocannon';
import pg from 'pg';
import { keyIdOf, signLicenseToken } from '@atlasai/license-core';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { licenseClaims } from '../support/tenant-sdk-fixtures.js';
import { httpCall } from '../support/http-call.js';
import { eventually, SmtpSink } from '../support/smtp-sink.js';
import { generateTestPrivateKeyPem } from '../support/test-keys.js';
import { openLoop, type LatencySummary, type LoadCall } from './open-loop-load.js';
import { processTreeUsage } from './process-usage.js';
import { watchRuntime, type RuntimeFigures } from './service-runtime.js';

const env = process.env;
const TENANTS = Number(env.BENCH_TENANTS ?? 400);
const SECONDS = Number(env.BENCH_SECONDS ?? 10);
const WARMUP_SECONDS = Number(env.BENCH_WARMUP_SECONDS ?? 5);
const RATES = (env.BENCH_RATES ?? '50,100,200').split(',').map(Number);
const CONNECTIONS = Number(env.BENCH_CONNECTIONS ?? 16);
const REPEATS = Number(env.BENCH_REPEATS ?? 1);
const POOL_SIZE = env.BENCH_POOL_SIZE ?? '20';
const LOG_LEVEL = env.BENCH_LOG_LEVEL ?? 'info';
const CORES = availableParallelism();
const PORT = Number(env.BENCH_PORT ?? 3900 + (process.pid % 90));
const BASE_URL = `http://127.0.0.1:${PORT}`;
const PHONE_HOME_URL = `${BASE_URL}/api/v1/phone-home`;
const MAIN = resolve(import.meta.dirname, '../../apps/control-plane/src/main.js');
const CLI = resolve(import.meta.dirname, '../../apps/cli/src/main.js');
const PIPELINE = resolve(import.meta.dirname, 'minimal-pipeline.server.js');
// A working mail server, as in a real deployment: the seeding's emails are delivered, not retried during the measurements.
const mail = await SmtpSink.start(Number(env.BENCH_SMTP_PORT ?? 0));

type Kind = 'pipeline' | 'service';

interface Measurement {
  repeat: number;
  kind: Kind;
  processes: number;
  renewalsPerSecond: number;
  failed: number;
  cpuMsPerRenewal: number;
  rssMb: number;
  latency: Map<number, LatencySummary>;
  /** The service's event loop and GC during each open-loop rate (single process only). */
  runtime: Map<number, RuntimeFigures>;
}

async function main(): Promise<void> {
  const database = await createTestDatabase(env.BENCH_DATABASE_PREFIX ?? 'bench_phone_home');
  const privateKeyPem = generateTestPrivateKeyPem();
  try {
    const raw = await rawSigningRate(privateKeyPem);
    const seeding = await startService(database, privateKeyPem, 1);
    let tokens: TokenRing;
    try {
      tokens = new TokenRing(await seed(database, privateKeyPem, TENANTS));
      await outboxDrained(database);
    } finally {
      await stop(seeding);
    }
    const measurements: Measurement[] = [];
    for (let repeat = 1; repeat <= REPEATS; repeat++) {
      // Palindromic order, so a drift over the run (the tables grow) does not favour one kind.
      const order: [Kind, number][] = [
        ['pipeline', 1],
        ['service', 1],
        ['service', CORES],
        ['pipeline', CORES],
      ];
      for (const [kind, processes] of repeat % 2 ? order : [...order].reverse()) {
        measurements.push(await measure(repeat, kind, processes, database, privateKeyPem, tokens));
      }
    }
    report(raw, measurements);
  } finally {
    await database.drop();
    await mail.close();
  }
}

/** Waits (up to a minute) until the seeding service has sent every email the seeding caused. */
async function outboxDrained(database: TestDatabase): Promise<void> {
  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  try {
    const pending = async () =>
      (await client.query<{ n: number }>(`SELECT count(*)::int AS n FROM notifications WHERE status IN ('pending', 'queued')`)).rows[0].n;
    await eventually(async () => ((await pending()) === 0 ? true : undefined), 60_000, 'the seeding emails to be delivered');
  } finally {
    await client.end();
  }
}

/** Every core signing the same license with the same parsed key: the ceiling no service can beat. */
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

async function measure(repeat: number, kind: Kind, processes: number, database: TestDatabase, privateKeyPem: string, tokens: TokenRing): Promise<Measurement> {
  const child = kind === 'service' ? await startService(database, privateKeyPem, processes) : await startPipeline(database, privateKeyPem, processes);
  try {
    console.error(`[bench] repeat ${repeat}: ${kind} x${processes}`);
    await saturate(tokens, WARMUP_SECONDS);
    const before = processTreeUsage(child.pid!);
    const saturation = await saturate(tokens, SECONDS);
    const after = processTreeUsage(child.pid!);
    const latency = new Map<number, LatencySummary>();
    const runtime = new Map<number, RuntimeFigures>();
    for (const rate of RATES) {
      const watch = kind === 'service' && processes === 1 ? await watchRuntime(BASE_URL) : undefined;
      latency.set(rate, await openLoop(PHONE_HOME_URL, rate, SECONDS, () => tokens.next()));
      if (watch) runtime.set(rate, await watch.finish());
    }
    return {
      repeat,
      kind,
      processes,
      renewalsPerSecond: saturation.ok / SECONDS,
      failed: saturation.failed + [...latency.values()].reduce((sum, row) => sum + row.failed, 0),
      cpuMsPerRenewal: (after.cpuMs - before.cpuMs) / Math.max(1, saturation.ok),
      rssMb: after.rssBytes / 2 ** 20,
      latency,
      runtime,
    };
  } finally {
    await stop(child);
  }
}

async function startService(database: TestDatabase, privateKeyPem: string, workers: number): Promise<ChildProcess> {
  const profile = env.BENCH_PROFILE_DIR ? ['--cpu-prof', '--cpu-prof-dir', env.BENCH_PROFILE_DIR] : [];
  return ready(
    spawn(process.execPath, [...profile, MAIN], {
      env: {
        PATH: env.PATH ?? '',
        NODE_ENV: 'production',
        PORT: String(PORT),
        HOST: '127.0.0.1',
        LOG_LEVEL,
        DATABASE_URL: database.url,
        DATABASE_POOL_SIZE: POOL_SIZE,
        CP_LICENSE_PRIVATE_KEY: privateKeyPem,
        REDIS_URL: env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379',
        REDIS_KEY_PREFIX: `bench${process.pid}`,
        SMTP_URL: mail.url,
        PHONE_HOME_RATE_LIMIT_PER_ADDRESS: '1000000',
        PHONE_HOME_RATE_LIMIT_PER_LICENSE: '1000000',
        CLUSTER_WORKERS: String(workers),
      },
      // The request log goes nowhere, but it is still written: production runs at the same level.
      stdio: ['ignore', 'ignore', 'inherit'],
    }),
    '/api/health',
  );
}

async function startPipeline(database: TestDatabase, privateKeyPem: string, workers: number): Promise<ChildProcess> {
  return ready(
    spawn(process.execPath, [PIPELINE], {
      env: {
        PATH: env.PATH ?? '',
        PIPELINE_PORT: String(PORT),
        PIPELINE_DATABASE_URL: database.url,
        PIPELINE_POOL_SIZE: POOL_SIZE,
        PIPELINE_PRIVATE_KEY: privateKeyPem,
        PIPELINE_WORKERS: String(workers),
      },
      stdio: ['ignore', 'inherit', 'inherit'],
    }),
    '/',
  );
}

/** Waits until the child answers HTTP on `path` (any status: the pipeline only knows phone-home). */
async function ready(child: ChildProcess, path: string): Promise<ChildProcess> {
  try {
    return await answering(child, path);
  } catch (error) {
    await stop(child);
    throw error;
  }
}

async function answering(child: ChildProcess, path: string): Promise<ChildProcess> {
  // A boot on a loaded machine (several Nest processes, migrations) can take a minute or two.
  for (let attempt = 0; attempt < 720; attempt++) {
    const answer = await fetch(`${BASE_URL}${path}`).catch(() => undefined);
    if (answer && (path === '/' || answer.ok)) return settled(child);
    if (child.exitCode !== null) throw new Error(`${path === '/' ? 'the pipeline' : 'the service'} exited with ${child.exitCode}`);
    await new Promise((done) => setTimeout(done, 250));
  }
  throw new Error('the benchmark target did not start');
}

/**
 * Waits until the process tree is idle: with a cluster the first answer comes from one worker while
 * the others still boot, and a load whose connections open then would pin them all to that worker.
 */
async function settled(child: ChildProcess): Promise<ChildProcess> {
  let last = processTreeUsage(child.pid!).cpuMs;
  for (let attempt = 0; attempt < 120; attempt++) {
    await new Promise((done) => setTimeout(done, 500));
    const now = processTreeUsage(child.pid!).cpuMs;
    if (now - last <= 50) return child;
    last = now;
  }
  return child;
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((done) => child.once('exit', done));
  child.kill('SIGTERM');
  await exited;
}

/** N BYOC tenants, each with an annual subscription and a first license; returns their tokens. */
async function seed(database: TestDatabase, privateKeyPem: string, count: number): Promise<string[]> {
  const created = execFileSync(process.execPath, [CLI, 'tokens', 'create', '--name', 'bench', '--role', 'support'], {
    env: { PATH: env.PATH ?? '', DATABASE_URL: database.url, CP_LICENSE_PRIVATE_KEY: privateKeyPem, LOG_LEVEL: 'silent' },
    encoding: 'utf8',
  });
  const staff = (JSON.parse(created) as { token: string }).token;
  const tokens: string[] = [];
  // On a loaded machine a keep-alive connection can close under a request; a tenant that exists already is a 409.
  const call = async (method: string, path: string, body: unknown, attempt = 1): ReturnType<typeof httpCall> => {
    try {
      return await httpCall(BASE_URL, method, path, { token: staff, body });
    } catch (error) {
      if (attempt >= 3) throw error;
      return call(method, path, body, attempt + 1);
    }
  };
  const seedOne = async (index: number) => {
    const id = `bench-${index}`;
    await call('POST', '/api/v1/tenants', { id, name: `Bench ${index}`, contact_email: `ops@${id}.example`, deployment_mode: 'byoc' });
    await call('PUT', `/api/v1/tenants/${id}/subscription`, { plan_id: 'operations', billing_interval: 'annual' });
    const issued = await call('POST', '/api/v1/licenses', { tenant_id: id });
    if (issued.status !== 201) throw new Error(`seeding ${id} failed: ${issued.text}`);
    tokens[index] = issued.body.token as string;
  };
  for (let start = 0; start < count; start += 16) {
    await Promise.all(Array.from({ length: Math.min(16, count - start) }, (_, offset) => seedOne(start + offset)));
  }
  return tokens;
}

/**
 * Each call presents a tenant's newest token, round-robin over the tenants, and keeps the renewal it
 * gets back: every call is a real renewal (a new row, a new signature), not a retry. With 400 tenants
 * and calls answered in well under a second, no two calls carry the same token at once.
 */
class TokenRing {
  private cursor = 0;
  constructor(private readonly tokens: string[]) {}

  next(): LoadCall {
    const index = this.cursor++ % this.tokens.length;
    return {
      body: JSON.stringify({ license: this.tokens[index], tp_version: 'bench-1.0.0' }),
      onOk: (reply) => {
        this.tokens[index] = (JSON.parse(reply) as { license: string }).license;
      },
    };
  }
}

/** Closed loop at saturation: CONNECTIONS connections, each sending its next call when the last is answered. */
async function saturate(tokens: TokenRing, seconds: number): Promise<{ ok: number; failed: number }> {
  const result = await autocannon({
    url: PHONE_HOME_URL,
    connections: CONNECTIONS,
    duration: seconds,
    requests: [
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        setupRequest: (request, context) => {
          const call = tokens.next();
          (context as { call?: LoadCall }).call = call;
          return { ...request, body: call.body };
        },
        onResponse: (status, body, context) => {
          if (status === 200) (context as { call: LoadCall }).call.onOk(body);
        },
      },
    ],
  });
  return { ok: result['2xx'], failed: result.non2xx + result.errors + result.timeouts };
}

function report(raw: number, measurements: Measurement[]): void {
  console.log(
    `\nPhone-home benchmark: ${TENANTS} BYOC tenants, ${CORES} cores (${cpus()[0]?.model ?? 'unknown CPU'}), ${Math.round(totalmem() / 2 ** 30)} GiB, ` +
      `Node ${process.version}; saturation ${CONNECTIONS} connections x ${SECONDS} s after ${WARMUP_SECONDS} s warm-up; ` +
      `open-loop ${SECONDS} s per rate; service LOG_LEVEL=${LOG_LEVEL}, DATABASE_POOL_SIZE=${POOL_SIZE}`,
  );
  console.log(`(a) raw RS256 signing, ${CORES} threads, key parsed once: ${Math.round(raw)} signatures/s`);
  console.table(
    measurements.map((row) => ({
      repeat: row.repeat,
      target: `${row.kind === 'service' ? '(c) service' : '(b) pipeline'} x${row.processes}`,
      'renewals/s': Math.round(row.renewalsPerSecond),
      'CPU ms/renewal': round(row.cpuMsPerRenewal),
      'RSS MB': Math.round(row.rssMb),
      ...Object.fromEntries([...row.latency.entries()].map(([rate, summary]) => [`p50/p99 ms @${rate}/s`, `${summary.p50} / ${summary.p99}`])),
      failed: row.failed,
    })),
  );
  for (const row of measurements.filter((measurement) => measurement.runtime.size > 0)) {
    for (const [rate, figures] of row.runtime) {
      console.log(
        `repeat ${row.repeat} (c) service x1 @${rate}/s: event-loop delay p99 ${round(figures.loopDelayP99Ms)} ms, max ${round(figures.loopDelayMaxMs)} ms; ` +
          `GC ${round(figures.gcMs)} ms in ${SECONDS} s (${figures.majorGcs} major)`,
      );
    }
  }
  for (const processes of [...new Set(measurements.map((row) => row.processes))]) {
    const ratios = (of: (service: Measurement, pipeline: Measurement) => number) =>
      range(
        [...new Set(measurements.map((row) => row.repeat))].map((repeat) => {
          const pick = (kind: Kind) => measurements.find((row) => row.repeat === repeat && row.kind === kind && row.processes === processes)!;
          return of(pick('service'), pick('pipeline'));
        }),
      );
    console.log(`x${processes}: service/(b) renewals/s ${ratios((s, p) => s.renewalsPerSecond / p.renewalsPerSecond)}`);
    console.log(`x${processes}: service/(a) ${ratios((s) => s.renewalsPerSecond / raw)}, pipeline/(a) ${ratios((_, p) => p.renewalsPerSecond / raw)}`);
    console.log(`x${processes}: CPU per renewal service/(b) ${ratios((s, p) => s.cpuMsPerRenewal / p.cpuMsPerRenewal)}`);
    for (const rate of RATES) {
      console.log(`x${processes}: p99 @${rate}/s service/(b) ${ratios((s, p) => s.latency.get(rate)!.p99 / p.latency.get(rate)!.p99)}`);
    }
  }
}

const round = (value: number) => Math.round(value * 100) / 100;

function range(values: number[]): string {
  const low = Math.min(...values);
  const high = Math.max(...values);
  return low === high ? `${round(low)}x` : `${round(low)}-${round(high)}x`;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
