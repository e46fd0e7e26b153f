import { decodeJwt } from 'jose';
import { NotificationSchedules } from '../apps/control-plane/src/notifications/notification-schedules.cron.js';
import { dropRedisPrefix, fastNotifications, redisPrefix, TEST_REDIS_URL } from './support/notification-env.js';
import { eventually, SmtpSink } from './support/smtp-sink.js';
import { startTestApp, type TestApp } from './support/test-app.js';

describe('notifications over BullMQ and SMTP (end to end)', () => {
  const prefix = redisPrefix('notif');
  let smtp: SmtpSink;
  let cp: TestApp;
  let support: string;
  let viewer: string;

  beforeAll(async () => {
    smtp = await SmtpSink.start();
    cp = await startTestApp('notifications', { env: fastNotifications(smtp.url, { REDIS_URL: TEST_REDIS_URL, REDIS_KEY_PREFIX: prefix }) });
    support = await cp.token('support');
    viewer = await cp.token('viewer');
    const tenant = await cp.http('POST', '/api/v1/tenants', {
      token: support,
      body: { id: 'initech', name: 'Initech', contact_email: 'it@initech.example', deployment_mode: 'on_prem' },
    });
    expect(tenant.status).toBe(201);
  });

  afterAll(async () => {
    await cp.destroy();
    await smtp.close();
    await dropRedisPrefix(prefix);
  });

  async function notificationsOf(query: string) {
    const response = await cp.http('GET', `/api/v1/notifications?${query}`, { token: viewer });
    expect(response.status).toBe(200);
    return response.body.items as { id: string; status: string; stage: string; attachments: string[]; attempts: number; resends: number }[];
  }

  it('emails a new license with the token and the public key attached, then drops the token from the row', async () => {
    const issued = await cp.http('POST', '/api/v1/licenses', { token: support, body: { tenant_id: 'initech', deployment_mode: 'on_prem', plan_id: 'core' } });
    expect(issued.status).toBe(201);
    const [mail] = await smtp.waitFor(1);
    expect(mail.envelope).toEqual({ from: 'licensing@atlastechlab.test', to: ['it@initech.example'] });
    expect(mail.parsed.from?.value).toEqual([{ name: 'AtlasAI Licensing', address: 'licensing@atlastechlab.test' }]);
    expect(mail.subject).toBe('Your AtlasAI license for Initech (valid until 24 November 2027)');
    expect(mail.text).toContain('Hello Initech,');
    expect(mail.text).toContain(`License id: ${issued.body.license.id}`);
    expect(mail.text).toContain('Plan: Core');
    expect(mail.text).toContain('Deployment: on-prem (air-gapped)');
    expect(mail.text).toContain('Issued on: 24 November 2026');
    expect(mail.text).toContain('Expires on: 24 November 2027 (365 days from now)');
    expect(mail.text).toContain('reminders 30 and 7 days before');
    expect(mail.html).toContain('<th align="left" style="padding:2px 12px 2px 0">Expires on</th><td>24 November 2027 (365 days from now)</td>');
    const publicKey = (await cp.http('GET', '/api/v1/public-key')).text;
    expect(mail.attachments).toEqual([
      { filename: 'license.jwt', contentType: 'application/jwt', content: issued.body.token },
      { filename: 'license-public-key.pem', contentType: 'application/x-pem-file', content: publicKey },
      { filename: 'license-key-chain.json', contentType: 'application/json', content: expect.stringContaining('"endorsed_by": null') },
    ]);

    const [row] = await eventually(async () => {
      const rows = await notificationsOf('tenant_id=initech&stage=license_issued');
      return rows[0]?.status === 'sent' ? rows : undefined;
    });
    expect(row).toMatchObject({ status: 'sent', attempts: 1, attachments: ['license-public-key.pem', 'license-key-chain.json'] });
    const stored = await rawAttachments(cp, row.id);
    expect(stored).not.toContain(issued.body.token);
    expect(stored).toContain('BEGIN PUBLIC KEY');
  });

  it('lets viewers filter the outbox and support resend a sent license email, with the token re-signed', async () => {
    expect(await notificationsOf('status=failed')).toEqual([]);
    expect(await notificationsOf('stage=suspended')).toEqual([]);
    const bad = await cp.http('GET', '/api/v1/notifications?status=lost', { token: viewer });
    expect(bad).toMatchObject({ status: 400, body: { error: { code: 'VALIDATION_FAILED', details: [{ field: 'status' }] } } });
    const [sent] = await notificationsOf('tenant_id=initech&stage=license_issued&status=sent');

    expect((await cp.http('POST', `/api/v1/notifications/${sent.id}/resend`, { token: viewer })).status).toBe(403);
    const before = smtp.messages.length;
    const resent = await cp.http('POST', `/api/v1/notifications/${sent.id}/resend`, { token: support });
    expect(resent).toMatchObject({ status: 202, body: { id: sent.id, status: 'pending', attempts: 0, resends: 1 } });

    const mails = await smtp.waitFor(before + 1);
    const latest = mails[mails.length - 1];
    expect(latest.subject).toBe(smtp.messages[0].subject);
    expect(latest.attachments.map((attachment) => attachment.filename)).toEqual(['license.jwt', 'license-public-key.pem', 'license-key-chain.json']);
    // The same license, re-signed from its stored claims (jsonb may order the claims differently).
    expect(decodeJwt(latest.attachments[0].content)).toEqual(decodeJwt(smtp.messages[0].attachments[0].content));
    expect(latest.parsed.messageId).not.toBe(smtp.messages[0].parsed.messageId);

    const audit = await cp.http('GET', `/api/v1/audit-events?target_type=notification&target_id=${sent.id}`, { token: viewer });
    expect(audit.body.items[0]).toMatchObject({ action: 'notification.resent', details: { previous_status: 'sent', stage: 'license_issued' } });
    expect((await cp.http('POST', '/api/v1/notifications/00000000-0000-4000-8000-000000000000/resend', { token: support })).status).toBe(404);
  });

  it('reminds an on-prem tenant 30 and 7 days before its license expires, once each', async () => {
    const issued = await cp.http('POST', '/api/v1/licenses', {
      token: support,
      body: { tenant_id: 'initech', deployment_mode: 'on_prem', plan_id: 'core', validity_days: 40 },
    });
    expect(issued.status).toBe(201);
    const schedules = cp.app.get(NotificationSchedules);
    const start = smtp.messages.length;
    await smtp.waitFor(start + 1);
    expect(smtp.messages[start].subject).toContain('valid until 3 January 2027');

    await schedules.sweep();
    expect(await notificationsOf('stage=license_expiring')).toEqual([]);

    cp.clock.advanceDays(11);
    expect(await schedules.sweep()).toBe(true);
    await schedules.sweep();
    const [reminder] = (await smtp.waitFor(start + 2)).slice(start + 1);
    expect(reminder.envelope.to).toEqual(['it@initech.example']);
    expect(reminder.subject).toBe('Initech: your AtlasAI license expires in 29 days (3 January 2027)');
    expect(reminder.text).toContain('On-prem licenses do not renew themselves');
    expect(reminder.text).toContain(`License id: ${issued.body.license.id}`);
    expect(reminder.text).toContain('Expires on: 3 January 2027 (29 days from now)');
    expect(reminder.text).toContain(`Request a renewal: https://portal.atlastechlab.test/billing?request=renewal&license_id=${issued.body.license.id}`);

    cp.clock.advanceDays(23);
    await schedules.sweep();
    await schedules.sweep();
    const [lastWeek] = (await smtp.waitFor(start + 3)).slice(start + 2);
    expect(lastWeek.subject).toBe('Initech: your AtlasAI license expires in 6 days (3 January 2027)');
    const rows = await notificationsOf('stage=license_expiring');
    expect(rows).toHaveLength(2);
    // The year-long license issued first is nowhere near expiry: no reminder for it.
    expect(rows.every((row) => row.status === 'sent')).toBe(true);
    cp.clock.advanceDays(-34);
  });
});

async function rawAttachments(cp: TestApp, id: string): Promise<string> {
  const { DataSource } = await import('typeorm');
  const rows = (await cp.app.get(DataSource).query('SELECT attachments::text AS a FROM notifications WHERE id = $1', [id])) as { a: string }[];
  return rows[0].a;
}
