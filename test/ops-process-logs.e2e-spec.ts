import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { createServer } from 'node:net';
import { createTestDatabase, type TestDatabase } from './support/test-database.js';
import { generateTestPrivateKeyPem } from './support/test-keys.js';

const DIST = resolve(import.meta.dirname, '../dist/apps');

interface Run {
  code: number | null;
  lines: string[];
}

/** Runs a compiled program (`npm test` builds first) until it exits; stdout and stderr together, line by line. */
function runUntilExit(program: string, env: Record<string, string>): Promise<Run> {
  return new Promise((resolvePromise) => {
    const child = spawn(process.execPath, [resolve(DIST, program)], { env: { PATH: process.env.PATH ?? '', ...env } });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('exit', (code) => resolvePromise({ code, lines: output.split('\n').filter(Boolean) }));
  });
}

function parseAll(lines: string[]): Record<string, any>[] {
  return lines.map((line) => {
    try {
      return JSON.parse(line) as Record<string, any>;
    } catch {
      throw new Error(`not a JSON line: ${line}`);
    }
  });
}

function freePort(): Promise<number> {
  return new Promise((resolvePromise) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolvePromise(port));
    });
  });
}

const PRODUCTION = {
  NODE_ENV: 'production',
  REDIS_URL: 'redis://127.0.0.1:6379',
  SMTP_URL: 'smtp://127.0.0.1:2525',
  LOG_LEVEL: 'info',
};

describe('process logs: JSON from the first line to the last', () => {
  it('a production boot without a database prints one JSON line naming every offending variable, and exits 1', async () => {
    const run = await runUntilExit('control-plane/src/main.js', { NODE_ENV: 'production' });
    expect(run.code).toBe(1);
    const records = parseAll(run.lines);
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({
      level: 'fatal',
      service: 'license-authority-control-plane',
      msg: expect.stringMatching(/^invalid configuration: DATABASE_URL: /),
    });
    expect(records[0].problems).toEqual(expect.arrayContaining([expect.stringMatching(/^REDIS_URL: /), expect.stringMatching(/^SMTP_URL: /)]));
  });

  it('a boot against an unreachable database prints only JSON lines, the last one the error, and exits 1', async () => {
    const run = await runUntilExit('control-plane/src/main.js', {
      ...PRODUCTION,
      DATABASE_URL: `postgres://nobody:secret@127.0.0.1:${await freePort()}/none`,
      CP_LICENSE_PRIVATE_KEY: generateTestPrivateKeyPem(),
    });
    expect(run.code).toBe(1);
    const records = parseAll(run.lines);
    // Nest's own lines (module loading, the driver's retries) are JSON too, and no ANSI colour codes.
    expect(records.some((record) => record.context === 'InstanceLoader')).toBe(true);
    expect(run.lines.join('\n')).not.toContain('\u001b[');
    expect(records.at(-1)).toMatchObject({ level: 'fatal', msg: expect.stringMatching(/^boot failed: .*ECONNREFUSED/), err: { code: 'ECONNREFUSED' } });
  }, 90_000);

  it('the worker logs JSON too: a bad LOG_LEVEL is one fatal line', async () => {
    const run = await runUntilExit('worker/src/main.js', { ...PRODUCTION, DATABASE_URL: 'postgres://x@127.0.0.1:5432/x', LOG_LEVEL: 'nonsense' });
    expect(run.code).toBe(1);
    const records = parseAll(run.lines);
    expect(records).toEqual([
      expect.objectContaining({ level: 'fatal', service: 'license-authority-worker', msg: expect.stringMatching(/^invalid configuration: LOG_LEVEL: /) }),
    ]);
  });
});

describe('worker health port', () => {
  let database: TestDatabase;

  beforeAll(async () => {
    database = await createTestDatabase('ops_worker_health');
  });

  afterAll(() => database.drop());

  it('serves /healthz and /metrics on METRICS_PORT, and stops on SIGTERM', async () => {
    const port = await freePort();
    const child = spawn(process.execPath, [resolve(DIST, 'worker/src/main.js')], {
      env: {
        PATH: process.env.PATH ?? '',
        NODE_ENV: 'test',
        DATABASE_URL: database.url,
        REDIS_URL: 'redis://127.0.0.1:6379',
        REDIS_KEY_PREFIX: `test-worker-health-${process.pid}`,
        METRICS_PORT: String(port),
        HOST: '127.0.0.1',
        LOG_LEVEL: 'warn',
      },
    });
    const exited = new Promise<string>((resolvePromise) => child.on('exit', (code, signal) => resolvePromise(`${code ?? signal}`)));
    let health: Response | undefined;
    for (let attempt = 0; attempt < 150 && !health?.ok; attempt++) {
      health = await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => undefined);
      if (!health?.ok) await new Promise((wait) => setTimeout(wait, 200));
    }
    expect(health?.status).toBe(200);
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    expect(metrics).toMatch(/^la_queue_jobs\{queue="notifications",state="waiting"\} \d+$/m);
    expect(metrics).toMatch(/^la_build_info\{version="[^"]+",node_version="v[^"]+"\} 1$/m);
    expect((await fetch(`http://127.0.0.1:${port}/other`)).status).toBe(404);
    child.kill('SIGTERM');
    // Nest's shutdown hooks close the queue and the pool, then re-raise the signal.
    expect(await exited).toBe('SIGTERM');
  }, 60_000);
});
