import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeJwt } from 'jose';
import { machineFingerprint } from '@atlasai/tenant-sdk';
import { startExampleTenantPlane, type ExampleTenantPlane } from './support/example-tenant-plane.js';
import { memoryLogger, SEED_RESPONSE } from './support/tenant-sdk-fixtures.js';
import { httpCall } from './support/http-call.js';
import { startTestApp, type TestApp } from './support/test-app.js';

/**
 * The same keys, in the same order, with values of the same JSON types (null allowed where the seed shows one, and for
 * the plan and dates of an invalid license, whose unverified claims prove nothing).
 */
function expectSeedShape(body: any): void {
  expect(Object.keys(body)).toEqual(Object.keys(SEED_RESPONSE));
  expect(Object.keys(body.license)).toEqual(Object.keys(SEED_RESPONSE.license));
  for (const [key, value] of Object.entries(SEED_RESPONSE.license)) {
    const actual = body.license[key];
    if (value === null || (actual === null && !body.license.valid && typeof value === 'string'))
      expect(actual === null || typeof actual === 'string').toBe(true);
    else expect([key, Array.isArray(actual) ? 'array' : typeof actual]).toEqual([key, Array.isArray(value) ? 'array' : typeof value]);
  }
  if (body.license.expires_at) expect(new Date(body.license.expires_at).toISOString()).toBe(body.license.expires_at);
  expect(body.license.key_hint).toMatch(/^eyJhbGciOiJSUzI\.\.\./);
}

describe('tenant SDK in a Nest tenant plane against the real control plane (end to end)', () => {
  let cp: TestApp;
  let support: string;
  let publicKeyPem: string;
  let directory: string;
  const planes: ExampleTenantPlane[] = [];

  beforeAll(async () => {
    cp = await startTestApp('tenant_sdk', { env: { PHONE_HOME_RATE_LIMIT_PER_LICENSE: '1000', PHONE_HOME_RATE_LIMIT_PER_ADDRESS: '100000' } });
    support = await cp.token('support');
    publicKeyPem = (await cp.http('GET', '/api/v1/public-key')).text;
    directory = mkdtempSync(join(tmpdir(), 'tenant-sdk-e2e-'));
  });

  afterAll(async () => {
    for (const plane of planes) await plane.close();
    await cp.destroy();
    rmSync(directory, { recursive: true, force: true });
  });

  async function byocTenant(id: string, license: Record<string, unknown> = {}): Promise<string> {
    expect(
      (
        await cp.http('POST', '/api/v1/tenants', {
          token: support,
          body: { id, name: `Tenant ${id}`, contact_email: `ops@${id}.example`, deployment_mode: 'byoc' },
        })
      ).status,
    ).toBe(201);
    const subscription = await cp.http('PUT', `/api/v1/tenants/${id}/subscription`, {
      token: support,
      body: { plan_id: 'operations', billing_interval: 'annual' },
    });
    expect(subscription).toMatchObject({ status: 200, body: { access: 'full' } });
    const issued = await cp.http('POST', '/api/v1/licenses', { token: support, body: { tenant_id: id, deployment_mode: 'byoc', ...license } });
    expect(issued.status).toBe(201);
    return issued.body.token;
  }

  async function tenantPlane(env: Record<string, string>, logger = memoryLogger()): Promise<ExampleTenantPlane> {
    const plane = await startExampleTenantPlane({
      env: { CP_LICENSE_PUBLIC_KEY: publicKeyPem, ATLASAI_CP_URL: cp.baseUrl, LICENSE_ISSUER: 'https://cp.test.local', ATLASAI_MACHINE_ID: 'tp-e2e-1', ...env },
      clock: cp.clock,
      logger,
    });
    planes.push(plane);
    return plane;
  }

  const tp = (plane: ExampleTenantPlane, method: string, path: string, body?: unknown) =>
    httpCall(plane.baseUrl, method, path, body === undefined ? {} : { body });

  it('loads a BYOC license, enforces its phases, renews it by phoning home without a restart, and keeps it across one', async () => {
    const token = await byocTenant('acme-tp');
    const licenseFile = join(directory, 'acme-tp.jwt');
    const logger = memoryLogger();
    const plane = await tenantPlane({ ATLASAI_LICENSE_KEY: token, ATLASAI_LICENSE_FILE: licenseFile }, logger);
    expect(logger.lines).toEqual(['[license] Loaded from env: status=active, days_remaining=365']);

    const described = await tp(plane, 'GET', '/api/admin/license');
    expect(described.status).toBe(200);
    expectSeedShape(described.body);
    const issuedClaims = decodeJwt(token);
    expect(described.body).toEqual({
      licensed_deployment: true,
      offline_mode: false,
      tp_version: '1.3.0',
      cp_license_public_key_configured: true,
      license: {
        status: 'active',
        valid: true,
        plan_id: 'operations',
        plan_name: 'Operations',
        deployment_mode: 'byoc',
        days_remaining: 365,
        expires_at: new Date(issuedClaims.exp! * 1000).toISOString(),
        issued_at: cp.clock
          .now()
          .toISOString()
          .replace(/\.\d{3}Z$/, '.000Z'),
        active_addons: [],
        last_phone_home: null,
        key_hint: `${token.slice(0, 15)}...${token.slice(-6)}`,
      },
    });
    expect((await tp(plane, 'POST', '/api/incidents')).status).toBe(201);

    // A year and a day later the license is in grace: reads work, writes are refused with a code.
    cp.clock.advanceDays(366);
    expect((await tp(plane, 'GET', '/api/incidents')).status).toBe(200);
    expect(await tp(plane, 'POST', '/api/incidents')).toMatchObject({ status: 403, body: { statusCode: 403, code: 'LICENSE_GRACE_READ_ONLY' } });
    expect((await tp(plane, 'GET', '/api/admin/license/banner')).body).toMatchObject({ level: 'yellow', status: 'grace', days_remaining: 29 });

    // The scheduled phone-home (first call at start) brings a renewed license; the running app switches to it.
    expect(plane.licensing.phoneHome!.start()).toBe(true);
    await until(async () => (await tp(plane, 'GET', '/api/admin/license')).body.license.status === 'active');
    plane.licensing.phoneHome!.stop();
    const renewed = (await tp(plane, 'GET', '/api/admin/license')).body;
    expectSeedShape(renewed);
    expect(renewed.license).toMatchObject({
      status: 'active',
      days_remaining: 365,
      issued_at: cp.clock
        .now()
        .toISOString()
        .replace(/\.\d{3}Z$/, '.000Z'),
    });
    expect(renewed.license.last_phone_home).toBe(cp.clock.now().toISOString());
    expect(renewed.license.key_hint).not.toBe(described.body.license.key_hint);
    expect((await tp(plane, 'POST', '/api/incidents')).status).toBe(201);
    const renewedToken = readFileSync(licenseFile, 'utf8').trim();
    expect(decodeJwt(renewedToken)).toMatchObject({ tenant_id: 'acme-tp', renewed_from: issuedClaims.jti });
    expect(logger.lines.at(-1)).toBe(`[license] Phone-home renewed the license: license_id=${decodeJwt(renewedToken).jti}`);
    expect(logger.lines.join('\n')).not.toContain(token.split('.')[2]);

    // The CP recorded the call with the SDK's report.
    const history = await cp.http('GET', '/api/v1/tenants/acme-tp/phone-homes', { token: support });
    expect(history.body.items[0]).toMatchObject({
      result: 'renewed',
      tp_version: '1.3.0',
      fingerprint: machineFingerprint({ ATLASAI_MACHINE_ID: 'tp-e2e-1' }).fingerprint,
    });

    // An upload of the old token is refused: a stolen old file cannot roll the tenant back.
    expect(await tp(plane, 'PUT', '/api/admin/license', { token })).toMatchObject({ status: 409, body: { code: 'LICENSE_OLDER' } });

    // A restart reads the persisted renewal, not the stale env token.
    const restartLogger = memoryLogger();
    const restarted = await tenantPlane({ ATLASAI_LICENSE_KEY: token, ATLASAI_LICENSE_FILE: licenseFile }, restartLogger);
    expect(restartLogger.lines).toEqual(['[license] Loaded from file: status=active, days_remaining=365']);
    expect((await tp(restarted, 'GET', '/api/admin/license')).body.license.issued_at).toBe(renewed.license.issued_at);
  });

  it('keeps its license when the CP refuses a renewal, then locks when all grace has run out', async () => {
    const token = await byocTenant('revoked-tp');
    const logger = memoryLogger();
    const plane = await tenantPlane({ ATLASAI_LICENSE_KEY: token }, logger);
    const revoked = await cp.http('POST', `/api/v1/licenses/${decodeJwt(token).jti}/revoke`, { token: support, body: { reason: 'test' } });
    expect(revoked.status).toBe(200);

    const before = (await tp(plane, 'GET', '/api/admin/license')).body;
    await expect(plane.licensing.phoneHome!.phoneHome()).resolves.toMatchObject({ outcome: 'refused', code: 'LICENSE_REVOKED' });
    expect(logger.lines.at(-1)).toMatch(/^\[license\] Phone-home refused: LICENSE_REVOKED \(.+\); keeping the current license$/);
    expect((await tp(plane, 'GET', '/api/admin/license')).body).toEqual(before);

    cp.clock.advanceDays(365 + 60);
    expect(await tp(plane, 'GET', '/api/incidents')).toMatchObject({ status: 403, body: { code: 'LICENSE_LOCKED' } });
    expect((await tp(plane, 'GET', '/api/health')).status).toBe(200);
    expect((await tp(plane, 'POST', '/api/users')).status).toBe(201);
    const locked = await tp(plane, 'GET', '/api/admin/license');
    expectSeedShape(locked.body);
    expect(locked.body.license).toMatchObject({ status: 'locked', valid: true, days_remaining: 0 });
    expect((await tp(plane, 'GET', '/api/admin/license/banner')).body).toMatchObject({ level: 'red', status: 'locked' });

    // Support issues a new license; the admin uploads it and the tenant plane is unlocked without a restart.
    const fresh = await cp.http('POST', '/api/v1/licenses', { token: support, body: { tenant_id: 'revoked-tp', deployment_mode: 'byoc' } });
    const uploaded = await tp(plane, 'PUT', '/api/admin/license', { token: fresh.body.token });
    expect(uploaded).toMatchObject({ status: 200, body: { license: { status: 'active', days_remaining: 365 } } });
    expect((await tp(plane, 'GET', '/api/incidents')).status).toBe(200);

    // Another tenant's license is refused.
    const other = await byocTenant('someone-else');
    expect(await tp(plane, 'PUT', '/api/admin/license', { token: other })).toMatchObject({ status: 409, body: { code: 'LICENSE_OTHER_TENANT' } });

    // As the SDK README wires it: no token is a 400, an unverifiable one a 409 with the refusal code and reason.
    for (const body of [{}, { token: '  ' }, { token: 42 }]) {
      expect(await tp(plane, 'PUT', '/api/admin/license', body)).toMatchObject({ status: 400, body: { statusCode: 400, code: 'LICENSE_TOKEN_REQUIRED' } });
    }
    expect(await tp(plane, 'PUT', '/api/admin/license', { token: 'not-a-jwt' })).toMatchObject({
      status: 409,
      body: { statusCode: 409, code: 'LICENSE_INVALID', reason: 'MALFORMED' },
    });
    expect((await tp(plane, 'GET', '/api/admin/license')).body.license).toMatchObject({ status: 'active', days_remaining: 365 });
  });

  it('reports a license locked to another machine as invalid with FINGERPRINT_MISMATCH', async () => {
    const lockedTo = machineFingerprint({ ATLASAI_MACHINE_ID: 'node-a' }).fingerprint;
    const token = await byocTenant('locked-tp', { fingerprint: lockedTo });
    const onNodeA = await tenantPlane({ ATLASAI_LICENSE_KEY: token, ATLASAI_MACHINE_ID: 'node-a' });
    expect((await tp(onNodeA, 'GET', '/api/admin/license')).body.license).toMatchObject({ status: 'active', valid: true });
    const logger = memoryLogger();
    const onNodeB = await tenantPlane({ ATLASAI_LICENSE_KEY: token, ATLASAI_MACHINE_ID: 'node-b' }, logger);
    expect(logger.lines).toEqual(['[license] Loaded from env: status=invalid, reason=FINGERPRINT_MISMATCH', expect.stringContaining('kept in memory only')]);
    const described = await tp(onNodeB, 'GET', '/api/admin/license');
    expectSeedShape(described.body);
    expect(described.body.license).toMatchObject({ status: 'invalid', valid: false, plan_id: null, days_remaining: 0 });
    expect(await tp(onNodeB, 'GET', '/api/incidents')).toMatchObject({ status: 403, body: { code: 'LICENSE_INVALID' } });
  });
});

async function until(condition: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((done) => setTimeout(done, 50));
  }
}
