import { createPrivateKey } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignJWT } from 'jose';
import { billingEnv } from './support/billing-fixtures.js';
import { runCli } from './support/cli.js';
import { FakeStripe } from './support/fake-stripe.js';
import { claimsOf, phoneHome, tenantWithLicense } from './support/phone-home-fixtures.js';
import type { TestResponse } from './support/http-call.js';
import { startTestApp, type TestApp } from './support/test-app.js';

/** NUL characters and lone surrogates reach no database column: each is a 400 in the one error shape, never a 500. */
describe('NUL bytes and lone surrogates in every kind of input (end to end)', () => {
  let stripe: FakeStripe;
  let cp: TestApp;
  let support: string;
  let genuine: string;

  beforeAll(async () => {
    stripe = await FakeStripe.start();
    cp = await startTestApp('hostile-nul', { env: billingEnv(stripe) });
    support = await cp.token('support');
    genuine = await tenantWithLicense(cp, support, { id: 'acme' });
  });

  afterAll(async () => {
    await cp.destroy();
    await stripe.close();
  });

  const refused = (response: TestResponse, code = 'INVALID_CHARACTERS') => {
    expect({ status: response.status, code: response.body?.error?.code }).toEqual({ status: 400, code });
    expect(response.body.error).toEqual({ code, message: expect.any(String), details: expect.any(Array), request_id: expect.any(String) });
  };

  /** The genuine token re-signed with the CP's key under a hostile header kid. */
  const withKid = (kid: string) =>
    new SignJWT({ ...claimsOf(genuine) }).setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid }).sign(createPrivateKey(cp.config.CP_LICENSE_PRIVATE_KEY!));

  it('refuses a token whose header kid holds a NUL, on phone-home and inspect', async () => {
    const token = await withKid('a\u0000b');
    const home = await phoneHome(cp, token);
    expect(home).toMatchObject({ status: 401, body: { error: { code: 'LICENSE_INVALID', details: expect.anything() } } });
    const inspected = await cp.http('POST', '/api/v1/licenses/inspect', { token: support, body: { token } });
    expect(inspected).toMatchObject({ status: 200, body: { valid: false, reason: 'MALFORMED' } });
  });

  it('refuses NUL and lone surrogates in body fields, path ids and query filters', async () => {
    refused(await phoneHome(cp, genuine, { tp_version: '1.0\u0000' }));
    refused(await phoneHome(cp, genuine, { fingerprint: 'ab\u0000cd' }));
    refused(await phoneHome(cp, genuine, { tp_version: '1.0\ud800' }));
    refused(
      await cp.http('POST', '/api/v1/tenants', {
        token: support,
        body: { id: 'nul', name: 'N\u0000L', contact_email: 'a@b.example', deployment_mode: 'byoc' },
      }),
    );
    refused(await cp.http('PATCH', '/api/v1/tenants/acme', { token: support, body: { name: 'x\u0000' } }));
    refused(await cp.http('POST', '/api/v1/tenants', { token: support, body: { 'k\u0000': 1 } }));
    for (const path of ['/api/v1/tenants/acme%00', '/api/v1/plans/core%00', '/api/v1/tenants/acme%00/subscription', '/api/v1/tenants/acme%00/entitlements']) {
      refused(await cp.http('GET', path, { token: support }));
    }
    for (const query of [
      '/api/v1/licenses?tenant_id=%00',
      '/api/v1/audit-events?target_id=%00',
      '/api/v1/notifications?tenant_id=a%00',
      '/api/v1/clone-alerts?tenant_id=%00',
    ]) {
      refused(await cp.http('GET', query, { token: support }));
    }
    // An unmatched route with a NUL is refused the same way, and a broken percent-encoding is its own 400.
    refused(await cp.http('GET', '/api/v1/nothing%00', { token: support }));
    refused(await cp.http('GET', '/api/v1/tenants/%E0%A4%A', { token: support }), 'MALFORMED_PATH');
  });

  it('refuses absurdly deep nesting without a stack overflow', async () => {
    const deep = '['.repeat(5000) + ']'.repeat(5000);
    refused(
      await cp.http('POST', '/api/v1/tenants', { token: support, rawBody: `{"id":${deep}}`, headers: { 'content-type': 'application/json' } }),
      'INPUT_TOO_DEEP',
    );
  });

  it('refuses a signed Stripe event with a NUL in its customer', async () => {
    const object = stripe.invoice('sub_x', 'cus_a\u0000b');
    refused(await stripe.deliver(cp, stripe.event('invoice.paid', object, cp.clock.now())));
  });

  it('gives every error the same shape, details included', async () => {
    const shaped = (response: TestResponse, status: number, code: string) => {
      expect(response.status).toBe(status);
      expect(response.body.error).toMatchObject({ code, message: expect.any(String), request_id: expect.any(String) });
      expect(Object.keys(response.body.error).sort()).toEqual(['code', 'details', 'message', 'request_id']);
    };
    shaped(await cp.http('GET', '/api/v1/tenants'), 401, 'UNAUTHENTICATED');
    shaped(await cp.http('POST', '/api/v1/tokens', { token: support, body: { name: 'x', role: 'admin' } }), 403, 'FORBIDDEN');
    shaped(
      await cp.http('POST', '/api/v1/tenants', { token: support, rawBody: '{"id":', headers: { 'content-type': 'application/json' } }),
      400,
      'MALFORMED_JSON',
    );
    const huge = JSON.stringify({ name: 'x'.repeat(cp.config.BODY_LIMIT_BYTES + 10) });
    shaped(
      await cp.http('POST', '/api/v1/tenants', { token: support, rawBody: huge, headers: { 'content-type': 'application/json' } }),
      413,
      'PAYLOAD_TOO_LARGE',
    );
    shaped(await cp.http('GET', '/api/v1/no-such-route', { token: support }), 404, 'ROUTE_NOT_FOUND');
  });

  it('licensectl licenses inspect reports a NUL kid as an invalid token, not a database error', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'la-nul-'));
    writeFileSync(join(dir, 'token'), await withKid('a\u0000b'));
    const cli = await runCli(['licenses', 'inspect', '--token', join(dir, 'token')], {
      DATABASE_URL: cp.database.url,
      CP_LICENSE_PRIVATE_KEY: cp.config.CP_LICENSE_PRIVATE_KEY!,
      NODE_ENV: 'test',
    });
    // An invalid token is the command's failure (exit 1), reported as JSON, never a database error.
    expect(cli).toMatchObject({ code: 1 });
    expect(JSON.parse(cli.stdout)).toMatchObject({ valid: false, reason: 'MALFORMED' });
  });
});
