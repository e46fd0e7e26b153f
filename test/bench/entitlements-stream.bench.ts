/**
 * Entitlement stream benchmark: boots two replicas of the built service on one local Postgres,
 * seeds tenants, holds N idle Server-Sent Events streams on replica B (this process is the client),
 * and measures replica B's memory per stream and how fast a change made through replica A fans out
 * to every stream (Postgres NOTIFY -> B's listener -> one computation per tenant -> N writes).
 * Run: `npm run bench:entitlements-stream`. Knobs: BENCH_STREAMS (5000), BENCH_TENANTS (100),
 * BENCH_ROUNDS (5 plan edits, each reaching every stream), BENCH_BATCH (50 streams opened at once).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { Agent, request } from 'node:http';
import { resolve } from 'node:path';
import { stopService, waitHealthy } from './bench-service.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { httpCall } from '../support/http-call.js';
import { generateTestPrivateKeyPem } from '../support/test-keys.js';

const STREAMS = Number(process.env.BENCH_STREAMS ?? 5000);
const TENANTS = Number(process.env.BENCH_TENANTS ?? 100);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
/** Streams opened at once: planes reconnect with jittered backoff, so connects arrive spread out, not all in one instant. */
const BATCH = Number(process.env.BENCH_BATCH ?? 50);
const PORT_A = 3800 + (process.pid % 90);
const PORT_B = PORT_A + 100;
const MAIN = resolve(import.meta.dirname, '../../apps/control-plane/src/main.js');
const CLI = resolve(import.meta.dirname, '../../apps/cli/src/main.js');

/** One held stream: how many `entitlements` events it has received. */
interface HeldStream {
  tenant: string;
  events: number;
  close(): void;
}

async function main(): Promise<void> {
  const database = await createTestDatabase('bench_entitlements_stream');
  const privateKeyPem = generateTestPrivateKeyPem();
  const services: ChildProcess[] = [];
  const streams: HeldStream[] = [];
  try {
    services.push(await startService(database, privateKeyPem, PORT_A));
    services.push(await startService(database, privateKeyPem, PORT_B));
    const staff = staffToken(database, privateKeyPem);
    const tenants = await seed(staff);
    const a = `http://127.0.0.1:${PORT_A}`;
    const b = `http://127.0.0.1:${PORT_B}`;

    // Warm-up: a few streams come and go, so lazily loaded code is not counted as per-stream memory.
    const warm = await Promise.all(tenants.slice(0, 20).map((tenant) => openStream(b, staff, tenant)));
    for (const stream of warm) stream.close();
    await sleep(2_000);
    const before = await memory(b);
    const opening = Date.now();
    const agent = new Agent({ keepAlive: false, maxSockets: Infinity });
    for (let start = 0; start < STREAMS; start += BATCH) {
      const batch = Array.from({ length: Math.min(BATCH, STREAMS - start) }, (_, offset) =>
        openStream(b, staff, tenants[(start + offset) % tenants.length]!, agent),
      );
      streams.push(...(await Promise.all(batch)));
    }
    await until(() => streams.every((stream) => stream.events >= 1), 60_000, 'every stream received its first event');
    const openMs = Date.now() - opening;
    // Let the heap settle after the burst of connects (the service cannot be told to collect garbage).
    await sleep(5_000);
    const after = await memory(b);

    const fanOut: number[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      const expected = streams.map((stream) => stream.events + 1);
      const started = Date.now();
      // A plan edit on replica A changes every tenant's entitlements: every stream on B must hear it.
      const edited = await httpCall(a, 'PATCH', '/api/v1/plans/operations', {
        token: staff,
        body: { limits: { users: 100 + round, data_volume_gb: 500, ai_credits: 10000, retention_days: 365 } },
      });
      if (edited.status !== 200) throw new Error(`plan edit failed: ${edited.status} ${edited.text}`);
      await until(() => streams.every((stream, index) => stream.events >= expected[index]!), 60_000, `round ${round} reached every stream`);
      fanOut.push(Date.now() - started);
    }

    const single: number[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      const tenant = tenants[round]!;
      const watched = streams.filter((stream) => stream.tenant === tenant);
      const expected = watched.map((stream) => stream.events + 1);
      const started = Date.now();
      // Each round moves another (active) tenant to past_due, so each is a real change.
      await httpCall(a, 'PATCH', `/api/v1/tenants/${tenant}/subscription`, { token: staff, body: { status: 'past_due' } });
      await until(() => watched.every((stream, index) => stream.events >= expected[index]!), 30_000, `tenant ${tenant} heard its change`);
      single.push(Date.now() - started);
    }

    const rssPerStream = (after.rss - before.rss) / STREAMS;
    const heapPerStream = (after.heap - before.heap) / STREAMS;
    const median = (values: number[]) => [...values].sort((x, y) => x - y)[Math.floor(values.length / 2)]!;
    console.log(`\nEntitlement streams on one replica: ${STREAMS} streams over ${TENANTS} tenants, changes made on the other replica\n`);
    console.log('| measure | value |');
    console.log('|---|---|');
    console.log(`| streams opened (each got its first event) | ${STREAMS} in ${(openMs / 1000).toFixed(1)} s |`);
    console.log(`| replica RSS before / after | ${mb(before.rss)} / ${mb(after.rss)} MiB |`);
    console.log(`| memory per idle stream (RSS, heap) | ${kb(rssPerStream)} KiB, ${kb(heapPerStream)} KiB |`);
    console.log(
      `| plan edit reaching all ${STREAMS} streams (median of ${ROUNDS}) | ${median(fanOut)} ms (${Math.round(STREAMS / (median(fanOut) / 1000))} events/s); all rounds: ${fanOut.join(', ')} ms |`,
    );
    console.log(
      `| one tenant's change reaching its ${STREAMS / TENANTS} streams (median of ${ROUNDS}) | ${median(single)} ms; all rounds: ${single.join(', ')} ms |`,
    );
  } finally {
    for (const stream of streams) stream.close();
    for (const service of services) await stopService(service);
    await database.drop();
  }
}

function openStream(baseUrl: string, token: string, tenant: string, agent?: Agent): Promise<HeldStream> {
  return new Promise((resolveStream, fail) => {
    const held: HeldStream = { tenant, events: 0, close: () => undefined };
    const outgoing = request(
      `${baseUrl}/api/v1/tenants/${tenant}/entitlements/stream`,
      { headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' }, agent },
      (response) => {
        if (response.statusCode !== 200) return fail(new Error(`stream for ${tenant}: HTTP ${response.statusCode}`));
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (held.events += chunk.split('event: entitlements').length - 1));
        response.on('error', () => undefined);
        held.close = () => outgoing.destroy();
        resolveStream(held);
      },
    );
    outgoing.on('error', fail);
    outgoing.end();
  });
}

async function memory(baseUrl: string): Promise<{ rss: number; heap: number }> {
  const text = await (await fetch(`${baseUrl}/metrics`)).text();
  const metric = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? Number.NaN);
  return { rss: metric('process_resident_memory_bytes'), heap: metric('nodejs_heap_size_used_bytes') };
}

async function startService(database: TestDatabase, privateKeyPem: string, port: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, [MAIN], {
    env: {
      PATH: process.env.PATH ?? '',
      NODE_ENV: 'production',
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      DATABASE_URL: database.url,
      CP_LICENSE_PRIVATE_KEY: privateKeyPem,
      REDIS_URL: process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379',
      REDIS_KEY_PREFIX: `bench${process.pid}`,
      SMTP_URL: 'smtp://127.0.0.1:2525',
      NOTIFICATIONS_WORKER_IN_PROCESS: 'false',
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  return waitHealthy(child, `http://127.0.0.1:${port}`);
}

function staffToken(database: TestDatabase, privateKeyPem: string): string {
  const created = execFileSync(process.execPath, [CLI, 'tokens', 'create', '--name', 'bench', '--role', 'support'], {
    env: { PATH: process.env.PATH ?? '', DATABASE_URL: database.url, CP_LICENSE_PRIVATE_KEY: privateKeyPem, LOG_LEVEL: 'silent' },
    encoding: 'utf8',
  });
  return (JSON.parse(created) as { token: string }).token;
}

/** SaaS tenants on the operations plan, staff-managed subscriptions (no Stripe needed). */
async function seed(staff: string): Promise<string[]> {
  const base = `http://127.0.0.1:${PORT_A}`;
  const ids = Array.from({ length: TENANTS }, (_, index) => `bench-${index}`);
  for (let start = 0; start < ids.length; start += 16) {
    await Promise.all(
      ids.slice(start, start + 16).map(async (id) => {
        await httpCall(base, 'POST', '/api/v1/tenants', { token: staff, body: { id, name: id, contact_email: `ops@${id}.example`, deployment_mode: 'saas' } });
        const set = await httpCall(base, 'PUT', `/api/v1/tenants/${id}/subscription`, {
          token: staff,
          body: { plan_id: 'operations', billing_interval: 'monthly' },
        });
        if (set.status !== 200) throw new Error(`seeding ${id}: ${set.status} ${set.text}`);
      }),
    );
  }
  return ids;
}

async function until(condition: () => boolean, boundMs: number, what: string): Promise<void> {
  const deadline = Date.now() + boundMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await sleep(5);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((done) => setTimeout(done, ms));
}

const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);
const kb = (bytes: number) => (bytes / 1024).toFixed(1);

await main();
