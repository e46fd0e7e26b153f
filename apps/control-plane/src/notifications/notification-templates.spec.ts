import { NOTIFICATION_STAGES } from './notification.entity.js';
import { daysUntil, renderNotification, type TemplateContext } from './notification-templates.js';

const ctx: TemplateContext = {
  now: new Date('2026-11-24T12:00:00Z'),
  tenantId: 'acme',
  tenantName: 'Acme <Corp>',
  portalUrl: 'https://portal.example/billing',
  supportEmail: 'support@example.com',
  loginUrl: 'https://portal.example/billing#login_token=lal_secret',
};

describe('notification templates', () => {
  // Staff token reminders are about a token, not a tenant's plan (their own test is below).
  it.each(NOTIFICATION_STAGES.filter((stage) => stage !== 'api_token_expiring'))(
    'renders %s as text and HTML that say the same thing, with a call to action',
    (stage) => {
      const mail = renderNotification(
        stage,
        { plan_name: 'Operations', expires_at: '2026-12-24T12:00:00.000Z', grace_ends_at: '2026-12-01T12:00:00.000Z' },
        ctx,
      );
      expect(mail.subject.length).toBeGreaterThan(10);
      expect(mail.text).toContain('Plan: Operations');
      expect(mail.html).toContain('<th align="left" style="padding:2px 12px 2px 0">Plan</th><td>Operations</td>');
      expect(mail.text).toMatch(/\n[^\n]+: (https:|mailto:)/);
    },
  );

  it('tells the creator of an API token when it expires and how to rotate it', () => {
    const facts = { token_id: 'f7a1', token_name: 'deploy-bot', token_prefix: 'la_abcde', role: 'support', expires_at: '2026-12-01T12:00:00.000Z' };
    const mail = renderNotification('api_token_expiring', facts, ctx);
    expect(mail.subject).toBe('Your AtlasAI API token "deploy-bot" expires in 7 days (1 December 2026)');
    expect(mail.text).toContain('licensectl tokens rotate f7a1');
    expect(mail.text).toContain('Last used: never');
    expect(mail.text).not.toContain('Hello Acme');
  });

  it('escapes what it puts into HTML', () => {
    const mail = renderNotification('canceled', { plan_name: '<script>x</script>' }, ctx);
    expect(mail.html).not.toContain('<script>');
    expect(mail.html).toContain('Acme &lt;Corp&gt;');
    expect(mail.text).toContain('Hello Acme <Corp>,');
  });

  it('lists facts no letter names instead of dropping them, dates written out', () => {
    const mail = renderNotification('payment_failed', { amount_due: '49.00 EUR', next_retry_at: '2026-11-27T08:00:00.000Z' }, ctx);
    expect(mail.text).toContain('Amount due: 49.00 EUR');
    expect(mail.text).toContain('Next retry at: 27 November 2026');
  });

  it('counts days left rounded up, and never below zero', () => {
    expect(daysUntil('2026-11-25T12:00:00Z', ctx.now)).toBe(1);
    expect(daysUntil('2026-11-25T12:00:01Z', ctx.now)).toBe(2);
    expect(daysUntil('2026-11-20T12:00:00Z', ctx.now)).toBe(0);
  });

  it('sends a refused renewal to the portal when the subscription is the reason, to support otherwise', () => {
    expect(renderNotification('renewal_refused', { code: 'SUBSCRIPTION_INACTIVE' }, ctx).text).toContain(
      'Update your payment method: https://portal.example/billing',
    );
    expect(renderNotification('renewal_refused', { code: 'LICENSE_REVOKED' }, ctx).text).toContain('Contact support: mailto:support@example.com');
  });

  it('sends an on-prem expiry reminder to the portal’s renewal request for that license, a BYOC one to support', () => {
    const onPrem = renderNotification('license_expiring', { license_id: 'lic-1', deployment_mode: 'on_prem', expires_at: '2026-12-14T12:00:00.000Z' }, ctx);
    expect(onPrem.text).toContain('Request a renewal: https://portal.example/billing?request=renewal&license_id=lic-1');
    const byoc = renderNotification('license_expiring', { license_id: 'lic-1', deployment_mode: 'byoc', expires_at: '2026-12-14T12:00:00.000Z' }, ctx);
    expect(byoc.text).toContain('Contact support: mailto:support@example.com');
  });
});

describe('login_link template', () => {
  const facts = { login_link_id: '0b9f2c1e-0000-4000-8000-000000000001', expires_at: '2026-11-24T12:30:00.000Z', requested_by: 'customer' };

  it('puts the link in the text and the HTML, with its expiry to the minute', () => {
    const mail = renderNotification('login_link', facts, ctx);
    expect(mail.subject).toBe('Your AtlasAI billing login link for Acme <Corp>');
    expect(mail.text).toContain('Someone asked for a login link to the billing of Acme <Corp> with this address.');
    expect(mail.text).toContain('It works once and expires on 24 November 2026 at 12:30 UTC, in 30 minutes.');
    expect(mail.text).toContain('Link expires: 24 November 2026 at 12:30 UTC');
    expect(mail.text).toContain('Open your billing: https://portal.example/billing#login_token=lal_secret');
    expect(mail.html).toContain('<a href="https://portal.example/billing#login_token=lal_secret"');
    expect(mail.html).toContain('<th align="left" style="padding:2px 12px 2px 0">Link expires</th><td>24 November 2026 at 12:30 UTC</td>');
    // The link id is a fact for staff, not something the reader needs.
    expect(mail.text).not.toContain('0b9f2c1e');
  });

  it('says support sent it when support did', () => {
    expect(renderNotification('login_link', { ...facts, requested_by: 'support' }, ctx).text).toContain(
      'AtlasAI support sent you a login link to the billing of Acme <Corp>.',
    );
  });

  it('refuses to render without the link, or once the link has expired, so no dead link is emailed', () => {
    expect(() => renderNotification('login_link', facts, { ...ctx, loginUrl: undefined })).toThrow('without its link');
    expect(() => renderNotification('login_link', facts, { ...ctx, now: new Date('2026-11-24T12:30:00Z') })).toThrow('has expired');
  });
});
