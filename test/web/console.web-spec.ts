import { expect, test } from './control-plane.fixture.js';
import { checkPage, signIn } from './page-checks.js';

test.describe('support console', () => {
  test('support finds a tenant, issues a license, resends its email and revokes it; a viewer cannot issue', async ({ page, cp }) => {
    const admin = await cp.token('admin', 'web-admin');
    for (const [id, name] of [
      ['globex', 'Globex Corporation'],
      ['initech', 'Initech'],
    ]) {
      expect(
        (await cp.http('POST', '/api/v1/tenants', { token: admin, body: { id, name, contact_email: `it@${id}.example`, deployment_mode: 'on_prem' } })).status,
      ).toBe(201);
    }
    expect(
      (await cp.http('PUT', '/api/v1/tenants/globex/subscription', { token: admin, body: { plan_id: 'operations', billing_interval: 'annual' } })).status,
    ).toBe(200);
    const support = await cp.token('support', 'Dana (support)');

    await page.goto(`${cp.baseUrl}/console`);
    await checkPage(page, 'console-sign-in');
    await signIn(page, cp.baseUrl, support);
    await page.getByRole('searchbox').fill('globex');
    await page.getByRole('button', { name: 'Search' }).click();
    await expect(page.getByText('1 tenant matching “globex”')).toBeVisible();
    await checkPage(page, 'console-tenants');
    await page.getByRole('link', { name: 'globex' }).click();
    await expect(page.getByRole('heading', { name: 'Globex Corporation' })).toBeVisible();

    await page.getByRole('button', { name: 'Issue license' }).click();
    await page.getByLabel('Max active uses').fill('50');
    await page.getByRole('button', { name: 'Issue and email' }).click();
    await expect(page.getByText(/License \w{8} issued/)).toBeVisible();
    const licenses = page.getByRole('region', { name: 'Licenses' });
    await expect(licenses.getByRole('row')).toHaveCount(2);
    await expect(licenses.getByRole('row').nth(1)).toContainText('active');

    // Resent while the license is current: the API refuses to email a revoked license again (LICENSE_NOT_CURRENT).
    const notifications = page.getByRole('region', { name: 'Notifications' });
    const [issuedMail] = await cp.mail.waitFor(1, (mail) => mail.envelope.to.includes('it@globex.example'));
    expect(issuedMail.attachments.map((attachment) => attachment.filename)).toContain('license.jwt');
    await page.reload();
    await expect(notifications.getByRole('button', { name: 'Resend license issued email' })).toBeVisible();
    await notifications.getByRole('button', { name: 'Resend license issued email' }).click();
    await expect(notifications.getByRole('status')).toContainText('queued again');
    await cp.mail.waitFor(2, (mail) => mail.envelope.to.includes('it@globex.example'));

    page.once('dialog', (dialog) => void dialog.accept('customer left: contract ended'));
    await licenses.getByRole('button', { name: /^Revoke license/ }).click();
    await expect(licenses.getByRole('row').nth(1)).toContainText('revoked');
    await expect(licenses.getByRole('row').nth(1)).toContainText('customer left: contract ended');
    await page.reload();
    await expect(page.getByRole('region', { name: 'Timeline' })).toContainText('license.revoked');
    await checkPage(page, 'console-tenant');

    await page.getByRole('link', { name: 'Token inspector' }).click();
    const issued = await cp.http('POST', '/api/v1/licenses', { token: admin, body: { tenant_id: 'globex', deployment_mode: 'on_prem' } });
    await page.getByLabel('License token').fill(issued.body.token);
    await page.getByRole('button', { name: 'Inspect' }).click();
    await expect(page.getByRole('region', { name: 'Verdict' })).toContainText('Globex'.toLowerCase());
    await checkPage(page, 'console-inspect');
    await page.getByRole('link', { name: 'Clone alerts' }).click();
    await expect(page.getByText('No clone alerts.')).toBeVisible();
    await checkPage(page, 'console-alerts');
    await page.getByRole('link', { name: 'Plans & prices' }).click();
    await expect(page.getByRole('region', { name: 'Plans' })).toContainText('Operations');
    await checkPage(page, 'console-plans');
    await expect(page.getByRole('link', { name: 'Staff tokens' })).toHaveCount(0);

    await page.getByRole('button', { name: 'Sign out' }).click();
    await signIn(page, cp.baseUrl, admin);
    await page.getByRole('link', { name: 'Staff tokens' }).click();
    await expect(page.getByRole('region', { name: 'Tokens' })).toContainText('Dana (support)');
    await checkPage(page, 'console-tokens');

    await page.getByRole('button', { name: 'Sign out' }).click();
    await signIn(page, cp.baseUrl, await cp.token('viewer', 'auditor'));
    await page.getByRole('link', { name: 'initech' }).click();
    await expect(page.getByRole('heading', { name: 'Initech' })).toBeVisible();
    await expect(page.getByRole('region', { name: 'Licenses' })).toBeVisible();
    await expect(page.getByRole('button', { name: 'Issue license' })).toHaveCount(0);
  });
});
