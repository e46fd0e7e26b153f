import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PRICES } from '../support/billing-fixtures.js';
import { expect, test } from './control-plane.fixture.js';
import { checkPage } from './page-checks.js';

const TENANT = 'acme';
const CONTACT = 'ops@acme.example';

/** Verifies a compact RS256 JWS with OpenSSL alone: the signature over `header.payload` with the PEM public key. */
function opensslVerifies(token: string, publicKeyPem: string): boolean {
  const directory = mkdtempSync(join(tmpdir(), 'la-openssl-'));
  const [header, payload, signature] = token.split('.');
  writeFileSync(join(directory, 'data'), `${header}.${payload}`);
  writeFileSync(join(directory, 'signature'), Buffer.from(signature, 'base64url'));
  writeFileSync(join(directory, 'key.pem'), publicKeyPem);
  try {
    const out = execFileSync(
      'openssl',
      ['dgst', '-sha256', '-verify', join(directory, 'key.pem'), '-signature', join(directory, 'signature'), join(directory, 'data')],
      {
        stdio: ['ignore', 'pipe', 'ignore'],
      },
    );
    return out.toString().includes('Verified OK');
  } catch {
    return false;
  }
}

test.describe('customer portal', () => {
  test('a customer signs in from the emailed link, sees the read-only banner after a failed payment, opens billing and downloads a license', async ({
    page,
    cp,
  }) => {
    // The tenant as support sets it up: a Stripe subscription through Checkout, a BYOC license that phoned home.
    const admin = await cp.token('admin', 'setup');
    expect(
      (await cp.http('POST', '/api/v1/tenants', { token: admin, body: { id: TENANT, name: 'Acme Corp', contact_email: CONTACT, deployment_mode: 'byoc' } }))
        .status,
    ).toBe(201);
    for (const plan of ['operations', 'core'] as const)
      expect((await cp.http('PUT', `/api/v1/plans/${plan}/prices`, { token: admin, body: PRICES[plan] })).status).toBe(200);
    const checkout = await cp.http('POST', '/api/v1/billing/checkout-sessions', {
      token: admin,
      body: { tenant_id: TENANT, plan_id: 'operations', billing_interval: 'monthly' },
    });
    expect(checkout.status).toBe(201);
    const customer = cp.stripe.requestsTo('/v1/checkout/sessions')[0].params.customer;
    const start = new Date();
    const subscription = {
      id: 'sub_web1',
      customer,
      status: 'active',
      prices: [PRICES.operations.monthly],
      periodStart: start,
      periodEnd: new Date(start.getTime() + 30 * 86_400_000),
    };
    expect((await cp.stripe.completeCheckout(cp.asTestApp(), subscription, TENANT, checkout.body.id)).response.status).toBe(200);
    const issued = await cp.http('POST', '/api/v1/licenses', { token: admin, body: { tenant_id: TENANT, deployment_mode: 'byoc' } });
    expect(issued.status).toBe(201);
    const phoneHome = await cp.http('POST', '/api/v1/phone-home', {
      body: {
        license: issued.body.token,
        tp_version: '4.2.0',
        usage: { active_uses: 17, period_start: start.toISOString(), period_end: new Date().toISOString() },
      },
    });
    expect(phoneHome.status).toBe(200);
    // Then a payment fails: past due, read-only until the grace period ends.
    cp.stripe.setStatus(subscription.id, 'past_due');
    const failed = cp.stripe.event('invoice.payment_failed', cp.stripe.invoice(subscription.id, customer), new Date());
    expect((await cp.stripe.deliver(cp.asTestApp(), failed)).status).toBe(200);

    await page.goto(`${cp.baseUrl}/portal`);
    await expect(page.getByRole('heading', { name: 'Sign in to your portal' })).toBeVisible();
    await checkPage(page, 'portal-sign-in');
    await page.getByLabel('Tenant id').fill(TENANT);
    await page.getByLabel('Contact email').fill(CONTACT);
    await page.getByRole('button', { name: 'Email me a sign-in link' }).click();
    await expect(page.getByText('Check your inbox')).toBeVisible();

    const [mail] = await cp.mail.waitFor(1, (message) => message.subject.includes('login link') && message.envelope.to.includes(CONTACT));
    const link = /https?:\/\/\S+#login_token=lal_[A-Za-z0-9_-]+/.exec(mail.text)?.[0];
    expect(link).toBeDefined();
    // As from the mail client: a fresh load of the link, not a hash change on the open page.
    await page.goto('about:blank');
    await page.goto(link!);
    await expect(page.getByRole('heading', { name: 'Acme Corp', level: 1 })).toBeVisible();
    expect(page.url()).not.toContain('login_token');

    const banner = page.getByRole('alert').filter({ hasText: 'Payment failed' });
    await expect(banner).toContainText('read-only');
    await expect(banner).toContainText('days left');
    await expect(banner).toHaveClass(/banner-warn/);
    await expect(page.getByRole('row').filter({ hasText: '4.2.0' })).toBeVisible();
    await checkPage(page, 'portal-dashboard');

    // The license file: the token a tenant plane loads, verified here by OpenSSL with the CP's public key.
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page
        .getByRole('button', { name: /^Download license/ })
        .first()
        .click(),
    ]);
    const token = readFileSync((await download.path())!, 'utf8').trim();
    const [keyDownload] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download public key' }).click()]);
    expect(keyDownload.suggestedFilename()).toBe('license-public-key.pem');
    expect(opensslVerifies(token, readFileSync((await keyDownload.path())!, 'utf8'))).toBe(true);
    expect(opensslVerifies(`${token.slice(0, -4)}AAAA`, readFileSync((await keyDownload.path())!, 'utf8'))).toBe(false);
    const [chainDownload] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download key chain' }).click()]);
    expect(chainDownload.suggestedFilename()).toBe('license-key-chain.json');
    const chain = JSON.parse(readFileSync((await chainDownload.path())!, 'utf8')) as { active_kid: string; keys: { kid: string }[] };
    expect(chain.keys.map((key) => key.kid)).toContain(chain.active_kid);
    await expect(page.getByText('The key chain proves each newer signing key')).toBeVisible();

    // Stripe's Customer Portal is another site: the fake's URL is answered here so the browser can land on it.
    await page.route('https://billing.stripe.test/**', (route) =>
      route.fulfill({ contentType: 'text/html', body: '<title>Stripe billing portal</title><h1>Billing</h1>' }),
    );
    await page.getByRole('button', { name: 'Update payment method / invoices' }).click();
    await page.waitForURL(/^https:\/\/billing\.stripe\.test\/p\/session\//);
    expect(cp.stripe.requestsTo('/v1/billing_portal/sessions')).toHaveLength(1);

    await page.goto(`${cp.baseUrl}/portal`);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await expect(page.getByRole('heading', { name: 'Sign in to your portal' })).toBeVisible();
  });

  test('serves the apps with a strict content security policy', async ({ cp }) => {
    for (const path of ['/portal', '/console/tenants/acme']) {
      const response = await fetch(`${cp.baseUrl}${path}`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-security-policy')).toContain("script-src 'self'");
      const html = await response.text();
      expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    }
  });
});
