import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DAY_MS, type LicenseClaims } from '@atlasai/license-core';
import { AUDIENCE, createTestSigner, ISSUER, licenseClaims, manualClock, memoryLogger, type TestSigner } from '../../../test/support/tenant-sdk-fixtures.js';
import { PhoneHomeClient, type PhoneHomeOptions, type SdkTimer } from './phone-home-client.js';
import { TenantLicense } from './tenant-license.js';
import { loadTrustedKeys } from './trusted-keys.js';

const issuedAt = new Date('2026-02-14T00:00:00.000Z');
const now = new Date(issuedAt.getTime() + 100 * DAY_MS);
type Handler = (body: any, response: ServerResponse) => void | Promise<void>;
const slowReplies: NodeJS.Timeout[] = [];

/** A fake timer that only records what is scheduled; the test fires callbacks by hand. */
function fakeTimer() {
  let next = 0;
  const pending = new Map<number, { callback: () => void; ms: number }>();
  const timer: SdkTimer = {
    setTimeout: (callback, ms) => (pending.set(++next, { callback, ms }), next),
    clearTimeout: (handle) => pending.delete(handle as number),
  };
  return { timer, pending };
}

describe('PhoneHomeClient against a local HTTP server', () => {
  let signer: TestSigner;
  let stranger: TestSigner;
  let server: Server;
  let baseUrl: string;
  let handler: Handler;
  let received: { path: string; body: any }[];
  let currentClaims: LicenseClaims;
  let currentToken: string;

  beforeAll(async () => {
    signer = await createTestSigner();
    stranger = await createTestSigner();
    server = createServer((request: IncomingMessage, response: ServerResponse) => {
      let text = '';
      request.on('data', (chunk) => (text += chunk));
      request.on('end', () => {
        const body = JSON.parse(text);
        received.push({ path: request.url ?? '', body });
        void handler(body, response);
      });
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    slowReplies.forEach(clearTimeout);
    server.closeAllConnections();
    await new Promise((done) => server.close(done));
  });

  beforeEach(async () => {
    received = [];
    currentClaims = licenseClaims(issuedAt);
    currentToken = await signer.sign(currentClaims);
  });

  const json =
    (status: number, body: unknown): Handler =>
    (_body, response) => {
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(JSON.stringify(body));
    };
  const renewWith =
    (sign: () => Promise<string>): Handler =>
    async (_body, response) =>
      json(200, { license: await sign(), license_id: 'x', expires_at: 'y', renewed_from: currentClaims.jti })(_body, response);

  async function setup(overrides: Partial<PhoneHomeOptions> = {}, token = currentToken) {
    const logger = memoryLogger();
    const clock = manualClock(now);
    const license = await TenantLicense.load({
      keys: await loadTrustedKeys(signer.publicKeyPem),
      issuer: ISSUER,
      audience: AUDIENCE,
      tpVersion: '1.3.0',
      token,
      clock,
      logger,
    });
    license.authorize({ method: 'GET', path: '/api/work', machine: 'm1', user: 'alice' });
    const client = new PhoneHomeClient({
      license,
      cpUrl: `${baseUrl}/`,
      tpVersion: '1.3.0',
      fingerprint: 'f'.repeat(64),
      timeoutMs: 300,
      clock,
      logger,
      ...overrides,
    });
    return { license, client, logger, clock };
  }

  it('sends the token, version, fingerprint and usage, and swaps in a newer renewal without restart', async () => {
    const renewal = licenseClaims(new Date(now.getTime() - 1000), { renewed_from: currentClaims.jti, addons: [] });
    handler = renewWith(() => signer.sign(renewal));
    const { license, client, logger } = await setup();

    await expect(client.phoneHome()).resolves.toEqual({ outcome: 'renewed', license_id: renewal.jti });
    expect(received).toEqual([
      {
        path: '/api/v1/phone-home',
        body: {
          license: currentToken,
          tp_version: '1.3.0',
          fingerprint: 'f'.repeat(64),
          usage: { active_uses: 1, period_start: new Date(now.getTime() - DAY_MS).toISOString(), period_end: now.toISOString() },
        },
      },
    ]);
    expect(license.describe().license).toMatchObject({ status: 'active', days_remaining: 365, active_addons: [], last_phone_home: now.toISOString() });
    expect(logger.lines.at(-1)).toBe(`[license] Phone-home renewed the license: license_id=${renewal.jti}`);
    expect(logger.lines.join('\n')).not.toContain(currentToken.split('.')[2]);
  });

  it("adds the plane's users, data volume and AI credits to the usage report, and drops figures the CP would refuse", async () => {
    handler = json(503, { error: { code: 'UNAVAILABLE' } });
    const { client } = await setup({ usage: () => ({ users: 42, data_volume_gb: 12.5, ai_credits_used: -3 }) });
    await client.phoneHome();
    expect(received[0].body.usage).toEqual({
      active_uses: 1,
      period_start: new Date(now.getTime() - DAY_MS).toISOString(),
      period_end: now.toISOString(),
      users: 42,
      data_volume_gb: 12.5,
    });
  });

  it('calls home without usage figures when the usage callback throws, and says so', async () => {
    handler = json(503, { error: { code: 'UNAVAILABLE' } });
    const { client, logger } = await setup({
      usage: () => {
        throw new Error('metrics store down');
      },
    });
    await client.phoneHome();
    expect(Object.keys(received[0].body.usage)).toEqual(['active_uses', 'period_start', 'period_end']);
    expect(logger.lines.join('\n')).toContain('the usage callback failed: metrics store down');
  });

  it('accepts a renewal signed in the same second when it names the current license in renewed_from', async () => {
    handler = renewWith(() => signer.sign({ ...licenseClaims(issuedAt), renewed_from: currentClaims.jti }));
    const { client } = await setup();
    await expect(client.phoneHome()).resolves.toMatchObject({ outcome: 'renewed' });
  });

  it.each<[string, () => Handler, string]>([
    ['a reply that is not JSON', () => (_body, response) => void response.end('<html>proxy error</html>'), 'BAD_RESPONSE'],
    ['JSON without a license', () => json(200, { ok: true }), 'BAD_RESPONSE'],
    ['a 5xx', () => json(503, { statusCode: 503, code: 'NOT_READY', message: 'down' }), 'SERVER_ERROR'],
    ['a slow reply (timeout)', () => (_body, response) => void slowReplies.push(setTimeout(() => void json(200, {})(_body, response), 1500)), 'TIMEOUT'],
    ['a token for another tenant', () => renewWith(() => signer.sign(licenseClaims(now, { tenant_id: 'globex' }))), 'LICENSE_OTHER_TENANT'],
    ['an older token', () => renewWith(() => signer.sign(licenseClaims(new Date(issuedAt.getTime() - DAY_MS)))), 'LICENSE_OLDER'],
    ['the same token again', () => renewWith(async () => currentToken), 'LICENSE_NOT_NEWER'],
    ['a token of the same second that renews something else', () => renewWith(() => signer.sign(licenseClaims(issuedAt))), 'LICENSE_NOT_NEWER'],
    ['a token signed by another key', () => renewWith(() => stranger.sign(licenseClaims(now, { renewed_from: currentClaims.jti }))), 'LICENSE_INVALID'],
  ])('keeps the current license on %s and logs %s', async (_name, reply, code) => {
    handler = reply();
    const { license, client, logger } = await setup();
    const before = license.describe();
    await expect(client.phoneHome()).resolves.toMatchObject({ outcome: 'failed', code });
    expect(license.describe()).toEqual(before);
    expect(license.token).toBe(currentToken);
    expect(logger.lines.at(-1)).toMatch(new RegExp(`^\\[license\\] Phone-home failed: ${code} \\(.+\\); keeping the current license$`));
  });

  it.each([
    ['{statusCode, code, message}', { statusCode: 409, code: 'LICENSE_SUPERSEDED', message: 'a newer license exists' }, 'LICENSE_SUPERSEDED'],
    ['the CP error envelope', { error: { code: 'SUBSCRIPTION_INACTIVE', message: 'subscription suspended' } }, 'SUBSCRIPTION_INACTIVE'],
    ['no code at all', { nope: true }, 'HTTP_409'],
  ])('logs the server code of a refusal in %s', async (_shape, body, code) => {
    handler = json(409, body);
    const { client, logger, license } = await setup();
    await expect(client.phoneHome()).resolves.toMatchObject({ outcome: 'refused', status: 409, code });
    expect(logger.lines.at(-1)).toContain(`Phone-home refused: ${code}`);
    expect(license.lastPhoneHome).toBeNull();
  });

  it('reports a network error when the CP cannot be reached', async () => {
    const { client } = await setup({ cpUrl: 'http://127.0.0.1:9' });
    await expect(client.phoneHome()).resolves.toMatchObject({ outcome: 'failed', code: 'NETWORK_ERROR' });
  });

  it('never calls home in offline mode or with an on-prem license', async () => {
    handler = json(500, {});
    const offline = await setup({ offlineMode: true });
    expect(offline.client.start()).toBe(false);
    expect(offline.logger.lines.at(-1)).toBe('[license] Phone-home disabled: ATLASAI_OFFLINE_MODE=1');
    await expect(offline.client.phoneHome()).resolves.toEqual({ outcome: 'skipped', reason: 'OFFLINE_MODE' });
    const onPrem = await setup({}, await signer.sign(licenseClaims(issuedAt, { deployment_mode: 'on_prem' })));
    await expect(onPrem.client.phoneHome()).resolves.toEqual({ outcome: 'skipped', reason: 'ON_PREM' });
    expect(received).toEqual([]);
  });

  it('never re-sends the token to a redirect target: a redirect is a failure with a clear message', async () => {
    handler = (_body, response) => {
      response.writeHead(307, { location: `${baseUrl}/elsewhere` });
      response.end();
    };
    const { client, license, logger } = await setup();
    const result = await client.phoneHome();
    expect(result).toMatchObject({ outcome: 'failed', code: 'REDIRECT', message: expect.stringContaining('ATLASAI_CP_URL') });
    expect(received.map((call) => call.path)).toEqual(['/api/v1/phone-home']);
    expect(license.token).toBe(currentToken);
    expect(logger.lines.at(-1)).toMatch(/^\[license\] Phone-home failed: REDIRECT \(.+\); keeping the current license$/);
  });

  it('refuses a plain-http control plane unless it is loopback or explicitly allowed', async () => {
    const { license } = await setup();
    const client = (cpUrl: string, allowInsecureHttp?: boolean) => new PhoneHomeClient({ license, cpUrl, tpVersion: '1.3.0', allowInsecureHttp });
    expect(() => client('http://cp.example.com')).toThrow(/http:\/\/cp\.example\.com.*https.*ATLASAI_CP_ALLOW_INSECURE_HTTP=1/);
    expect(() => client('http://10.0.0.5:8080', false)).toThrow(/https/);
    for (const url of ['https://cp.example.com', 'http://localhost:3000', 'http://127.0.0.1:9', 'http://[::1]:3000']) expect(() => client(url)).not.toThrow();
    expect(() => client('http://cp.example.com', true)).not.toThrow();
  });

  it('records the last attempt and its result apart from last_phone_home, which stays the last successful renewal', async () => {
    handler = json(409, { code: 'LICENSE_SUPERSEDED', message: 'a newer license exists' });
    const { client, license, clock } = await setup();
    expect(client.lastAttempt()).toBeNull();
    await client.phoneHome();
    expect(client.lastAttempt()).toEqual({ at: now.toISOString(), outcome: 'refused', code: 'LICENSE_SUPERSEDED' });
    expect(license.describe().license.last_phone_home).toBeNull();

    handler = renewWith(() => signer.sign(licenseClaims(now, { renewed_from: currentClaims.jti })));
    clock.advance(60_000);
    await client.phoneHome();
    const renewedAt = new Date(now.getTime() + 60_000).toISOString();
    expect(client.lastAttempt()).toEqual({ at: renewedAt, outcome: 'renewed', code: null });
    expect(license.describe().license.last_phone_home).toBe(renewedAt);

    handler = json(503, {});
    clock.advance(60_000);
    await client.phoneHome();
    expect(client.lastAttempt()).toEqual({ at: new Date(now.getTime() + 120_000).toISOString(), outcome: 'failed', code: 'SERVER_ERROR' });
    expect(license.describe().license.last_phone_home).toBe(renewedAt);
  });

  describe('schedule', () => {
    it('keeps a single schedule when start() is called twice, also while a call is in flight', async () => {
      handler = json(503, {});
      const { timer, pending } = fakeTimer();
      const { client } = await setup({ timer });
      expect(client.start()).toBe(true);
      expect(client.start()).toBe(true);
      expect(pending.size).toBe(1);
      const [handle, first] = [...pending.entries()][0]!;
      pending.delete(handle);
      first.callback();
      expect(client.start()).toBe(true);
      await waitFor(() => received.length === 1 && scheduledOnly(pending));
      await new Promise((done) => setTimeout(done, 50));
      expect(received).toHaveLength(1);
      expect(pending.size).toBe(1);
      client.stop();
    });

    it('decides the 6-hour cadence at the same effective time as the phase, so a clock set back does not slow it', async () => {
      const { client, clock, license } = await setup();
      clock.set(issuedAt.getTime() + 365 * DAY_MS - DAY_MS + 1);
      expect(license.status().status).toBe('active');
      clock.set(now);
      expect(client.nextDelay({ outcome: 'renewed', license_id: 'x' })).toBe(6 * 3_600_000);
    });

    it('calls at start, then every interval, backing off with capped exponential delays and jitter on failure', async () => {
      handler = json(503, {});
      const { timer, pending } = fakeTimer();
      const { client } = await setup({ timer, intervalMs: 10 * 3_600_000, backoffBaseMs: 60_000, maxBackoffMs: 3_600_000, random: () => 1 });
      expect(client.start()).toBe(true);
      const delays: number[] = [];
      for (let round = 0; round < 9; round++) {
        const [handle, next] = [...pending.entries()].at(-1)!;
        if (round > 0) delays.push(next.ms);
        pending.delete(handle);
        next.callback();
        await waitFor(() => received.length === round + 1 && scheduledOnly(pending));
      }
      expect(delays).toEqual([60_000, 120_000, 240_000, 480_000, 960_000, 1_920_000, 3_600_000, 3_600_000]);
      handler = renewWith(() => signer.sign(licenseClaims(now, { renewed_from: currentClaims.jti })));
      const [handle, next] = [...pending.entries()][0]!;
      pending.delete(handle);
      next.callback();
      await waitFor(() => received.length === 10 && scheduledOnly(pending));
      expect([...pending.values()][0]!.ms).toBe(10 * 3_600_000);
      client.stop();
      expect(pending.size).toBe(0);
    });

    it('spreads retries with full jitter and checks every 6 hours once less than a day remains', async () => {
      const { client, clock } = await setup({ random: () => 0.25, backoffBaseMs: 1000 });
      const failed = { outcome: 'failed', code: 'TIMEOUT', message: '' } as const;
      expect([client.nextDelay(failed), client.nextDelay(failed), client.nextDelay(failed)]).toEqual([250, 500, 1000]);
      expect(client.nextDelay({ outcome: 'renewed', license_id: 'x' })).toBe(DAY_MS);
      clock.set(issuedAt.getTime() + 365 * DAY_MS - DAY_MS + 1);
      expect(client.nextDelay({ outcome: 'renewed', license_id: 'x' })).toBe(6 * 3_600_000);
      clock.set(issuedAt.getTime() + 380 * DAY_MS);
      expect(client.nextDelay({ outcome: 'renewed', license_id: 'x' })).toBe(6 * 3_600_000);
    });
  });
});

/** True once the request timeout (300 ms) is cleared and only the next call is scheduled. */
function scheduledOnly(pending: Map<number, { ms: number }>): boolean {
  return pending.size === 1 && [...pending.values()][0]!.ms !== 300;
}

async function waitFor(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((done) => setTimeout(done, 5));
  }
}
