import { NotificationSchedules } from '../apps/control-plane/src/notifications/notification-schedules.cron.js';
import { fastNotifications } from './support/notification-env.js';
import { claimsOf, phoneHome, tenantWithLicense } from './support/phone-home-fixtures.js';
import { SmtpSink } from './support/smtp-sink.js';
import { startTestApp, type TestApp } from './support/test-app.js';

const HOUR = 3_600_000;

/** The BYOC side of the notification stages: silence alerts to support, expiry reminders for silent tenant planes. */
describe('phone-home notifications (end to end)', () => {
  let smtp: SmtpSink;
  let cp: TestApp;
  let support: string;
  let viewer: string;

  beforeAll(async () => {
    smtp = await SmtpSink.start();
    cp = await startTestApp('phone_home_notifications', { env: fastNotifications(smtp.url) });
    support = await cp.token('support');
    viewer = await cp.token('viewer');
  });

  afterAll(async () => {
    await cp.destroy();
    await smtp.close();
  });

  const notifications = async (query: string) =>
    (await cp.http('GET', `/api/v1/notifications?${query}`, { token: viewer })).body.items as { recipient: string; facts: Record<string, unknown> }[];
  const sweep = () => cp.app.get(NotificationSchedules).sweep();

  it('tells support once when a BYOC tenant plane stops phoning home, and again after its next silence', async () => {
    const token = await tenantWithLicense(cp, support, { id: 'quiet-co' });
    const renewed = (await phoneHome(cp, token)).body.license;
    cp.clock.advance(71 * HOUR);
    await sweep();
    expect(await notifications('tenant_id=quiet-co&stage=phone_home_silent')).toEqual([]);

    cp.clock.advance(2 * HOUR);
    await sweep();
    await sweep();
    const [alert] = await notifications('tenant_id=quiet-co&stage=phone_home_silent');
    expect(alert).toMatchObject({ recipient: 'support@atlastechlab.test', facts: { silent_hours: 73, license_id: claimsOf(renewed).jti } });
    expect(await notifications('tenant_id=quiet-co&stage=phone_home_silent')).toHaveLength(1);
    const [mail] = await smtp.waitFor(1, (received) => received.subject.startsWith('[support] BYOC tenant quiet-co'));
    expect(mail.subject).toBe('[support] BYOC tenant quiet-co has not phoned home for 73 hours');
    expect(mail.text).toContain('Email the customer: mailto:ops@quiet-co.example');

    const back = (await phoneHome(cp, renewed)).body.license;
    expect(back).toBeDefined();
    cp.clock.advance(80 * HOUR);
    await sweep();
    expect(await notifications('tenant_id=quiet-co&stage=phone_home_silent')).toHaveLength(2);
  });

  it('reminds a silent BYOC tenant before its license expires, but not one that phones home', async () => {
    await tenantWithLicense(cp, support, { id: 'lapsing-co' });
    const issued = await cp.http('POST', '/api/v1/licenses', { token: support, body: { tenant_id: 'lapsing-co', validity_days: 20 } });
    expect(issued.status).toBe(201);
    const chatty = await cp.http('POST', '/api/v1/licenses', {
      token: support,
      body: { tenant_id: (await tenantWithLicense(cp, support, { id: 'chatty-co' }), 'chatty-co'), validity_days: 20 },
    });
    cp.clock.advance(73 * HOUR);
    await phoneHome(cp, chatty.body.token);
    await sweep();
    const reminders = await notifications('tenant_id=lapsing-co&stage=license_expiring');
    expect(reminders).toEqual([expect.objectContaining({ recipient: 'ops@lapsing-co.example', facts: expect.objectContaining({ deployment_mode: 'byoc' }) })]);
    const [mail] = await smtp.waitFor(1, (received) => received.subject.startsWith('Tenant lapsing-co: your AtlasAI license expires'));
    expect(mail.text).toContain('This BYOC license renews itself only when the tenant plane phones home');
    expect(await notifications('tenant_id=chatty-co&stage=license_expiring')).toEqual([]);
  });
});
