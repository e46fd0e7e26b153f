import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createTestDatabase } from './support/test-database.js';
import { generateTestPrivateKeyPem } from './support/test-keys.js';

const MAIN = resolve(import.meta.dirname, '../dist/apps/control-plane/src/main.js');

function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => done(port));
    });
    server.on('error', fail);
  });
}

function boot(env: Record<string, string>) {
  const child = spawn(process.execPath, [MAIN], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
  return { child, exited, output: () => output };
}

describe('booting the control plane', () => {
  const dirs: string[] = [];
  const dataDir = () => {
    const dir = mkdtempSync(join(tmpdir(), 'la-boot-'));
    dirs.push(dir);
    return dir;
  };
  afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

  it('serves health, the JWKS and the API on embedded defaults with nothing configured', async () => {
    const port = await freePort();
    const app = boot({ PORT: String(port), HOST: '127.0.0.1', DATA_DIR: dataDir() });
    try {
      let health: Response | undefined;
      // PGlite's first start, the migrations and a generated key take a while on a loaded machine.
      for (let attempt = 0; attempt < 600 && !health?.ok; attempt++) {
        health = await fetch(`http://127.0.0.1:${port}/api/health`).catch(() => undefined);
        if (!health?.ok) await new Promise((done) => setTimeout(done, 250));
      }
      expect(health?.status).toBe(200);
      const jwks = (await (await fetch(`http://127.0.0.1:${port}/.well-known/jwks.json`)).json()) as { keys: unknown[] };
      expect(jwks.keys).toHaveLength(1);
      expect((await fetch(`http://127.0.0.1:${port}/api/v1/plans`)).status).toBe(401);
      expect(app.output()).toContain('USING A GENERATED DEVELOPMENT SIGNING KEY');
    } finally {
      app.child.kill('SIGTERM');
      await app.exited;
    }
  }, 240_000);

  it('stops with a clear message, and without echoing the value, when CP_LICENSE_PRIVATE_KEY is malformed', async () => {
    const app = boot({ DATA_DIR: dataDir(), CP_LICENSE_PRIVATE_KEY: 'super-secret-not-a-key' });
    expect(await app.exited).toBe(1);
    expect(app.output()).toContain('CP_LICENSE_PRIVATE_KEY: not a PEM-encoded private key');
    expect(app.output()).not.toContain('super-secret-not-a-key');
  }, 60_000);

  it('refuses to generate a development key in production', async () => {
    const app = boot({
      DATA_DIR: dataDir(),
      NODE_ENV: 'production',
      DATABASE_URL: 'postgres://postgres@127.0.0.1:1/unreachable',
      REDIS_URL: 'redis://127.0.0.1:1',
      SMTP_URL: 'smtp://127.0.0.1:1',
    });
    expect(await app.exited).toBe(1);
    expect(app.output()).toContain('CP_LICENSE_PRIVATE_KEY or CP_LICENSE_PRIVATE_KEY_FILE is required when NODE_ENV=production');
  }, 60_000);

  it('names every bad variable', async () => {
    const app = boot({ DATA_DIR: dataDir(), PORT: 'http', DATABASE_URL: 'mysql://x' });
    expect(await app.exited).toBe(1);
    expect(app.output()).toMatch(/PORT: .*DATABASE_URL: must be a postgres/);
  }, 60_000);

  it('runs one process per CLUSTER_WORKERS sharing the port, and all of them drain and exit on SIGTERM', async () => {
    const database = await createTestDatabase('boot_cluster');
    try {
      const port = await freePort();
      const app = boot({
        DATA_DIR: dataDir(),
        PORT: String(port),
        DATABASE_URL: database.url,
        CP_LICENSE_PRIVATE_KEY: generateTestPrivateKeyPem(),
        CLUSTER_WORKERS: '2',
      });
      const listening = () => app.output().match(/control plane listening on/g)?.length ?? 0;
      for (let attempt = 0; attempt < 240 && listening() < 2; attempt++) await new Promise((done) => setTimeout(done, 250));
      expect(listening()).toBe(2);
      expect((await fetch(`http://127.0.0.1:${port}/api/health`)).status).toBe(200);
      expect(app.output()).toContain('started 2 workers');
      const started = Date.now();
      app.child.kill('SIGTERM');
      expect(await app.exited).toBe(0);
      expect(Date.now() - started).toBeLessThan(10_000);
      expect(app.output().match(/shutdown complete/g)).toHaveLength(2);
    } finally {
      await database.drop();
    }
  }, 90_000);

  it('refuses CLUSTER_WORKERS above 1 on the embedded database', async () => {
    const app = boot({ DATA_DIR: dataDir(), CLUSTER_WORKERS: '2' });
    expect(await app.exited).toBe(1);
    expect(app.output()).toContain('CLUSTER_WORKERS: needs DATABASE_URL');
  }, 60_000);
});
