import { createHmac, generateKeyPairSync } from 'node:crypto';
import { SignJWT, UnsecuredJWT } from 'jose';
import { keyIdOf } from '@atlasai/license-core';
import { startTestApp, type TestApp } from './support/test-app.js';

describe('bad input to the core API', () => {
  let cp: TestApp;
  let support: string;
  let viewer: string;
  let token: string;

  beforeAll(async () => {
    cp = await startTestApp('bad_input');
    support = await cp.token('support');
    viewer = await cp.token('viewer');
    await cp.http('POST', '/api/v1/tenants', {
      token: support,
      body: { id: 'acme', name: 'Acme', contact_email: 'ops@acme.example', deployment_mode: 'on_prem' },
    });
    await cp.http('PUT', '/api/v1/tenants/acme/subscription', { token: support, body: { plan_id: 'core', billing_interval: 'monthly' } });
    token = (await cp.http('POST', '/api/v1/licenses', { token: support, body: { tenant_id: 'acme' } })).body.token;
  });

  afterAll(() => cp.destroy());

  const issue = (body: unknown) => cp.http('POST', '/api/v1/licenses', { token: support, body });

  it('answers 404 for an unknown tenant or plan', async () => {
    expect(await issue({ tenant_id: 'nobody', deployment_mode: 'byoc' })).toMatchObject({ status: 404, body: { error: { code: 'TENANT_NOT_FOUND' } } });
    expect(await issue({ tenant_id: 'acme', plan_id: 'platinum' })).toMatchObject({ status: 404, body: { error: { code: 'PLAN_NOT_FOUND' } } });
    expect(await cp.http('GET', '/api/v1/plans/platinum', { token: viewer })).toMatchObject({ status: 404 });
  });

  it('refuses a plan limit that is negative or not an integer, naming the field', async () => {
    const base = { id: 'custom', name: 'Custom', modules: ['itsm'] };
    const negative = await cp.http('POST', '/api/v1/plans', {
      token: support,
      body: { ...base, limits: { users: -5, data_volume_gb: 1, ai_credits: 1, retention_days: 1 } },
    });
    expect(negative).toMatchObject({ status: 400, body: { error: { code: 'VALIDATION_FAILED', details: [{ field: 'limits.users' }] } } });
    const fractional = await cp.http('POST', '/api/v1/plans', {
      token: support,
      body: { ...base, limits: { users: 1, data_volume_gb: 2.5, ai_credits: 1, retention_days: 1 } },
    });
    expect(fractional).toMatchObject({ status: 400, body: { error: { details: [{ field: 'limits.data_volume_gb' }] } } });
  });

  it('refuses a validity of 0 days or over 10 years', async () => {
    expect(await issue({ tenant_id: 'acme', validity_days: 0 })).toMatchObject({ status: 400, body: { error: { details: [{ field: 'validity_days' }] } } });
    expect(await issue({ tenant_id: 'acme', validity_days: 3651 })).toMatchObject({ status: 400, body: { error: { details: [{ field: 'validity_days' }] } } });
  });

  it('refuses an add-on the plan does not offer and an unknown deployment mode', async () => {
    expect(await issue({ tenant_id: 'acme', addons: ['teleportation'] })).toMatchObject({ status: 400, body: { error: { code: 'UNKNOWN_ADDON' } } });
    expect(await issue({ tenant_id: 'acme', deployment_mode: 'mainframe' })).toMatchObject({
      status: 400,
      body: { error: { details: [{ field: 'deployment_mode' }] } },
    });
    const tenant = await cp.http('POST', '/api/v1/tenants', {
      token: support,
      body: { id: 'zeta', name: 'Zeta', contact_email: 'z@zeta.example', deployment_mode: 'cloud' },
    });
    expect(tenant).toMatchObject({ status: 400, body: { error: { details: [{ field: 'deployment_mode' }] } } });
  });

  it('refuses an unknown field and a malformed id', async () => {
    expect(await issue({ tenant_id: 'acme', superuser: true })).toMatchObject({ status: 400, body: { error: { code: 'VALIDATION_FAILED' } } });
    expect(await cp.http('GET', '/api/v1/licenses/not-a-uuid', { token: viewer })).toMatchObject({ status: 400, body: { error: { code: 'INVALID_ID' } } });
  });

  describe('inspect reports a bad token as invalid with a reason, never a 500', () => {
    const inspect = (candidate: string) => cp.http('POST', '/api/v1/licenses/inspect', { token: viewer, body: { token: candidate } });
    const claims = () => JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString());

    it('garbage', async () => {
      expect(await inspect('garbage')).toMatchObject({ status: 200, body: { valid: false, status: 'invalid', reason: 'MALFORMED' } });
    });

    it('alg none', async () => {
      expect(await inspect(new UnsecuredJWT(claims()).encode())).toMatchObject({ status: 200, body: { valid: false, reason: 'ALGORITHM_NOT_ALLOWED' } });
    });

    it('HS256 signed with the public key as the secret', async () => {
      const publicPem = (await cp.http('GET', '/api/v1/public-key')).text;
      const kid = JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString()).kid;
      const hs256 = await new SignJWT(claims()).setProtectedHeader({ alg: 'HS256', kid }).sign(new TextEncoder().encode(publicPem));
      expect(await inspect(hs256)).toMatchObject({ body: { valid: false, reason: 'ALGORITHM_NOT_ALLOWED' } });
      const header = Buffer.from(JSON.stringify({ alg: 'RS256', kid })).toString('base64url');
      const payload = token.split('.')[1];
      const mac = createHmac('sha256', publicPem).update(`${header}.${payload}`).digest('base64url');
      expect(await inspect(`${header}.${payload}.${mac}`)).toMatchObject({ body: { valid: false, reason: 'BAD_SIGNATURE' } });
    });

    it('a tampered payload', async () => {
      const [header, , signature] = token.split('.');
      const forged = Buffer.from(JSON.stringify({ ...claims(), plan_id: 'enterprise' })).toString('base64url');
      expect(await inspect(`${header}.${forged}.${signature}`)).toMatchObject({ body: { valid: false, reason: 'BAD_SIGNATURE' } });
    });

    it('an unknown kid', async () => {
      const stranger = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
      const foreign = await new SignJWT(claims()).setProtectedHeader({ alg: 'RS256', kid: await keyIdOf(stranger) }).sign(stranger);
      expect(await inspect(foreign)).toMatchObject({ body: { valid: false, reason: 'UNKNOWN_KID' } });
    });
  });

  it('answers 401 without or with a wrong token and 403 for a viewer on a mutation', async () => {
    const body = { tenant_id: 'acme' };
    expect(await cp.http('POST', '/api/v1/licenses', { body })).toMatchObject({ status: 401, body: { error: { code: 'UNAUTHENTICATED' } } });
    expect(await cp.http('POST', '/api/v1/licenses', { body, token: 'la_wrongwrongwrong' })).toMatchObject({ status: 401 });
    expect(await cp.http('POST', '/api/v1/licenses', { body, headers: { authorization: 'Basic abc' } })).toMatchObject({ status: 401 });
    expect(await cp.http('POST', '/api/v1/licenses', { body, token: viewer })).toMatchObject({ status: 403, body: { error: { code: 'FORBIDDEN' } } });
    expect(await cp.http('POST', '/api/v1/tokens', { body: { name: 'x', role: 'admin' }, token: support })).toMatchObject({ status: 403 });
  });

  it('answers 401 once a token is revoked', async () => {
    const admin = await cp.token('admin');
    const created = await cp.http('POST', '/api/v1/tokens', { token: admin, body: { name: 'temp', role: 'viewer' } });
    expect(created.status).toBe(201);
    expect(await cp.http('GET', '/api/v1/plans', { token: created.body.token })).toMatchObject({ status: 200 });
    await cp.http('POST', `/api/v1/tokens/${created.body.id}/revoke`, { token: admin });
    expect(await cp.http('GET', '/api/v1/plans', { token: created.body.token })).toMatchObject({ status: 401 });
    const listed = await cp.http('GET', '/api/v1/tokens', { token: admin });
    expect(JSON.stringify(listed.body)).not.toContain(created.body.token);
  });

  it('answers 413 to a 2 MB body and 400 to malformed JSON', async () => {
    const huge = JSON.stringify({ token: 'x'.repeat(2 * 1024 * 1024) });
    const tooLarge = await cp.http('POST', '/api/v1/licenses/inspect', { token: viewer, rawBody: huge, headers: { 'content-type': 'application/json' } });
    expect(tooLarge).toMatchObject({ status: 413, body: { error: { code: 'PAYLOAD_TOO_LARGE' } } });
    const malformed = await cp.http('POST', '/api/v1/licenses', { token: support, rawBody: '{"tenant_id":', headers: { 'content-type': 'application/json' } });
    expect(malformed).toMatchObject({ status: 400, body: { error: { code: 'MALFORMED_JSON' } } });
  });

  it('answers an unknown route with the same error shape', async () => {
    expect(await cp.http('GET', '/api/v1/nothing-here', { token: viewer })).toMatchObject({ status: 404, body: { error: { code: 'ROUTE_NOT_FOUND' } } });
  });
});
