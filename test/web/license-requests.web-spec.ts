import type { Browser, Page } from '@playwright/test';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { PRICES } from '../support/billing-fixtures.js';
import { expect, test } from './control-plane.fixture.js';
import { checkPage } from './page-checks.js';

const TENANT = 'umbrella';
const CONTACT = 'it@umbrella.example';
/** What `licensectl fingerprint` prints on the customer's machine: 64 hex characters. */
const LOCKING_CODE = createHash('sha256').update('umbrella-prod-node-1').digest('hex');

function claimsOf(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8')) as Record<string, unknown>;
}

/** Staff work in a browser of their own, beside the customer's. */
async function staffPage(browser: Browser): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  return context.newPage();
}

async function staffSignIn(page: Page, baseUrl: string, token: string, path = ''): Promise<void> {
  await page.goto(`${baseUrl}/console${path}`);
  await page.getByLabel('Staff token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

test.describe('license requests', () => {
  test('a customer requests licenses in the portal; support approves one and declines another in the console', async ({ page, browser, cp }) => {
    const admin = await cp.token('admin', 'setup');
    expect(
      (
        await cp.http('POST', '/api/v1/tenants', {
          token: admin,
          body: { id: TENANT, name: 'Umbrella Ltd', contact_email: CONTACT, deployment_mode: 'on_prem' },
        })
      ).status,
    ).toBe(201);
    for (const plan of ['operations', 'core'] as const)
      expect((await cp.http('PUT', `/api/v1/plans/${plan}/prices`, { token: admin, body: PRICES[plan] })).status).toBe(200);
    expect(
      (await cp.http('PUT', `/api/v1/tenants/${TENANT}/subscription`, { token: admin, body: { plan_id: 'core', billing_interval: 'annual' } })).status,
    ).toBe(200);
    const support = await cp.token('support', 'Sam (support)');
    const viewer = await cp.token('viewer', 'Vic (viewer)');

    // The customer signs in from the emailed link.
    await page.goto(`${cp.baseUrl}/portal`);
    await page.getByLabel('Tenant id').fill(TENANT);
    await page.getByLabel('Contact email').fill(CONTACT);
    await page.getByRole('button', { name: 'Email me a sign-in link' }).click();
    const [loginMail] = await cp.mail.waitFor(1, (mail) => mail.subject.includes('login link') && mail.envelope.to.includes(CONTACT));
    await page.goto('about:blank');
    await page.goto(/https?:\/\/\S+#login_token=lal_[A-Za-z0-9_-]+/.exec(loginMail.text)![0]);
    const requests = page.getByRole('region', { name: 'License requests' });
    await expect(requests.getByText('No requests yet.')).toBeVisible();

    // A new on-prem installation, bound to a machine: a mistyped locking code is caught before sending.
    await requests.getByRole('button', { name: 'Request a license' }).click();
    const form = page.getByRole('form', { name: 'Request a license' });
    await expect(form.getByRole('radio', { name: /New installation/ })).toBeChecked();
    await form.getByLabel('Environment').fill('prod');
    await form.getByLabel('Machine locking code').fill(LOCKING_CODE.slice(0, 40) + 'xyz');
    await form.getByLabel('Note for support').fill('Production cluster in Frankfurt, go-live on Monday.');
    await form.getByRole('button', { name: 'Send request' }).click();
    await expect(form.getByText(/A locking code is 64 hexadecimal characters .* 43 characters, some not hexadecimal/)).toBeVisible();
    await expect(form.getByLabel('Machine locking code')).toHaveAttribute('aria-invalid', 'true');
    await requests.scrollIntoViewIfNeeded();
    await checkPage(page, 'portal-request-form');
    await form.getByLabel('Machine locking code').fill(LOCKING_CODE.toUpperCase());
    await form.getByRole('button', { name: 'Send request' }).click();
    await expect(requests.getByText('Request sent: new installation')).toBeVisible();
    const mine = requests.getByRole('table', { name: 'Your requests' });
    await expect(mine.getByRole('row').nth(1)).toContainText('New installation');
    await expect(mine.getByRole('row').nth(1)).toContainText('On-prem · prod · core');
    await expect(mine.getByRole('row').nth(1)).toContainText('open');
    await checkPage(page, 'portal-request-sent');

    // Support gets the email and follows its link into the console.
    const [alert] = await cp.mail.waitFor(1, (mail) => mail.subject.includes('requests a new license'));
    expect(alert.text).toContain(LOCKING_CODE);
    const consolePath = new URL(/https?:\/\/\S+\/console\/requests\/[0-9a-f-]{36}/.exec(alert.text)![0]).pathname.replace(/^\/console/, '');
    const staff = await staffPage(browser);
    await staffSignIn(staff, cp.baseUrl, support, '/requests');
    await expect(staff.getByRole('heading', { name: 'License requests', level: 1 })).toBeVisible();
    await expect(staff.getByRole('button', { name: /Open/ })).toHaveAttribute('aria-pressed', 'true');
    await expect(staff.getByRole('button', { name: /Open/ })).toContainText('1');
    await expect(staff.getByRole('row').nth(1)).toContainText(TENANT);
    await checkPage(staff, 'console-requests-queue');

    await staff.goto(`${cp.baseUrl}/console${consolePath}`);
    await expect(staff.getByRole('heading', { name: `New installation for ${TENANT}` })).toBeVisible();
    const details = staff.getByRole('region', { name: 'Request' });
    await expect(details).toContainText(LOCKING_CODE);
    await expect(details).toContainText('Production cluster in Frankfurt');
    await checkPage(staff, 'console-request-open');
    await staff.getByLabel('Valid for (days)').fill('400');
    await staff.getByRole('button', { name: 'Approve and issue' }).click();
    const approvedBanner = staff.getByText(/Approved: license [0-9a-f]{8} issued/);
    await expect(approvedBanner).toBeVisible();
    const decided = await cp.http('GET', `/api/v1/license-requests/${consolePath.split('/').at(-1)}`, { token: support });
    const licenseId = decided.body.license_id as string;
    await expect(staff.getByRole('region', { name: 'Decision' })).toContainText(licenseId);
    await expect(staff.getByRole('region', { name: 'Decision' })).toContainText('Sam (support)');
    await checkPage(staff, 'console-request-approved');

    // The portal shows it approved, with the issued license to download: bound to the machine, valid 400 days.
    await page.reload();
    const approvedRow = mine.getByRole('row').filter({ hasText: 'New installation' });
    await expect(approvedRow).toContainText('approved');
    await expect(approvedRow.getByRole('link', { name: `License ${licenseId.slice(0, 8)}` })).toBeVisible();
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      approvedRow.getByRole('button', { name: `Download license ${licenseId.slice(0, 8)}` }).click(),
    ]);
    expect(download.suggestedFilename()).toBe(`license-${licenseId}.jwt`);
    const claims = claimsOf(readFileSync((await download.path())!, 'utf8').trim());
    expect(claims).toMatchObject({ jti: licenseId, tenant_id: TENANT, fingerprint: LOCKING_CODE, deployment_mode: 'on_prem', plan_id: 'core' });
    expect(Math.round(((claims.exp as number) - (claims.iat as number)) / 86_400)).toBe(400);
    await expect(page.getByRole('region', { name: 'Licenses' }).getByRole('row')).toHaveCount(2);

    // An upgrade to another plan: flagged for support, who declines it with a reason the customer reads.
    await requests.getByRole('button', { name: 'Request a license' }).click();
    await form.getByRole('radio', { name: /Upgrade/ }).check();
    await form.getByRole('combobox', { name: 'Plan' }).selectOption('operations');
    await form.getByRole('checkbox', { name: 'edge_pack' }).check();
    await form.getByLabel('Environment').fill('staging');
    await form.getByRole('button', { name: 'Send request' }).click();
    await expect(requests.getByText('Request sent: upgrade')).toBeVisible();

    await staff.goto(`${cp.baseUrl}/console/requests`);
    const upgradeLink = staff.getByRole('link', { name: new RegExp(`Upgrade for ${TENANT}`) });
    await upgradeLink.click();
    await expect(staff.getByRole('alert').filter({ hasText: 'Needs a plan change' })).toBeVisible();
    await expect(staff.getByRole('region', { name: 'Request' })).toContainText('operations');
    await expect(staff.getByRole('button', { name: 'Decline' })).toBeDisabled();
    await staff.getByLabel('Reason').fill('Upgrades start with the plan: choose Operations under "Change plan", then ask again.');
    await staff.getByRole('button', { name: 'Decline' }).click();
    await expect(staff.getByRole('region', { name: 'Decision' })).toContainText('Upgrades start with the plan');
    await checkPage(staff, 'console-request-declined');

    // The queue: nothing open; the counts of each status, and every request under "All".
    await staff.getByRole('link', { name: '← License requests' }).click();
    await expect(staff.getByText('No open requests: the queue is empty.')).toBeVisible();
    await staff.getByRole('button', { name: /All/ }).click();
    await expect(staff.getByRole('button', { name: /Approved/ })).toContainText('1');
    await expect(staff.getByRole('button', { name: /Declined/ })).toContainText('1');
    await expect(staff.getByRole('table').getByRole('row')).toHaveCount(3);
    await checkPage(staff, 'console-requests-all');

    await page.reload();
    const declinedRow = mine.getByRole('row').filter({ hasText: 'Upgrade' });
    await expect(declinedRow).toContainText('declined');
    await expect(declinedRow).toContainText('Upgrades start with the plan: choose Operations');
    await checkPage(page, 'portal-requests-decided');

    // The renewal link of the license_expiring email, opened while signed out, survives the sign-in link and opens
    // the form prefilled; the API's refusal (too early) is shown as it is.
    await page.getByRole('button', { name: 'Sign out' }).click();
    await expect(page.getByLabel('Tenant id')).toBeVisible();
    await page.goto(`${cp.baseUrl}/portal?request=renewal&license_id=${licenseId}`);
    await page.getByLabel('Tenant id').fill(TENANT);
    await page.getByLabel('Contact email').fill(CONTACT);
    await page.getByRole('button', { name: 'Email me a sign-in link' }).click();
    const logins = await cp.mail.waitFor(2, (mail) => mail.subject.includes('login link') && mail.envelope.to.includes(CONTACT));
    await page.goto('about:blank');
    await page.goto(/https?:\/\/\S+#login_token=lal_[A-Za-z0-9_-]+/.exec(logins[1].text)![0]);
    await expect(form.getByRole('radio', { name: /Renewal/ })).toBeChecked();
    await expect(form.getByLabel('License to renew')).toHaveValue(licenseId);
    await expect(form).toContainText('Renewals for this license open on');
    await form.getByRole('button', { name: 'Send request' }).click();
    await expect(form.getByRole('alert')).toContainText('RENEWAL_TOO_EARLY');
    await form.scrollIntoViewIfNeeded();
    await checkPage(page, 'portal-request-renewal-refused');

    // A replacement stays open: a viewer reads it without deciding; the customer cancels it.
    await form.getByRole('radio', { name: /Replacement/ }).check();
    await form.getByLabel('License to replace').selectOption(licenseId);
    await form.getByLabel('Note for support').fill('The Frankfurt node was replaced.');
    await form.getByRole('button', { name: 'Send request' }).click();
    await expect(requests.getByText('Request sent: replacement')).toBeVisible();

    const readOnly = await staffPage(browser);
    await staffSignIn(readOnly, cp.baseUrl, viewer, '/requests');
    await readOnly.getByRole('link', { name: new RegExp(`Replacement for ${TENANT}`) }).click();
    await expect(readOnly.getByText('Waiting for support')).toBeVisible();
    await expect(readOnly.getByRole('region', { name: 'Request' })).toContainText(licenseId);
    await expect(readOnly.getByRole('button', { name: /Approve|Decline/ })).toHaveCount(0);
    await checkPage(readOnly, 'console-request-viewer');
    // The tenant page lists the tenant's requests too.
    await readOnly.getByRole('region', { name: 'Request' }).getByRole('link', { name: TENANT }).click();
    const tenantRequests = readOnly.getByRole('region', { name: 'License requests' });
    await expect(tenantRequests.getByRole('row')).toHaveCount(4);
    await expect(tenantRequests).toContainText('1 open');
    await tenantRequests.scrollIntoViewIfNeeded();
    await checkPage(readOnly, 'console-tenant-requests');

    await requests.getByRole('button', { name: 'Cancel replacement request' }).click();
    await expect(mine.getByRole('row').filter({ hasText: 'Replacement' })).toContainText('canceled');
    await expect(requests.getByRole('button', { name: /^Cancel .* request$/ })).toHaveCount(0);
  });

  test('the queue pages oldest first: 25 requests, then "Load more"', async ({ browser, cp }) => {
    const admin = await cp.token('admin', 'queue-setup');
    expect(
      (
        await cp.http('POST', '/api/v1/tenants', {
          token: admin,
          body: { id: 'hooli', name: 'Hooli', contact_email: 'it@hooli.example', deployment_mode: 'byoc' },
        })
      ).status,
    ).toBe(201);
    expect((await cp.http('PUT', '/api/v1/tenants/hooli/subscription', { token: admin, body: { plan_id: 'core', billing_interval: 'monthly' } })).status).toBe(
      200,
    );
    // Support asks on the customer's behalf, one installation after another.
    for (let index = 1; index <= 27; index += 1) {
      const environment = `edge-${String(index).padStart(2, '0')}`;
      const asked = await cp.http('POST', '/api/v1/license-requests', { token: admin, body: { tenant_id: 'hooli', kind: 'new', environment } });
      expect(asked.status).toBe(201);
    }
    const staff = await staffPage(browser);
    await staffSignIn(staff, cp.baseUrl, await cp.token('support', 'queue-support'), '/requests');
    const rows = staff.getByRole('table').getByRole('row');
    await expect(rows).toHaveCount(26);
    await expect(rows.nth(1)).toContainText('edge-01');
    await expect(staff.getByText('Showing 25 of 27')).toBeVisible();
    await staff.getByRole('button', { name: 'Load more' }).click();
    await expect(rows).toHaveCount(28);
    await expect(rows.nth(27)).toContainText('edge-27');
    await expect(staff.getByRole('button', { name: 'Load more' })).toHaveCount(0);
    await checkPage(staff, 'console-requests-load-more');
  });
});
