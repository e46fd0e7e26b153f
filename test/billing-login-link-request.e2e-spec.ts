import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTenant } from './support/billing-fixtures.js';
import { fastNotifications } from './support/notification-env.js';
import { eventually, SmtpSink } from './support/smtp-sink.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { withOpenTransaction } from './support/test-database.js';

/** The public login-link request answers before it looks anything up, and is limited per client as well as per address. */
describe('public login link requests (end to end)', () => {
  let smtp: SmtpSink;
  let cp: TestApp;

  beforeAll(async () => {
    smtp = await SmtpSink.start();
    cp = await startTestApp('login_link_request', {
      env: {
        ...fastNotifications(smtp.url),
        DATA_DIR: mkdtempSync(join(tmpdir(), 'la-login-request-')),
        LOGIN_LINK_REQUESTS_PER_HOUR: '3',
        LOGIN_LINK_REQUESTS_PER_CLIENT_PER_HOUR: '6',
      },
    });
    await createTenant(cp, await cp.token('support'), 'umbrella', 'saas');
  });

  afterAll(async () => {
    await cp.destroy();
    await smtp.close();
  });

  const requestLink = (email: string) => cp.http('POST', '/api/v1/billing/login-links/request', { body: { tenant_id: 'umbrella', email } });

  it('answers a matching address before minting the link: the answer waits on no database work', async () => {
    await withOpenTransaction(cp.database.url, async (blocker) => {
      // Nothing can write a login link now; a request that minted before answering would hang here.
      await blocker.query('LOCK TABLE login_links IN EXCLUSIVE MODE');
      expect(await requestLink('billing@umbrella.example')).toMatchObject({ status: 202, body: { status: 'accepted' } });
      await blocker.query('COMMIT');
    });
    const mail = await eventually(async () => smtp.messages.find((message) => message.envelope.to.includes('billing@umbrella.example')));
    expect(mail.text).toContain('login_token=lal_');
  }, 20_000);

  it('limits requests per client address whatever addresses it tries', async () => {
    const answers = [];
    for (let guess = 0; guess < 7; guess += 1) answers.push(await requestLink(`guess-${guess}@umbrella.example`));
    // One request above came from this client already; five more pass, then the client is limited.
    expect(answers.map((answer) => answer.status)).toEqual([202, 202, 202, 202, 202, 429, 429]);
    expect(answers[5].body.error).toMatchObject({ code: 'RATE_LIMITED', details: { retry_after_seconds: expect.any(Number) } });
    expect(answers[5].body.error.message).toContain('from this client');
  });
});
