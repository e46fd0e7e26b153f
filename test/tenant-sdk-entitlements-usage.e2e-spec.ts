import { createTenant } from './support/billing-fixtures.js';
import { fastNotifications } from './support/notification-env.js';
import { SmtpSink } from './support/smtp-sink.js';
import { memoryLogger } from './support/tenant-sdk-fixtures.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { loadTrustedKeys, PhoneHomeClient, TenantEntitlements, TenantLicense } from '@atlasai/tenant-sdk';

/** Usage reported by a SaaS plane, shown against the plan's limits, and the 80% / 100% emails once per month. */
describe('usage against limits (SaaS plane client and the real control plane)', () => {
  let smtp: SmtpSink;
  let cp: TestApp;
  let support: string;
  let client: TenantEntitlements;

  beforeAll(async () => {
    smtp = await SmtpSink.start();
    cp = await startTestApp('sdk_usage', { env: fastNotifications(smtp.url) });
    support = await cp.token('support');
    await createTenant(cp, support, 'globex', 'saas');
    await createTenant(cp, support, 'umbrella', 'saas');
    // Core: 25 users, 100 GB, 1,000 AI credits.
    expect(
      (await cp.http('PUT', '/api/v1/tenants/globex/subscription', { token: support, body: { plan_id: 'core', billing_interval: 'monthly' } })).status,
    ).toBe(200);
    client = new TenantEntitlements({
      cpUrl: cp.baseUrl,
      serviceToken: await cp.token('service', 'globex'),
      tenantId: 'globex',
      stream: false,
      logger: memoryLogger(),
    });
  });

  afterAll(async () => {
    await cp.destroy();
    await smtp.close();
  });

  /** The limit emails received so far, as "stage-ish subject" lines, after the relay had time to send what was recorded. */
  async function limitMails(expected: number): Promise<string[]> {
    const deadline = Date.now() + 15_000;
    const subjects = () => smtp.messages.map((mail) => mail.subject).filter((subject) => /limit/.test(subject));
    while (subjects().length < expected && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    // Give a wrongly recorded extra email the chance to show up too.
    await new Promise((resolve) => setTimeout(resolve, 500));
    return subjects().sort();
  }

  it('stores reports, shows them against the limits, and emails at 80% and 100% once per limit and month', async () => {
    expect(await client.reportUsage({ users: 19, data_volume_gb: 12.5 })).toEqual({ accepted: true });
    expect(await limitMails(0)).toEqual([]);

    for (const users of [20, 21, 20]) expect(await client.reportUsage({ users })).toEqual({ accepted: true });
    expect(await limitMails(1)).toEqual(['GLOBEX: you are close to your users limit on the Core plan']);

    expect(await client.reportUsage({ users: 25, ai_credits_used: 1000 })).toEqual({ accepted: true });
    expect(await client.reportUsage({ users: 26, ai_credits_used: 1200 })).toEqual({ accepted: true });
    expect(await limitMails(3)).toEqual([
      'GLOBEX: you are close to your users limit on the Core plan',
      'GLOBEX: you have reached your AI credits limit on the Core plan',
      'GLOBEX: you have reached your users limit on the Core plan',
    ]);
    const mail = smtp.messages.find((message) => message.subject.includes('reached your users'))!;
    expect(mail.envelope.to).toEqual(['billing@globex.example']);
    expect(mail.text).toContain('25 users of the 25 your plan includes (100%)');
    expect(mail.text).toContain('https://portal.atlastechlab.test/billing');

    const usage = await cp.http('GET', '/api/v1/tenants/globex/usage', { token: support });
    expect(usage.body).toMatchObject({
      tenant_id: 'globex',
      plan_name: 'Core',
      source: 'saas',
      limits: {
        users: { current: 26, limit: 25, percent: 104 },
        data_volume_gb: { current: 12.5, limit: 100, percent: 12.5 },
        ai_credits: { current: 1200, limit: 1000, percent: 120 },
      },
    });

    // A new month: the same level is worth a new email.
    cp.clock.advanceDays(31);
    expect(await client.reportUsage({ users: 21 })).toEqual({ accepted: true });
    expect(await limitMails(4)).toHaveLength(4);
  });

  it("stores the figures a BYOC plane sends with its phone-home (the SDK's usage callback), with the same emails", async () => {
    await createTenant(cp, support, 'initech', 'byoc');
    expect(
      (await cp.http('PUT', '/api/v1/tenants/initech/subscription', { token: support, body: { plan_id: 'operations', billing_interval: 'annual' } })).status,
    ).toBe(200);
    const issued = await cp.http('POST', '/api/v1/licenses', { token: support, body: { tenant_id: 'initech', deployment_mode: 'byoc' } });
    const logger = memoryLogger();
    const license = await TenantLicense.load({
      keys: await loadTrustedKeys((await cp.http('GET', '/api/v1/public-key')).text),
      issuer: cp.config.LICENSE_ISSUER,
      audience: cp.config.LICENSE_AUDIENCE,
      tpVersion: '2.0.0',
      token: issued.body.token,
      clock: cp.clock,
      logger,
    });
    const phoneHome = new PhoneHomeClient({
      license,
      cpUrl: cp.baseUrl,
      tpVersion: '2.0.0',
      usage: () => ({ users: 90, data_volume_gb: 40 }),
      clock: cp.clock,
      logger,
    });
    expect(await phoneHome.phoneHome()).toMatchObject({ outcome: 'renewed' });
    expect((await cp.http('GET', '/api/v1/tenants/initech/usage', { token: support })).body).toMatchObject({
      source: 'phone_home',
      limits: { users: { current: 90, limit: 100, percent: 90 }, data_volume_gb: { current: 40, limit: 500, percent: 8 } },
    });
    const subjects = await limitMails(5);
    expect(subjects).toContain('INITECH: you are close to your users limit on the Operations plan');
  });

  it('refuses an empty or negative report, and another tenant', async () => {
    const token = await cp.token('service', 'globex');
    const empty = await cp.http('POST', '/api/v1/tenants/globex/usage', { token, body: {} });
    expect([empty.status, empty.body.error.code]).toEqual([400, 'VALIDATION_FAILED']);
    const negative = await cp.http('POST', '/api/v1/tenants/globex/usage', { token, body: { users: -1 } });
    expect([negative.status, negative.body.error.code]).toEqual([400, 'VALIDATION_FAILED']);
    expect(negative.body.error.details).toEqual([expect.objectContaining({ field: 'users' })]);
    const other = await cp.http('POST', '/api/v1/tenants/umbrella/usage', { token, body: { users: 1 } });
    expect([other.status, other.body.error.code]).toEqual([403, 'FORBIDDEN']);
    expect(
      await new TenantEntitlements({ cpUrl: cp.baseUrl, serviceToken: token, tenantId: 'umbrella', stream: false, logger: memoryLogger() }).reportUsage({
        users: 1,
      }),
    ).toEqual({
      accepted: false,
      reason: 'HTTP 403 FORBIDDEN',
    });
  });
});
