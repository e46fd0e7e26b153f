import { execFile } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { request, type IncomingMessage } from 'node:http';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { compileApp, freePort, spawnControlPlane, waitHealthy, type ControlPlaneProcess } from './support/control-plane-process.js';
import { FakeStripe } from './support/fake-stripe.js';
import { createTestDatabase, type TestDatabase } from './support/test-database.js';
import { generateTestPrivateKeyPem } from './support/test-keys.js';

const run = promisify(execFile);

async function until(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((done) => setTimeout(done, 50));
  }
}

/**
 * The compiled control plane in a child process, as an orchestrator runs it: SIGTERM goes to the
 * real process and its real shutdown path. It is compiled into a directory of this test's own, so
 * the shared dist/ is left alone.
 */
describe('graceful shutdown (end to end, compiled process)', () => {
  let outDir: string;
  let database: TestDatabase;
  let env: Record<string, string>;
  let server: ControlPlaneProcess | undefined;
  let stripe: FakeStripe;

  beforeAll(async () => {
    outDir = await compileApp('la-ops-dist-');
    database = await createTestDatabase('ops_shutdown');
    stripe = await FakeStripe.start();
    env = {
      ...stripe.env(),
      PATH: process.env.PATH ?? '',
      NODE_ENV: 'test',
      HOST: '127.0.0.1',
      PORT: String(await freePort()),
      DATABASE_URL: database.url,
      CP_LICENSE_PRIVATE_KEY: generateTestPrivateKeyPem(),
      LOG_LEVEL: 'info',
      SHUTDOWN_TIMEOUT_MS: '10000',
      // Not created by anyone beforehand: on Postgres the first boot makes it for the initial admin token.
      DATA_DIR: join(outDir, 'data'),
    };
  }, 180_000);

  afterAll(async () => {
    if (server?.child.exitCode === null) server.child.kill('SIGKILL');
    await stripe?.close();
    await database?.drop();
    if (outDir) rmSync(outDir, { recursive: true, force: true });
  });

  /** The compiled server, started and ready. A loaded CI machine may take a minute to boot it and run migrations. */
  async function startReady(baseUrl: string): Promise<ControlPlaneProcess> {
    const started = spawnControlPlane(env, outDir);
    if (!(await waitHealthy(baseUrl, started))) throw new Error(`the control plane did not start:\n${started.output()}`);
    await until(async () => (await fetch(`${baseUrl}/api/health/ready`).catch(() => undefined))?.status === 200, 'readiness');
    return started;
  }

  it('answers a request that is in flight when SIGTERM arrives, refuses new connections, then exits cleanly', async () => {
    const baseUrl = `http://127.0.0.1:${env.PORT}`;
    const { child, exited, output } = (server = await startReady(baseUrl));

    expect(existsSync(join(env.DATA_DIR, 'initial-admin-token'))).toBe(true);
    const { stdout } = await run(process.execPath, [join(outDir, 'apps/cli/src/main.js'), 'tokens', 'create', '--role', 'support', '--name', 'shutdown'], {
      env,
    });
    const support: string = JSON.parse(stdout).token;
    const license = await byocLicense(baseUrl, support);

    // In flight by construction: the server has the request line and headers of a phone-home, and is
    // reading a body the client sends in two parts, the second only after SIGTERM.
    const body = JSON.stringify({ license, tp_version: '4.2.0' });
    let response: IncomingMessage | undefined;
    let responseBody = '';
    const inFlight = request(`${baseUrl}/api/v1/phone-home`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
    });
    const answered = new Promise<void>((done, fail) => {
      inFlight.on('response', (incoming) => {
        response = incoming;
        incoming.on('data', (chunk) => (responseBody += chunk));
        incoming.on('end', done);
      });
      inFlight.on('error', fail);
    });
    inFlight.write(body.slice(0, 100));
    // Nothing is logged when a request starts; give the headers time to cross the loopback.
    await new Promise((done) => setTimeout(done, 200));

    child.kill('SIGTERM');
    await until(() => output().includes('SIGTERM received'), 'the shutdown to start');
    // The listener is closed: a new connection is refused while the old request is still open.
    await expect(fetch(`${baseUrl}/api/health`)).rejects.toThrow();
    expect(response).toBeUndefined();

    inFlight.end(body.slice(100));
    await answered;
    expect(response!.statusCode).toBe(200);
    expect(JSON.parse(responseBody)).toMatchObject({ license: expect.stringMatching(/^eyJ/), renewed_from: expect.any(String) });

    expect(await exited).toBe(0);
    const lines = output()
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line));
    expect(lines.map((line) => line.msg)).toEqual(expect.arrayContaining([expect.stringMatching(/^SIGTERM received/), 'shutdown complete']));
    // A renewal is logged once, by the phone-home service (its request line is silent when it succeeds).
    expect(lines.find((line) => /^license renewed: /.test(line.msg))).toMatchObject({ request_id: expect.any(String) });
  }, 120_000);

  it('waits for a handler whose client hung up before it closes the database pool', async () => {
    const baseUrl = `http://127.0.0.1:${env.PORT}`;
    const { child, exited, output } = (server = await startReady(baseUrl));

    // A webhook whose handler waits on a slow Stripe, then writes its event; its client gives up at once.
    stripe.stallNext('/v1/subscriptions/', 1, 1_500);
    const event = stripe.event('customer.subscription.updated', { id: 'sub_gone', object: 'subscription', customer: 'cus_gone' }, new Date());
    const abandoned = new AbortController();
    const delivery = fetch(`${baseUrl}/api/v1/billing/stripe/webhook`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'stripe-signature': stripe.sign(event.payload, new Date()) },
      body: event.payload,
      signal: abandoned.signal,
    }).catch(() => undefined);
    await until(() => stripe.requestsTo('/v1/subscriptions/sub_gone').length === 1, 'the webhook to call Stripe');
    abandoned.abort();
    await delivery;
    // A phone-home refused before any await (an invalid body) is counted out of the running handlers at once.
    const refused = await fetch(`${baseUrl}/api/v1/phone-home`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(refused.status).toBe(400);
    child.kill('SIGTERM');

    expect(await exited).toBe(0);
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      const { rows } = await client.query('SELECT outcome FROM stripe_events WHERE id = $1', [event.id]);
      expect(rows).toHaveLength(1);
    } finally {
      await client.end();
    }
    expect(output()).not.toContain('request failed');
    expect(output()).not.toContain('still running');
  }, 60_000);
});

/** A BYOC tenant with an active subscription and its first license, created through the API. */
async function byocLicense(baseUrl: string, support: string): Promise<string> {
  const call = async (method: string, path: string, body: unknown) => {
    const response = await fetch(`${baseUrl}${path}`, {
      method,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${support}` },
      body: JSON.stringify(body),
    });
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
    return (await response.json()) as { token?: string };
  };
  await call('POST', '/api/v1/tenants', { id: 'drain-co', name: 'Drain Co', contact_email: 'ops@drain.example', deployment_mode: 'byoc' });
  await call('PUT', '/api/v1/tenants/drain-co/subscription', { plan_id: 'operations', billing_interval: 'annual' });
  return (await call('POST', '/api/v1/licenses', { tenant_id: 'drain-co' })).token!;
}
