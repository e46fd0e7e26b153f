import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DAY_MS } from '@atlasai/license-core';
import { AUDIENCE, createTestSigner, ISSUER, licenseClaims, manualClock, memoryLogger } from '../../../test/support/tenant-sdk-fixtures.js';
import { licenseHook, licenseMiddleware } from './enforcement-middleware.js';
import { TenantLicense } from './tenant-license.js';
import { loadTrustedKeys } from './trusted-keys.js';

const issuedAt = new Date('2026-02-14T00:00:00.000Z');

describe('framework adapters', () => {
  let license: TenantLicense;
  let clock: ReturnType<typeof manualClock>;
  let server: Server;
  let baseUrl: string;

  beforeAll(async () => {
    const signer = await createTestSigner();
    clock = manualClock(issuedAt);
    license = await TenantLicense.load({
      keys: await loadTrustedKeys(signer.publicKeyPem),
      issuer: ISSUER,
      audience: AUDIENCE,
      tpVersion: '1.0.0',
      token: await signer.sign(licenseClaims(issuedAt, { max_active_uses: 1 })),
      clock,
      logger: memoryLogger(),
    });
    const middleware = licenseMiddleware<IncomingMessage>(license, {
      identify: (request) =>
        request.headers['x-user'] ? { machine: String(request.socket.remoteAddress), user: String(request.headers['x-user']) } : undefined,
    });
    server = createServer((request, response) =>
      middleware(request, response, () => {
        response.end('ok');
      }),
    );
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(() => new Promise((done) => server.close(done)));

  const call = async (method: string, path: string, user?: string) => {
    const response = await fetch(`${baseUrl}${path}`, { method, headers: user ? { 'x-user': user } : {} });
    return { status: response.status, text: await response.text() };
  };

  it('counts active uses by identity (the clock never goes back: the high-water mark holds it)', async () => {
    expect((await call('GET', '/api/work', 'alice')).status).toBe(200);
    const second = await call('GET', '/api/work', 'bob');
    expect(second.status).toBe(403);
    expect(JSON.parse(second.text).code).toBe('ACTIVE_USE_LIMIT_REACHED');
    expect((await call('GET', '/api/work', 'alice')).status).toBe(200);
  });

  it('lets requests through while active and answers 403 with a code once writes are blocked', async () => {
    expect(await call('POST', '/api/incidents', 'alice')).toEqual({ status: 200, text: 'ok' });
    clock.set(issuedAt.getTime() + 366 * DAY_MS);
    expect(await call('GET', '/api/incidents')).toEqual({ status: 200, text: 'ok' });
    const denied = await call('POST', '/api/incidents?x=1');
    expect(denied.status).toBe(403);
    expect(JSON.parse(denied.text)).toEqual({ statusCode: 403, code: 'LICENSE_GRACE_READ_ONLY', message: expect.stringContaining('grace') });
    expect(await call('PUT', '/api/admin/license')).toEqual({ status: 200, text: 'ok' });
  });

  it('offers a Fastify onRequest hook with the same decisions', async () => {
    clock.set(issuedAt.getTime() + 430 * DAY_MS);
    const sent: unknown[] = [];
    const reply = { code: (status: number) => ({ send: (body: unknown) => sent.push({ status, body }) }) };
    await licenseHook(license)({ method: 'GET', url: '/api/health' }, reply);
    expect(sent).toEqual([]);
    await licenseHook(license)({ method: 'GET', url: '/api/incidents' }, reply);
    expect(sent).toEqual([{ status: 403, body: { statusCode: 403, code: 'LICENSE_LOCKED', message: expect.any(String) } }]);
  });
});
