import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from './support/cli.js';
import { freePort, spawnControlPlane, stopGroup, waitHealthy, type ControlPlaneProcess } from './support/control-plane-process.js';
import { httpCall } from './support/http-call.js';

/** The embedded default (no DATABASE_URL): one process owns DATA_DIR, and licensectl beside it reaches the same data. */
describe('the embedded database with the CLI beside the server', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'la-emb-'));
  const env = { DATA_DIR: dataDir, HOST: '127.0.0.1', LOG_LEVEL: 'info' };
  const cli = (...args: string[]) => runCli(args, { DATA_DIR: dataDir });
  const json = (stdout: string) => JSON.parse(stdout) as Record<string, any>;
  let server: ControlPlaneProcess;
  let baseUrl: string;

  async function start(): Promise<ControlPlaneProcess> {
    const port = await freePort();
    baseUrl = `http://127.0.0.1:${port}`;
    const started = spawnControlPlane({ ...env, PORT: String(port) });
    if (!(await waitHealthy(baseUrl, started))) throw new Error(`the control plane did not start:\n${started.output()}`);
    return started;
  }

  beforeAll(async () => {
    server = await start();
  }, 180_000);

  afterAll(async () => {
    stopGroup(server);
    await server.exited;
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('writes a first admin token to DATA_DIR/initial-admin-token (0600) and logs the path, never the token', async () => {
    const path = join(dataDir, 'initial-admin-token');
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const token = readFileSync(path, 'utf8').trim();
    expect(token).toMatch(/^la_/);
    expect(server.output()).toContain(path);
    expect(server.output()).not.toContain(token);
    expect((await httpCall(baseUrl, 'GET', '/api/v1/tokens', { token })).status).toBe(200);
  });

  it('serves every CLI write at once, and again after a SIGKILL and a restart', async () => {
    const created = await cli('tokens', 'create', '--role', 'support', '--name', 'beside-the-server');
    expect(created.code).toBe(0);
    const support = json(created.stdout).token as string;
    expect((await httpCall(baseUrl, 'GET', '/api/v1/plans', { token: support })).status).toBe(200);

    expect((await cli('tenants', 'create', 'acme', '--name', 'Acme', '--email', 'ops@acme.example', '--mode', 'byoc')).code).toBe(0);
    expect((await httpCall(baseUrl, 'GET', '/api/v1/tenants/acme', { token: support })).body).toMatchObject({ id: 'acme', name: 'Acme' });
    expect((await cli('subscriptions', 'set', 'acme', '--plan', 'operations', '--interval', 'annual')).code).toBe(0);

    const issued = await cli('licenses', 'issue', '--tenant', 'acme');
    expect(issued.code).toBe(0);
    const { token: license, license: record } = json(issued.stdout);
    const phoneHome = await httpCall(baseUrl, 'POST', '/api/v1/phone-home', { body: { license, tp_version: '4.2.0' } });
    expect(phoneHome.status).toBe(200);

    const revoked = await cli('licenses', 'revoke', record.id, '--reason', 'customer asked');
    expect(revoked.code).toBe(0);
    expect((await httpCall(baseUrl, 'GET', `/api/v1/licenses/${record.id}`, { token: support })).body.status).toBe('revoked');

    // A server killed outright leaves its lock and socket behind; neither may block the next start.
    stopGroup(server, 'SIGKILL');
    await server.exited;
    expect(existsSync(join(dataDir, 'pglite.lock'))).toBe(true);
    server = await start();
    const afterKill = await httpCall(baseUrl, 'GET', `/api/v1/licenses/${record.id}`, { token: support });
    expect({ status: afterKill.status, body: afterKill.body as unknown }).toMatchObject({ status: 200, body: { status: 'revoked' } });
    expect((await httpCall(baseUrl, 'GET', '/api/v1/tenants/acme', { token: support })).status).toBe(200);
    // The database was not empty, so no second initial token.
    expect(server.output()).not.toContain('initial-admin-token');
  }, 240_000);

  it('refuses a second server on the same DATA_DIR with one line naming the holder', async () => {
    const holder = JSON.parse(readFileSync(join(dataDir, 'pglite.lock'), 'utf8')) as { pid: number; port: number };
    const second = spawnControlPlane({ ...env, PORT: String(await freePort()) });
    expect(await second.exited).toBe(1);
    // One JSON line (logs are JSON from the first line to the last) whose message names the holder.
    const lines = second.output().trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({ level: 'fatal' });
    expect(JSON.parse(lines[0]!).msg).toBe(
      `DATA_DIR ${dataDir} is in use by the control plane (pid ${holder.pid}, port ${new URL(baseUrl).port}): one process owns the embedded database. Stop that process, use the CLI beside it, or point DATA_DIR elsewhere.`,
    );
    expect((await httpCall(baseUrl, 'GET', '/api/health')).status).toBe(200);
  }, 60_000);

  it('lets the CLI open DATA_DIR itself once the server has stopped, and frees it afterwards', async () => {
    stopGroup(server);
    expect(await server.exited).toBe(0);
    expect(existsSync(join(dataDir, 'pglite.lock'))).toBe(false);
    const listed = await cli('licenses', 'list', '--tenant', 'acme');
    expect(listed.code).toBe(0);
    expect(JSON.parse(listed.stdout)).toEqual(expect.arrayContaining([expect.objectContaining({ tenant_id: 'acme', status: 'revoked' })]));
    expect(existsSync(join(dataDir, 'pglite.lock'))).toBe(false);
    server = await start();
  }, 180_000);
});
