import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { DAY_MS } from '@atlasai/license-core';
import { runCli } from './support/cli.js';
import { startTestApp, type TestApp } from './support/test-app.js';

describe('license issuance for support (end to end)', () => {
  let cp: TestApp;
  let admin: string;

  beforeAll(async () => {
    cp = await startTestApp('licenses');
    // The test moves the clock past a year; a token with the default 90-day lifetime would expire on the way.
    const cli = await runCli(['tokens', 'create', '--role', 'admin', '--name', 'first-admin', '--expires', 'never', '--never-reason', 'test admin'], {
      DATABASE_URL: cp.database.url,
      CP_LICENSE_PRIVATE_KEY: cp.config.CP_LICENSE_PRIVATE_KEY!,
      NODE_ENV: 'test',
    });
    expect(cli).toMatchObject({ code: 0 });
    admin = JSON.parse(cli.stdout).token;
  });

  afterAll(() => cp.destroy());

  it('issues a BYOC license that plain jose verifies with the JWKS, then inspects, revokes and audits it', async () => {
    const tenant = await cp.http('POST', '/api/v1/tenants', {
      token: admin,
      body: { id: 'acme', name: 'Acme Corp', contact_email: 'ops@acme.example', deployment_mode: 'byoc' },
    });
    expect(tenant.status).toBe(201);
    const subscription = await cp.http('PUT', '/api/v1/tenants/acme/subscription', {
      token: admin,
      body: { plan_id: 'operations', addons: ['automation_pro'], billing_interval: 'annual' },
    });
    expect(subscription).toMatchObject({ status: 200, body: { status: 'active', access: 'full', plan_id: 'operations' } });

    const issued = await cp.http('POST', '/api/v1/licenses', { token: admin, body: { tenant_id: 'acme', deployment_mode: 'byoc' } });
    expect(issued.status).toBe(201);
    const { token, license } = issued.body;

    const jwks = await cp.http('GET', '/.well-known/jwks.json');
    const { payload, protectedHeader } = await jwtVerify(token, createLocalJWKSet(jwks.body), {
      issuer: 'https://cp.test.local',
      audience: 'atlasai-tenant-plane',
      algorithms: ['RS256'],
      currentDate: cp.clock.now(),
    });
    expect(protectedHeader).toMatchObject({ alg: 'RS256', typ: 'JWT', kid: jwks.body.keys[0].kid });
    expect(payload).toMatchObject({
      sub: 'acme',
      tenant_id: 'acme',
      jti: license.id,
      plan_id: 'operations',
      plan_name: 'Operations',
      limits: { users: 100, data_volume_gb: 500, ai_credits: 10000, retention_days: 365 },
      modules: ['itsm', 'compliance', 'automation'],
      addons: ['automation_pro'],
      deployment_mode: 'byoc',
      grace_period_days: 30,
      read_only_period_days: 30,
    });
    expect(payload.exp! - payload.iat!).toBe(365 * 86_400);
    expect(payload.renewed_from).toBeUndefined();
    expect(license).toMatchObject({ status: 'active', phase: { status: 'active', days_remaining: 365 } });
    expect(token).not.toContain(license.token_hint.replace('…', ''));

    const stored = await cp.http('GET', `/api/v1/licenses/${license.id}`, { token: admin });
    expect(stored.body).toMatchObject({ id: license.id, tenant_id: 'acme', status: 'active' });
    expect(JSON.stringify(stored.body)).not.toContain(token);

    cp.clock.advanceDays(370);
    const inspected = await cp.http('POST', '/api/v1/licenses/inspect', { token: admin, body: { token } });
    expect(inspected).toMatchObject({ status: 200, body: { valid: true, status: 'grace', days_remaining: 25, record: { status: 'active' } } });
    cp.clock.advance(-370 * DAY_MS);

    const revoked = await cp.http('POST', `/api/v1/licenses/${license.id}/revoke`, { token: admin, body: { reason: 'customer asked to cancel' } });
    expect(revoked).toMatchObject({ status: 200, body: { status: 'revoked', revoked_reason: 'customer asked to cancel' } });
    const again = await cp.http('POST', `/api/v1/licenses/${license.id}/revoke`, { token: admin, body: { reason: 'twice' } });
    expect(again).toMatchObject({ status: 409, body: { error: { code: 'LICENSE_ALREADY_REVOKED' } } });

    const listed = await cp.http('GET', '/api/v1/licenses?tenant_id=acme&status=revoked', { token: admin });
    expect(listed.body.items.map((item: { id: string }) => item.id)).toEqual([license.id]);

    const audit = await cp.http('GET', '/api/v1/audit-events?limit=50', { token: admin });
    const actions = audit.body.items.map((event: { action: string }) => event.action);
    expect(actions).toEqual(expect.arrayContaining(['api_token.created', 'tenant.created', 'subscription.created', 'license.issued', 'license.revoked']));
    const revokeEvent = audit.body.items.find((event: { action: string }) => event.action === 'license.revoked');
    expect(revokeEvent).toMatchObject({ actor: 'token:first-admin', target_type: 'license', target_id: license.id });
    expect(revokeEvent.request_id).toEqual(expect.any(String));
  });

  it('serves the active public key as PEM for CP_LICENSE_PUBLIC_KEY', async () => {
    const response = await cp.http('GET', '/api/v1/public-key');
    expect(response.status).toBe(200);
    expect(response.text).toMatch(/^-----BEGIN PUBLIC KEY-----/);
  });

  it('verifies a token fully offline with the CLI', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'la-verify-'));
    const issued = await cp.http('POST', '/api/v1/licenses', {
      token: admin,
      body: { tenant_id: 'acme', deployment_mode: 'on_prem', plan_id: 'core', validity_days: 30 },
    });
    writeFileSync(join(dir, 'license.jwt'), issued.body.token);
    writeFileSync(join(dir, 'public.pem'), (await cp.http('GET', '/api/v1/public-key')).text);
    const env = { LICENSE_ISSUER: 'https://cp.test.local', NODE_ENV: 'test' };
    const ok = await runCli(['licenses', 'verify', '--public-key', join(dir, 'public.pem'), '--token', join(dir, 'license.jwt')], env);
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ valid: true, claims: { deployment_mode: 'on_prem', plan_id: 'core' } });
    writeFileSync(join(dir, 'license.jwt'), `${issued.body.token.slice(0, -4)}AAAA`);
    const bad = await runCli(['licenses', 'verify', '--public-key', join(dir, 'public.pem'), '--token', join(dir, 'license.jwt')], env);
    expect(bad.code).toBe(1);
    expect(JSON.parse(bad.stdout)).toMatchObject({ valid: false, status: 'invalid', reason: 'BAD_SIGNATURE' });
  });

  it('keeps the CLI JSON on stdout and its warnings on stderr, even with a generated development key', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'la-cli-dev-'));
    try {
      const cli = await runCli(['tokens', 'create', '--role', 'viewer', '--name', 'scripted'], { DATABASE_URL: cp.database.url, DATA_DIR: dir });
      expect(cli.code).toBe(0);
      expect(JSON.parse(cli.stdout)).toMatchObject({ token: expect.stringMatching(/^la_/), role: 'viewer' });
      expect(cli.stderr).toContain('USING A GENERATED DEVELOPMENT SIGNING KEY');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
