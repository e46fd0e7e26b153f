import { compactVerify, createLocalJWKSet } from 'jose';
import { DataSource } from 'typeorm';
import { dropRedisPrefix, redisPrefix, TEST_REDIS_URL } from './support/notification-env.js';
import { claimsOf, forgedTokens, phoneHome, tenantWithLicense, unknownLicenseToken } from './support/phone-home-fixtures.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { TEST_EMBEDDED, withOpenTransaction } from './support/test-database.js';

const HOUR = 3_600_000;
const LOCK_TIMEOUT_MS = 1_000;

describe('BYOC phone-home (end to end)', () => {
  let cp: TestApp;
  let support: string;
  let viewer: string;

  beforeAll(async () => {
    cp = await startTestApp('phone_home', {
      env: { PHONE_HOME_RATE_LIMIT_PER_LICENSE: '1000', PHONE_HOME_RATE_LIMIT_PER_ADDRESS: '100000', DATABASE_LOCK_TIMEOUT_MS: String(LOCK_TIMEOUT_MS) },
    });
    support = await cp.token('support');
    viewer = await cp.token('viewer');
  });

  afterAll(() => cp.destroy());

  const license = async (id: string) => (await cp.http('GET', `/api/v1/licenses/${id}`, { token: viewer })).body;
  const licenseRows = () => cp.app.get(DataSource).query(`SELECT id, status, renewed_from FROM licenses ORDER BY id`);

  it('renews a BYOC license for 365 days, verifiable with the JWKS, and supersedes the old one', async () => {
    const first = await tenantWithLicense(cp, support, { id: 'initech' });
    cp.clock.advance(HOUR);
    const reply = await phoneHome(cp, first, { usage: { active_uses: 17, period_start: '2026-11-23T13:00:00Z', period_end: '2026-11-24T13:00:00Z' } });
    expect(reply.status).toBe(200);
    const jwks = createLocalJWKSet((await cp.http('GET', '/.well-known/jwks.json')).body);
    const { protectedHeader } = await compactVerify(reply.body.license, jwks);
    expect(protectedHeader.alg).toBe('RS256');
    const renewed = claimsOf(reply.body.license);
    expect(renewed).toMatchObject({ tenant_id: 'initech', deployment_mode: 'byoc', plan_id: 'operations', renewed_from: claimsOf(first).jti });
    expect(renewed.exp - renewed.iat).toBe(365 * 86_400);
    expect(renewed.iat).toBe(Math.floor(cp.clock.now().getTime() / 1000));
    expect(reply.body).toMatchObject({ license_id: renewed.jti, renewed_from: claimsOf(first).jti, expires_at: new Date(renewed.exp * 1000).toISOString() });
    expect(await license(claimsOf(first).jti)).toMatchObject({ status: 'superseded' });
    expect(await license(renewed.jti)).toMatchObject({ status: 'active', issued_by: 'phone-home', lineage_id: claimsOf(first).jti });

    const history = await cp.http('GET', '/api/v1/tenants/initech/phone-homes', { token: viewer });
    expect(history.body.last_successful_phone_home).toMatchObject({ result: 'renewed', tp_version: '4.2.0', renewed_license_id: renewed.jti });
    expect(history.body.items[0]).toMatchObject({ source_address: expect.stringMatching(/127\.0\.0\.1/), usage: { active_uses: 17 } });
    const uses = await cp.http('GET', '/api/v1/tenants/initech/active-uses', { token: viewer });
    expect(uses.body.items).toEqual([expect.objectContaining({ active_uses: 17, period_start: '2026-11-23T13:00:00.000Z' })]);
  });

  it('answers a retry of the same token within the window with the very same renewal, and a new one after it', async () => {
    const first = await tenantWithLicense(cp, support, { id: 'retry-co' });
    const reply = await phoneHome(cp, first, { fingerprint: 'retry-machine' });
    cp.clock.advance(10 * 60_000);
    const retry = await cp.http('POST', '/api/v1/phone-home', {
      headers: { authorization: `Bearer ${first}` },
      body: { tp_version: '4.2.0', fingerprint: 'retry-machine' },
    });
    expect(retry.status).toBe(200);
    expect(retry.body.license).toBe(reply.body.license);
    cp.clock.advance(HOUR);
    const late = await phoneHome(cp, first, { fingerprint: 'retry-machine' });
    expect(late.status).toBe(200);
    expect(claimsOf(late.body.license).renewed_from).toBe(claimsOf(reply.body.license).jti);
    expect(await license(claimsOf(reply.body.license).jti)).toMatchObject({ status: 'superseded', is_head: false });
    expect(await license(claimsOf(late.body.license).jti)).toMatchObject({ status: 'active', is_head: true, lineage_id: claimsOf(first).jti });
    const alerts = await cp.http('GET', '/api/v1/clone-alerts?tenant_id=retry-co', { token: viewer });
    expect(alerts.body.items).toEqual([]);
  });

  it('renews an older token of the lineage from its head, and without a fingerprint records one stale_token alert a day', async () => {
    const first = await tenantWithLicense(cp, support, { id: 'lineage-co' });
    cp.clock.advance(HOUR);
    const second = (await phoneHome(cp, first)).body.license;
    cp.clock.advance(24 * HOUR);
    const third = await phoneHome(cp, second);
    expect(third.status).toBe(200);
    expect(claimsOf(third.body.license).renewed_from).toBe(claimsOf(second).jti);
    cp.clock.advance(2 * HOUR);
    const stale = await phoneHome(cp, first);
    expect(stale.status).toBe(200);
    expect(claimsOf(stale.body.license).renewed_from).toBe(claimsOf(third.body.license).jti);
    cp.clock.advance(2 * HOUR);
    expect((await phoneHome(cp, second)).status).toBe(200);
    const alerts = await cp.http('GET', '/api/v1/clone-alerts?tenant_id=lineage-co', { token: viewer });
    expect(alerts.body.items).toEqual([expect.objectContaining({ reason: 'stale_token', license_id: claimsOf(first).jti, lineage_id: claimsOf(first).jti })]);
    const notifications = await cp.http('GET', '/api/v1/notifications?tenant_id=lineage-co&stage=clone_suspected', { token: viewer });
    expect(notifications.body.items).toHaveLength(0);
  });

  it('carries a plan upgrade into the next renewal', async () => {
    const first = await tenantWithLicense(cp, support, { id: 'upgrader', plan: 'core' });
    expect(claimsOf(first).plan_id).toBe('core');
    const plan = (await cp.http('GET', '/api/v1/plans/enterprise', { token: viewer })).body;
    await cp.http('PATCH', '/api/v1/tenants/upgrader/subscription', {
      token: support,
      body: { plan_id: 'enterprise', addons: plan.available_addons.slice(0, 1) },
    });
    const renewed = claimsOf((await phoneHome(cp, first)).body.license);
    expect(renewed).toMatchObject({
      plan_id: 'enterprise',
      plan_name: plan.name,
      limits: plan.limits,
      modules: plan.modules,
      addons: plan.available_addons.slice(0, 1),
    });
  });

  it.each(['past_due', 'suspended', 'canceled'])('refuses SUBSCRIPTION_INACTIVE while the subscription is %s, and keeps the license', async (status) => {
    const token = await tenantWithLicense(cp, support, { id: `lapsed-${status.replace('_', '-')}` });
    await cp.http('PATCH', `/api/v1/tenants/lapsed-${status.replace('_', '-')}/subscription`, { token: support, body: { status } });
    const refused = await phoneHome(cp, token);
    expect(refused).toMatchObject({ status: 403, body: { error: { code: 'SUBSCRIPTION_INACTIVE', details: { subscription_status: status } } } });
    expect(refused.body.error.message).toContain(`The subscription is ${status}`);
    expect(await license(claimsOf(token).jti)).toMatchObject({ status: 'active' });
  });

  it('refuses a revoked license, an on-prem license and an unknown one', async () => {
    const revoked = await tenantWithLicense(cp, support, { id: 'revoked-co' });
    await cp.http('POST', `/api/v1/licenses/${claimsOf(revoked).jti}/revoke`, { token: support, body: { reason: 'contract ended' } });
    expect(await phoneHome(cp, revoked)).toMatchObject({ status: 403, body: { error: { code: 'LICENSE_REVOKED' } } });
    const onPrem = await tenantWithLicense(cp, support, { id: 'onprem-co', mode: 'on_prem' });
    expect(await phoneHome(cp, onPrem)).toMatchObject({ status: 403, body: { error: { code: 'NOT_RENEWABLE_ON_PREM' } } });
    expect(await phoneHome(cp, await unknownLicenseToken(cp, onPrem))).toMatchObject({ status: 401, body: { error: { code: 'LICENSE_UNKNOWN' } } });
    const refusals = await cp.http('GET', '/api/v1/tenants/revoked-co/phone-homes', { token: viewer });
    expect(refusals.body).toMatchObject({ last_successful_phone_home: null, items: [expect.objectContaining({ result: 'LICENSE_REVOKED' })] });
    const emails = await cp.http('GET', '/api/v1/notifications?tenant_id=revoked-co&stage=renewal_refused', { token: viewer });
    expect(emails.body.items).toHaveLength(1);
    await phoneHome(cp, revoked);
    expect((await cp.http('GET', '/api/v1/notifications?tenant_id=revoked-co&stage=renewal_refused', { token: viewer })).body.items).toHaveLength(1);
  });

  it('binds a fingerprinted license to its machine', async () => {
    const token = await tenantWithLicense(cp, support, { id: 'locked-co', fingerprint: 'fp-machine-a' });
    expect(await phoneHome(cp, token, { fingerprint: 'fp-machine-b' })).toMatchObject({ status: 403, body: { error: { code: 'FINGERPRINT_MISMATCH' } } });
    expect(await phoneHome(cp, token)).toMatchObject({ status: 403, body: { error: { code: 'FINGERPRINT_MISMATCH' } } });
    const renewed = await phoneHome(cp, token, { fingerprint: 'fp-machine-a' });
    expect(renewed.status).toBe(200);
    expect(claimsOf(renewed.body.license).fingerprint).toBe('fp-machine-a');
  });

  it('refuses a copy on a second machine and alerts support, while the first machine keeps renewing', async () => {
    const token = await tenantWithLicense(cp, support, { id: 'twins-co' });
    const renewed = (await phoneHome(cp, token, { fingerprint: 'machine-one' })).body.license;
    cp.clock.advance(2 * HOUR);
    const copy = await phoneHome(cp, token, { fingerprint: 'machine-two' });
    expect(copy).toMatchObject({ status: 403, body: { error: { code: 'CLONE_SUSPECTED' } } });
    expect(copy.body.error.message).toContain('ATLASAI_MACHINE_ID');
    const alerts = await cp.http('GET', '/api/v1/clone-alerts?tenant_id=twins-co', { token: viewer });
    expect(alerts.body.items).toEqual([expect.objectContaining({ reason: 'fingerprint_conflict', fingerprint: 'machine-two' })]);
    const emails = await cp.http('GET', '/api/v1/notifications?tenant_id=twins-co&stage=clone_suspected', { token: viewer });
    expect(emails.body.items).toEqual([expect.objectContaining({ recipient: 'support@atlasai.com' })]);
    // The first machine, with its renewal or with the token it was first given (a restart), keeps renewing.
    const next = await phoneHome(cp, renewed, { fingerprint: 'machine-one' });
    expect(next.status).toBe(200);
    cp.clock.advance(2 * HOUR);
    expect((await phoneHome(cp, token, { fingerprint: 'machine-one' })).status).toBe(200);
    // A machine silent for the whole window no longer counts: the installation moved.
    cp.clock.advance(25 * HOUR);
    expect((await phoneHome(cp, next.body.license, { fingerprint: 'machine-two' })).status).toBe(200);
    expect((await phoneHome(cp, next.body.license, { fingerprint: 'machine-one' })).status).toBe(403);
  });

  it('lets a lineage renew on as many machines as its max_machines', async () => {
    await tenantWithLicense(cp, support, { id: 'pair-co' });
    const issued = await cp.http('POST', '/api/v1/licenses', { token: support, body: { tenant_id: 'pair-co', max_machines: 2 } });
    expect(issued.body.license).toMatchObject({ max_machines: 2 });
    expect((await phoneHome(cp, issued.body.token, { fingerprint: 'node-a' })).status).toBe(200);
    expect((await phoneHome(cp, issued.body.token, { fingerprint: 'node-b' })).status).toBe(200);
    expect(await phoneHome(cp, issued.body.token, { fingerprint: 'node-c' })).toMatchObject({ status: 403, body: { error: { code: 'CLONE_SUSPECTED' } } });
  });

  it('records the client a trusted proxy names in X-Forwarded-For as the source address', async () => {
    const token = await tenantWithLicense(cp, support, { id: 'proxied-co' });
    const reply = await cp.http('POST', '/api/v1/phone-home', { body: { license: token, tp_version: '4.2.0' }, headers: { 'x-forwarded-for': '203.0.113.7' } });
    expect(reply.status).toBe(200);
    const history = await cp.http('GET', '/api/v1/tenants/proxied-co/phone-homes', { token: viewer });
    expect(history.body.items[0].source_address).toBe('203.0.113.7');
  });

  it('answers 50 simultaneous calls with one token with one new license, the same for all', async () => {
    const token = await tenantWithLicense(cp, support, { id: 'stampede-co' });
    const replies = await Promise.all(Array.from({ length: 50 }, () => phoneHome(cp, token)));
    expect(replies.map((reply) => reply.status)).toEqual(Array(50).fill(200));
    expect(new Set(replies.map((reply) => reply.body.license)).size).toBe(1);
    const [{ n }] = await cp.app.get(DataSource).query(`SELECT count(*)::int AS n FROM licenses WHERE renewed_from = $1`, [claimsOf(token).jti]);
    expect(n).toBe(1);
  });

  // The embedded database is one session: a second client's open transaction would hold up every query.
  (TEST_EMBEDDED ? it.skip : it)(
    "never holds a call up behind another transaction's lock: a billing event's on the tenant, a replacement's on the head",
    async () => {
      const held = await tenantWithLicense(cp, support, { id: 'held-co' });
      const other = await tenantWithLicense(cp, support, { id: 'unheld-co' });
      await withOpenTransaction(cp.database.url, async (session) => {
        // The lock a Stripe event or the billing sweeper holds on a tenant while it applies.
        await session.query(`SELECT 1 FROM tenants WHERE id = 'held-co' FOR NO KEY UPDATE`);
        const renewed = await phoneHome(cp, held);
        expect(renewed.status).toBe(200);
        cp.clock.advance(HOUR);
        // The lock a replacement or revocation holds on the lineage's head until it commits.
        await session.query(`SELECT 1 FROM licenses WHERE tenant_id = 'held-co' AND status = 'active' FOR UPDATE`);
        const [waiting, unheld] = await Promise.all([phoneHome(cp, renewed.body.license), phoneHome(cp, other)]);
        expect(unheld.status).toBe(200);
        expect(waiting.status).toBe(409);
        expect(waiting.body.error).toMatchObject({ code: 'RENEWAL_CONFLICT', message: expect.stringMatching(/current license keeps working/) });
        await session.query('ROLLBACK');
        expect((await phoneHome(cp, renewed.body.license)).status).toBe(200);
      });
    },
  );

  (TEST_EMBEDDED ? it.skip : it)(
    'gives up on a lock the app never takes after DATABASE_LOCK_TIMEOUT_MS: the calls queued behind it renew, the held one answers 503',
    async () => {
      const held = await tenantWithLicense(cp, support, { id: 'operator-held-co' });
      const others = await Promise.all(['first', 'second'].map((name) => tenantWithLicense(cp, support, { id: `${name}-free-co` })));
      // An operator's psql session; a renewal's foreign-key check on the tenant waits for it.
      await withOpenTransaction(cp.database.url, async (operator) => {
        await operator.query(`SELECT 1 FROM tenants WHERE id = 'operator-held-co' FOR UPDATE`);
        // Were the wait unbounded, these calls would answer only after the ROLLBACK below: never.
        const replies = await Promise.all([held, ...others].map((token) => phoneHome(cp, token)));
        expect(replies.map((reply) => reply.status)).toEqual([503, 200, 200]);
        expect(replies[0].body.error).toMatchObject({ code: 'DATABASE_BUSY', details: { retry_after_seconds: expect.any(Number) } });
        expect(replies[0].headers.get('retry-after')).toBe(String(replies[0].body.error.details.retry_after_seconds));
        await operator.query('ROLLBACK');
        expect((await phoneHome(cp, held)).status).toBe(200);
      });
    },
  );

  describe('bad input', () => {
    let genuine: string;

    beforeAll(async () => {
      genuine = await tenantWithLicense(cp, support, { id: 'target-co' });
    });

    it('refuses malformed requests with 400 and a field-level message', async () => {
      const noBody = await cp.http('POST', '/api/v1/phone-home');
      expect(noBody).toMatchObject({ status: 400, body: { error: { code: 'VALIDATION_FAILED' } } });
      const notJson = await cp.http('POST', '/api/v1/phone-home', { rawBody: '{"license": ', headers: { 'content-type': 'application/json' } });
      expect(notJson).toMatchObject({ status: 400, body: { error: { code: 'MALFORMED_JSON' } } });
      const wrongType = await cp.http('POST', '/api/v1/phone-home', { body: { license: genuine, tp_version: 42 } });
      expect(wrongType).toMatchObject({ status: 400, body: { error: { code: 'VALIDATION_FAILED', details: [{ field: 'tp_version' }] } } });
      const badUsage = await phoneHome(cp, genuine, { usage: { active_uses: -1, period_start: 'yesterday', period_end: '2026-11-24T00:00:00Z' } });
      expect(badUsage.body.error.details.map((detail: { field: string }) => detail.field)).toEqual(['usage.active_uses', 'usage.period_start']);
      const noLicense = await cp.http('POST', '/api/v1/phone-home', { body: { tp_version: '4.2.0' } });
      expect(noLicense).toMatchObject({ status: 400, body: { error: { details: [{ field: 'license' }] } } });
    });

    it('refuses a 100 KB token with 413', async () => {
      const huge = await phoneHome(cp, 'a'.repeat(100 * 1024));
      expect(huge).toMatchObject({ status: 413, body: { error: { code: 'PAYLOAD_TOO_LARGE' } } });
    });

    it('refuses every forged or broken token as LICENSE_INVALID, naming the reason', async () => {
      const forged = await forgedTokens(cp, genuine);
      const reasons: Record<string, string> = {};
      for (const [name, token] of Object.entries(forged)) {
        const reply = await phoneHome(cp, token);
        expect(reply).toMatchObject({ status: 401, body: { error: { code: 'LICENSE_INVALID' } } });
        reasons[name] = reply.body.error.details.reason;
      }
      expect(reasons).toEqual({
        garbage: 'MALFORMED',
        algNone: 'ALGORITHM_NOT_ALLOWED',
        hs256WithPublicKey: 'ALGORITHM_NOT_ALLOWED',
        strangerKey: 'UNKNOWN_KID',
        strangerKeyWithOurKid: 'BAD_SIGNATURE',
        tampered: 'BAD_SIGNATURE',
      });
      expect(JSON.stringify(reasons)).not.toContain(genuine);
    });

    it('changes no license row whatever it is sent', async () => {
      const before = await licenseRows();
      const forged = await forgedTokens(cp, genuine);
      for (const token of Object.values(forged)) await phoneHome(cp, token);
      await phoneHome(cp, genuine, { fingerprint: 'x'.repeat(300) });
      await cp.http('POST', '/api/v1/phone-home', { rawBody: 'garbage', headers: { 'content-type': 'application/json' } });
      expect(await licenseRows()).toEqual(before);
    });
  });

  it('pages the phone-home history and the clone alerts by cursor, newest first', async () => {
    const pages = async (path: string) => {
      const items: unknown[] = [];
      let cursor: string | null = null;
      do {
        const page = await cp.http('GET', `${path}${path.includes('?') ? '&' : '?'}limit=1${cursor ? `&cursor=${cursor}` : ''}`, { token: viewer });
        expect(page.status).toBe(200);
        items.push(...page.body.items);
        cursor = page.body.next_cursor;
      } while (cursor);
      return items;
    };
    const history = (await cp.http('GET', '/api/v1/tenants/retry-co/phone-homes', { token: viewer })).body.items;
    expect(history.length).toBeGreaterThanOrEqual(3);
    expect(await pages('/api/v1/tenants/retry-co/phone-homes')).toEqual(history);
    const alerts = (await cp.http('GET', '/api/v1/clone-alerts?limit=500', { token: viewer })).body.items;
    expect(alerts.length).toBeGreaterThanOrEqual(2);
    expect(await pages('/api/v1/clone-alerts')).toEqual(alerts);
    const forged = await cp.http('GET', '/api/v1/clone-alerts?cursor=bm90LWEtY3Vyc29y', { token: viewer });
    expect(forged.status).toBe(400);
    expect(forged.body.error.code).toBe('VALIDATION_FAILED');
  });

  it('counts phone-homes by result in the metrics', async () => {
    const metrics = (await cp.http('GET', '/metrics')).text;
    expect(metrics).toMatch(/la_phone_homes_total\{result="renewed"\} \d+/);
    expect(metrics).toMatch(/la_phone_homes_total\{result="LICENSE_INVALID"\} \d+/);
    expect(metrics).toMatch(/la_phone_homes_total\{result="SUBSCRIPTION_INACTIVE"\} 3/);
    // Answered by the fast path, counted under its route like any Nest route.
    expect(metrics).toMatch(/la_http_requests_total\{method="POST",route="\/api\/v1\/phone-home",status_code="200"\} [1-9]/);
    expect(metrics).toMatch(/la_http_requests_total\{method="POST",route="\/api\/v1\/phone-home",status_code="403"\} [1-9]/);
  });
});

// Replicas share a Postgres database; the embedded one has a single owner.
(TEST_EMBEDDED ? describe.skip : describe)('phone-home rate limits (Redis, two replicas)', () => {
  const prefix = redisPrefix('ph-limits');
  const env = { REDIS_URL: TEST_REDIS_URL, REDIS_KEY_PREFIX: prefix, PHONE_HOME_RATE_LIMIT_PER_ADDRESS: '8', PHONE_HOME_RATE_LIMIT_PER_LICENSE: '3' };
  let cp: TestApp;
  let replica: TestApp;

  beforeAll(async () => {
    cp = await startTestApp('phone_home_limits', { env });
    replica = await startTestApp('phone_home_limits', { env, database: cp.database, clock: cp.clock });
  });

  afterAll(async () => {
    await replica.close();
    await cp.destroy();
    await dropRedisPrefix(prefix);
  });

  it('counts per license and per address across replicas, with 429 and Retry-After', async () => {
    const support = await cp.token('support');
    const token = await tenantWithLicense(cp, support, { id: 'flood-co' });
    const perLicense = [];
    for (const app of [cp, replica, cp, replica]) perLicense.push(await phoneHome(app, token));
    expect(perLicense.map((reply) => reply.status)).toEqual([200, 200, 200, 429]);
    expect(perLicense[3].body.error.code).toBe('RATE_LIMITED');
    expect(Number(perLicense[3].headers.get('retry-after'))).toBeGreaterThan(0);
    const flood = await Promise.all(Array.from({ length: 6 }, (_, call) => phoneHome(call % 2 ? replica : cp, 'garbage')));
    expect(flood.filter((reply) => reply.status === 429).length).toBe(2);
    expect(flood.find((reply) => reply.status === 429)?.body.error.message).toContain('from this address');
  });
});
