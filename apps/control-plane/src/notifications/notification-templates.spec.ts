import { NOTIFICATION_STAGES } from './notification.entity.js';
import { daysUntil, renderNotification, type TemplateContext } from './notification-templates.js';

const ctx: TemplateContext = {
  now: new Date('2026-11-24T12:00:00Z'),
  tenantId: 'acme',
  tenantName: 'Acme <Corp>',
  portalUrl: 'https://portal.example/billing',
  supportEmail: 'support@example.com',
};

describe('notification templates', () => {
  it.each(NOTIFICATION_STAGES)('renders %s as text and HTML that say the same thing, with a call to action', (stage) => {
    const mail = renderNotification(stage, { plan_name: 'Operations', expires_at: '2026-12-24T12:00:00.000Z', grace_ends_at: '2026-12-01T12:00:00.000Z' }, ctx);
    expect(mail.subject.length).toBeGreaterThan(10);
    expect(mail.text).toContain('Plan: Operations');
    expect(mail.html).toContain('<th align="left" style="padding:2px 12px 2px 0">Plan</th><td>Operations</td>');
    expect(mail.text).toMatch(/\n[^\n]+: (https:|mailto:)/);
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
});
