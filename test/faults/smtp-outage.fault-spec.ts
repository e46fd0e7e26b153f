import { eventually } from '../support/smtp-sink.js';
import { arrivals, settledDeliveries } from './support/deliveries.js';
import { recordFault } from './support/fault-report.js';
import { startMailStack, type MailStack } from './support/mail-stack.js';
import { createTenants, issueLicenses, serverErrors } from './support/workload.js';

const EMAILS = 30;

/**
 * Scenario 4. The SMTP server goes away (connections refused) while licenses are issued, and comes back:
 * every email is retried and delivered, once.
 */
describe('fault: SMTP down, then up', () => {
  let stack: MailStack;

  // Backoff 200 ms doubling over 8 attempts: about 25 s of retries, far longer than the outage.
  beforeAll(async () => {
    stack = await startMailStack('fault-smtp', { NOTIFICATION_MAX_ATTEMPTS: '8', NOTIFICATION_RETRY_BASE_MS: '200' });
  });

  afterAll(() => stack?.close());

  it(`retries ${EMAILS} emails through the outage and delivers each exactly once`, async () => {
    const started = Date.now();
    const { cp, smtp, query } = stack;
    const support = await cp.token('support');
    const tenants = await createTenants(cp.baseUrl, support, 'smtp', 5);

    await smtp.close();
    const answers = await issueLicenses(cp.baseUrl, support, tenants, EMAILS);
    // Every row has failed at least once against the closed port before the server returns.
    await eventually(
      async () => {
        const [{ untried }] = (await query(`SELECT count(*)::int AS untried FROM notifications WHERE attempts = 0`)) as [{ untried: number }];
        return untried === 0 ? true : undefined;
      },
      20_000,
      'every email to fail once',
    );
    const downMs = Date.now() - started;
    await smtp.restart();

    const figures = await settledDeliveries(query, smtp, 60_000);
    const [{ attempts }] = (await query(`SELECT sum(attempts)::int AS attempts FROM notifications`)) as [{ attempts: number }];
    recordFault({
      scenario: '4 SMTP down then up',
      lost: figures.lost,
      duplicated: figures.duplicated,
      server_errors: serverErrors(answers),
      duration_ms: Date.now() - started,
      emails: figures.rows,
      delivery_attempts: attempts,
      smtp_down_ms: downMs,
    });
    expect(serverErrors(answers)).toBe(0);
    expect(figures.rows).toBe(EMAILS);
    expect(figures).toMatchObject({ sent: EMAILS, lost: 0, duplicated: 0 });
    expect(arrivals(smtp).size).toBe(EMAILS);
  });
});
