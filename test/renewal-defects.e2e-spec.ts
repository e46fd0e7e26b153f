import { createPrivateKey } from 'node:crypto';
import { SignJWT } from 'jose';
import { keyIdOf, signLicenseToken } from '@atlasai/license-core';
import { fastNotifications } from './support/notification-env.js';
import { claimsOf, phoneHome, tenantWithLicense } from './support/phone-home-fixtures.js';
import { eventually, SmtpSink } from './support/smtp-sink.js';
import { startTestApp, type TestApp } from './support/test-app.js';

const DAY_S = 86_400;

/** Defects found while probing renewal (issue 11), each pinned by a test that failed before the fix. */
describe('renewal defects (end to end)', () => {
  let smtp: SmtpSink;
  let cp: TestApp;
  let support: string;
  let viewer: string;

  beforeAll(async () => {
    smtp = await SmtpSink.start();
    cp = await startTestApp('renewal_defects', { env: fastNotifications(smtp.url) });
    support = await cp.token('support');
    viewer = await cp.token('viewer');
  });

  afterAll(async () => {
    await cp.destroy();
    await smtp.close();
  });

  it('PATCH of a subscription changes only the fields sent: add-ons survive a billing_interval or status change', async () => {
    await tenantWithLicense(cp, support, { id: 'patch-co' });
    await cp.http('PATCH', '/api/v1/tenants/patch-co/subscription', { token: support, body: { addons: ['automation_pro'] } });
    const interval = await cp.http('PATCH', '/api/v1/tenants/patch-co/subscription', { token: support, body: { billing_interval: 'monthly' } });
    expect(interval).toMatchObject({ status: 200, body: { billing_interval: 'monthly', addons: ['automation_pro'] } });
    const status = await cp.http('PATCH', '/api/v1/tenants/patch-co/subscription', { token: support, body: { status: 'trialing' } });
    expect(status).toMatchObject({ status: 200, body: { status: 'trialing', addons: ['automation_pro'], billing_interval: 'monthly' } });
  });

  it('refuses to resend the license email of a revoked or superseded license', async () => {
    const token = await tenantWithLicense(cp, support, { id: 'resend-co', mode: 'on_prem' });
    const emailOf = async (licenseId: string) =>
      eventually(async () => {
        const rows = (await cp.http('GET', '/api/v1/notifications?tenant_id=resend-co&stage=license_issued', { token: viewer })).body.items;
        return rows.find((row: { facts: { license_id: string }; status: string }) => row.facts.license_id === licenseId && row.status === 'sent');
      });
    const replacement = await cp.http('POST', '/api/v1/licenses', { token: support, body: { tenant_id: 'resend-co', replaces: claimsOf(token).jti } });
    const superseded = await emailOf(claimsOf(token).jti);
    const refused = await cp.http('POST', `/api/v1/notifications/${superseded.id}/resend`, { token: support });
    expect(refused).toMatchObject({ status: 409, body: { error: { code: 'LICENSE_NOT_CURRENT', details: { license_status: 'superseded' } } } });

    const current = await emailOf(replacement.body.license.id);
    expect((await cp.http('POST', `/api/v1/notifications/${current.id}/resend`, { token: support })).status).toBe(202);
    await emailOf(replacement.body.license.id);
    await cp.http('POST', `/api/v1/licenses/${replacement.body.license.id}/revoke`, { token: support, body: { reason: 'contract ended' } });
    const revoked = await cp.http('POST', `/api/v1/notifications/${current.id}/resend`, { token: support });
    expect(revoked).toMatchObject({ status: 409, body: { error: { code: 'LICENSE_NOT_CURRENT', details: { license_status: 'revoked' } } } });
    expect(revoked.body.error.message).toContain('revoked');
  });

  it('judges a token as tenant planes do: an iat beyond the skew is ISSUED_IN_FUTURE, a token without kid is UNKNOWN_KID', async () => {
    const genuine = await tenantWithLicense(cp, support, { id: 'future-co' });
    const key = createPrivateKey(cp.config.CP_LICENSE_PRIVATE_KEY!);
    const claims = claimsOf(genuine);
    const future = await signLicenseToken({ ...claims, iat: claims.iat + 30 * DAY_S }, key, await keyIdOf(key));
    const inspected = await cp.http('POST', '/api/v1/licenses/inspect', { token: viewer, body: { token: future } });
    expect(inspected.body).toMatchObject({ valid: false, reason: 'ISSUED_IN_FUTURE' });
    expect(await phoneHome(cp, future)).toMatchObject({ status: 401, body: { error: { code: 'LICENSE_INVALID', details: { reason: 'ISSUED_IN_FUTURE' } } } });
    const noKid = await new SignJWT({ ...claims }).setProtectedHeader({ alg: 'RS256', typ: 'JWT' }).sign(key);
    expect((await cp.http('POST', '/api/v1/licenses/inspect', { token: viewer, body: { token: noKid } })).body).toMatchObject({ reason: 'UNKNOWN_KID' });
  });

  it('keeps a replica whose clock runs ahead of the database from signing, and out of readiness', async () => {
    const ahead = { now: () => new Date(Date.now() + 3_600_000) };
    const replica = await startTestApp('renewal_defects', { database: cp.database, clock: cp.clock, machineClock: ahead, env: fastNotifications(smtp.url) });
    try {
      const ready = await replica.http('GET', '/api/health/ready');
      expect(ready).toMatchObject({ status: 503, body: { error: { code: 'NOT_READY', details: { error: { clock: { status: 'down' } } } } } });
      expect(ready.body.error.details.error.clock.offset_ms).toBeGreaterThan(3_500_000);
      const token = await tenantWithLicense(cp, support, { id: 'skew-co' });
      const issued = await replica.http('POST', '/api/v1/licenses', { token: support, body: { tenant_id: 'skew-co' } });
      expect(issued).toMatchObject({ status: 503, body: { error: { code: 'CLOCK_SKEW' } } });
      expect(issued.body.error.message).toContain('ahead of the database');
      expect(await phoneHome(replica, token, { fingerprint: 'skew-node' })).toMatchObject({ status: 503, body: { error: { code: 'CLOCK_SKEW' } } });
      // The replica in time keeps serving.
      expect((await cp.http('GET', '/api/health/ready')).body).toMatchObject({ info: { clock: { status: 'up' } } });
      expect((await phoneHome(cp, token, { fingerprint: 'skew-node' })).status).toBe(200);
    } finally {
      await replica.close();
    }
  });
});
