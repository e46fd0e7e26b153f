import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { LOGIN_LINK_REQUEST_ACCEPTED } from '../apps/control-plane/src/billing/login-links.service.js';
import { createTenant } from './support/billing-fixtures.js';
import { FakeStripe } from './support/fake-stripe.js';
import { dropRedisPrefix, fastNotifications, redisPrefix, TEST_REDIS_URL } from './support/notification-env.js';
import { eventually, SmtpSink, type ReceivedMail } from './support/smtp-sink.js';
import { startTestApp, type TestApp } from './support/test-app.js';

const LINK = /https:\/\/portal\.atlastechlab\.test\/billing#login_token=(lal_[A-Za-z0-9_-]{43})/;

/** Login links emailed to the tenant's contact address, by staff or on the customer's request, through the outbox. */
describe('emailed one-time login links (end to end)', () => {
  const prefix = redisPrefix('login-mail');
  const logLines: string[] = [];
  let smtp: SmtpSink;
  let stripe: FakeStripe;
  let cp: TestApp;
  let support: string;
  let viewer: string;
  /** Every login link token the tests received by email, to prove none of them is kept anywhere. */
  const tokensSeen: string[] = [];

  beforeAll(async () => {
    smtp = await SmtpSink.start();
    stripe = await FakeStripe.start();
    cp = await startTestApp('login_link_email', {
      env: {
        ...stripe.env(),
        ...fastNotifications(smtp.url, { REDIS_URL: TEST_REDIS_URL, REDIS_KEY_PREFIX: prefix }),
        DATA_DIR: mkdtempSync(join(tmpdir(), 'la-login-mail-')),
        BILLING_SWEEP_INTERVAL_MS: '86400000',
        NOTIFICATION_SWEEP_INTERVAL_MS: '86400000',
        LOGIN_LINK_TTL_MINUTES: '20',
        LOGIN_LINK_REQUESTS_PER_HOUR: '3',
        LOG_LEVEL: 'trace',
      },
      logs: { write: (line: string) => logLines.push(line) },
    });
    support = await cp.token('support');
    viewer = await cp.token('viewer');
    await createTenant(cp, support, 'umbrella', 'saas');
    await createTenant(cp, support, 'wayne', 'dedicated');
  });

  afterAll(async () => {
    await cp.destroy();
    await stripe.close();
    await smtp.close();
    await dropRedisPrefix(prefix);
  });

  const to = (address: string) => (mail: ReceivedMail) => mail.envelope.to.includes(address);
  const requestLink = (body: Record<string, unknown>) => cp.http('POST', '/api/v1/billing/login-links/request', { body });
  const redeem = (token: string) => cp.http('POST', '/api/v1/billing/login-links/redeem', { body: { token } });
  const loginLinkRows = async () =>
    (await cp.app
      .get(DataSource)
      .query(`SELECT id, status, attachments::text AS attachments, facts FROM notifications WHERE stage = 'login_link' ORDER BY created_at`)) as {
      id: string;
      status: string;
      attachments: string | null;
      facts: Record<string, unknown>;
    }[];

  /** No emailed token (not even its random part) in any notification, login link or audit row, or in any log line. */
  async function expectNoTokenKept(extra: string[] = []): Promise<void> {
    const database = cp.app.get(DataSource);
    const dumps = [
      ...extra,
      JSON.stringify(await database.query('SELECT * FROM notifications')),
      JSON.stringify(await database.query('SELECT * FROM login_links')),
      JSON.stringify(await database.query('SELECT * FROM audit_events')),
      logLines.join('\n'),
    ];
    expect(tokensSeen.length).toBeGreaterThan(0);
    expect(logLines.length).toBeGreaterThan(0);
    for (const token of tokensSeen) for (const dump of dumps) expect(dump).not.toContain(token.slice(4));
  }

  function linkIn(mail: ReceivedMail): string {
    const token = LINK.exec(mail.text)?.[1];
    if (!token) throw new Error(`no login link in: ${mail.text}`);
    expect(mail.html).toContain(`href="https://portal.atlastechlab.test/billing#login_token=${token}"`);
    tokensSeen.push(token);
    return token;
  }

  it('emails a staff-sent link to the contact address and answers without it; the link redeems once, then is refused', async () => {
    const sent = await cp.http('POST', '/api/v1/tenants/umbrella/login-links', { token: support, body: { send_email: true } });
    expect(sent.status).toBe(201);
    expect(sent.body).toEqual({
      login_link_id: expect.any(String),
      expires_at: new Date(cp.clock.now().getTime() + 20 * 60_000).toISOString(),
      emailed_to: 'billing@umbrella.example',
      notification_id: expect.any(String),
    });
    expect(sent.text).not.toContain('login_token');

    const [mail] = await smtp.waitFor(1, to('billing@umbrella.example'));
    expect(smtp.messages).toHaveLength(1);
    expect(mail.envelope.to).toEqual(['billing@umbrella.example']);
    expect(mail.subject).toBe('Your AtlasAI billing login link for UMBRELLA');
    expect(mail.text).toContain('AtlasAI support sent you a login link to the billing of UMBRELLA.');
    expect(mail.text).toContain('in 20 minutes');
    expect(mail.attachments).toEqual([]);
    const token = linkIn(mail);

    const session = await redeem(token);
    expect(session.status).toBe(200);
    expect(session.body.tenant_id).toBe('umbrella');
    const portal = await cp.http('POST', '/api/v1/billing/portal-sessions', { token: session.body.session_token, body: { tenant_id: 'umbrella' } });
    expect(portal.status).toBe(201);
    const again = await redeem(token);
    expect([again.status, again.body.error.code]).toEqual([401, 'LOGIN_LINK_INVALID']);
  });

  it('keeps the link out of the outbox row once sent, out of the notifications API and the logs, and refuses to resend it', async () => {
    const [row] = await eventually(async () => {
      const rows = await loginLinkRows();
      return rows.length === 1 && rows[0].status === 'sent' ? rows : undefined;
    });
    expect(row.attachments).toBeNull();
    expect(row.facts).toEqual({ login_link_id: expect.any(String), expires_at: expect.any(String), requested_by: 'support' });

    const listed = await cp.http('GET', '/api/v1/notifications?stage=login_link', { token: viewer });
    expect(listed.status).toBe(200);
    expect(listed.body.items).toEqual([expect.objectContaining({ id: row.id, recipient: 'billing@umbrella.example', status: 'sent', attachments: [] })]);
    const one = await cp.http('GET', `/api/v1/notifications/${row.id}`, { token: viewer });
    expect(one.status).toBe(200);

    const resend = await cp.http('POST', `/api/v1/notifications/${row.id}/resend`, { token: support });
    expect([resend.status, resend.body.error.code]).toEqual([409, 'NOTIFICATION_NOT_RESENDABLE']);
    expect(resend.body.error.message).toContain('POST /api/v1/tenants/umbrella/login-links');

    await expectNoTokenKept([listed.text, one.text]);
  });

  it('emails a link on a public request with the contact address (any case), and answers the same 202 for a wrong address or tenant', async () => {
    const before = smtp.messages.length;
    const right = await requestLink({ tenant_id: 'wayne', email: 'Billing@Wayne.example' });
    expect([right.status, right.body]).toEqual([202, LOGIN_LINK_REQUEST_ACCEPTED]);
    const [mail] = await smtp.waitFor(1, to('billing@wayne.example'));
    expect(mail.text).toContain('Someone asked for a login link to the billing of WAYNE with this address.');
    const session = await redeem(linkIn(mail));
    expect([session.status, session.body.tenant_id]).toEqual([200, 'wayne']);

    const wrongAddress = await requestLink({ tenant_id: 'wayne', email: 'billing@umbrella.example' });
    const unknownTenant = await requestLink({ tenant_id: 'nobody', email: 'billing@wayne.example' });
    for (const response of [wrongAddress, unknownTenant]) {
      expect([response.status, response.text]).toEqual([202, right.text]);
    }
    // The relay ticks every 100 ms: anything recorded would be out by now.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(smtp.messages.length).toBe(before + 1);
    expect((await loginLinkRows()).map((row) => row.facts.requested_by)).toEqual(['support', 'customer']);

    const invalid = await requestLink({ tenant_id: 'wayne', email: 'not an address' });
    expect([invalid.status, invalid.body.error.code, invalid.body.error.details[0].field]).toEqual([400, 'VALIDATION_FAILED', 'email']);
  });

  it('sends a separate email with its own link for each request', async () => {
    const first = await cp.http('POST', '/api/v1/tenants/umbrella/login-links', { token: support, body: { send_email: true } });
    const second = await cp.http('POST', '/api/v1/tenants/umbrella/login-links', { token: support, body: { send_email: true } });
    expect([first.status, second.status]).toEqual([201, 201]);
    expect(second.body.notification_id).not.toBe(first.body.notification_id);
    const mails = await smtp.waitFor(3, to('billing@umbrella.example'));
    const [a, b] = mails.slice(1).map(linkIn);
    expect(a).not.toBe(b);
    expect((await redeem(a)).status).toBe(200);
    expect((await redeem(b)).status).toBe(200);
  });

  it('rate-limits public requests per address, matching or not, with 429 and Retry-After', async () => {
    for (let call = 0; call < 3; call += 1) expect((await requestLink({ tenant_id: 'wayne', email: 'mallory@evil.example' })).status).toBe(202);
    const limited = await requestLink({ tenant_id: 'umbrella', email: 'Mallory@Evil.example' });
    expect([limited.status, limited.body.error.code]).toEqual([429, 'RATE_LIMITED']);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(3_000);
    // Another address has its own allowance (wayne's contact has used one of its three).
    expect((await requestLink({ tenant_id: 'wayne', email: 'billing@wayne.example' })).status).toBe(202);
    await smtp.waitFor(2, to('billing@wayne.example'));
  });

  it('refuses a staff request for an unknown tenant or with a malformed body, and still returns the URL when not emailing', async () => {
    const unknown = await cp.http('POST', '/api/v1/tenants/nobody/login-links', { token: support, body: { send_email: true } });
    expect([unknown.status, unknown.body.error.code]).toEqual([404, 'TENANT_NOT_FOUND']);
    const malformed = await cp.http('POST', '/api/v1/tenants/umbrella/login-links', { token: support, body: { send_email: 'yes' } });
    expect([malformed.status, malformed.body.error.details[0].field]).toEqual([400, 'send_email']);
    const handed = await cp.http('POST', '/api/v1/tenants/umbrella/login-links', { token: support, body: { send_email: false } });
    expect([handed.status, handed.body.url]).toEqual([201, expect.stringMatching(LINK)]);
    const asViewer = await cp.http('POST', '/api/v1/tenants/umbrella/login-links', { token: viewer, body: { send_email: true } });
    expect(asViewer.status).toBe(403);
  });

  it('drops the link from a row that failed for good, and still refuses to resend it', async () => {
    smtp.refuseNext(3);
    const sent = await cp.http('POST', '/api/v1/tenants/wayne/login-links', { token: support, body: { send_email: true } });
    expect(sent.status).toBe(201);
    const failed = await eventually(async () => {
      const rows = await loginLinkRows();
      const row = rows.find((candidate) => candidate.id === sent.body.notification_id);
      return row?.status === 'failed' ? row : undefined;
    });
    expect(failed.attachments).toBeNull();
    const listed = await cp.http('GET', `/api/v1/notifications/${failed.id}`, { token: viewer });
    expect(listed.body).toMatchObject({ status: 'failed', attempts: 3, attachments: [], last_error: expect.stringContaining('Try again later') });
    const resend = await cp.http('POST', `/api/v1/notifications/${failed.id}/resend`, { token: support });
    expect([resend.status, resend.body.error.code]).toEqual([409, 'NOTIFICATION_NOT_RESENDABLE']);
  });

  it('fails an email whose link expired while SMTP was down at once, without retrying it, and drops the link', async () => {
    smtp.refuseNext(100);
    const sent = await cp.http('POST', '/api/v1/tenants/wayne/login-links', { token: support, body: { send_email: true } });
    expect(sent.status).toBe(201);
    cp.clock.advance(21 * 60_000);
    const failed = await eventually(async () => {
      const row = (await loginLinkRows()).find((candidate) => candidate.id === sent.body.notification_id);
      return row?.status === 'failed' ? row : undefined;
    });
    smtp.refuseNext(0);
    expect(failed.attachments).toBeNull();
    const listed = await cp.http('GET', `/api/v1/notifications/${failed.id}`, { token: viewer });
    // At most one attempt was the (temporary) SMTP refusal, if it came before the clock moved; the expiry ends it.
    expect(listed.body.attempts).toBeLessThan(3);
    expect(listed.body.last_error).toContain('expired');
  });

  it('keeps none of the emailed links once every email is out', async () => {
    await eventually(async () => ((await loginLinkRows()).every((row) => row.status === 'sent' || row.status === 'failed') ? true : undefined));
    await expectNoTokenKept();
  });
});
