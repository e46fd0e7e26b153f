import pg from 'pg';
import { expect, test } from './control-plane.fixture.js';
import { checkPage, signIn } from './page-checks.js';

test.describe('support console: replace a license, silent installations', () => {
  test('support replaces a license from the tenant page; a viewer sees silent installations and no replace button', async ({ page, cp }) => {
    const admin = await cp.token('admin', 'web-admin-more');
    for (const id of ['pied-piper', 'soylent']) {
      expect(
        (
          await cp.http('POST', '/api/v1/tenants', {
            token: admin,
            body: { id, name: `${id} Inc.`, contact_email: `it@${id}.example`, deployment_mode: 'byoc' },
          })
        ).status,
      ).toBe(201);
      expect(
        (await cp.http('PUT', `/api/v1/tenants/${id}/subscription`, { token: admin, body: { plan_id: 'operations', billing_interval: 'annual' } })).status,
      ).toBe(200);
    }
    const old = await cp.http('POST', '/api/v1/licenses', { token: admin, body: { tenant_id: 'pied-piper', fingerprint: 'pied-node-1', max_active_uses: 40 } });
    expect(old.status).toBe(201);
    const oldId = (old.body.license.id as string).slice(0, 8);
    expect((await cp.http('POST', '/api/v1/licenses', { token: admin, body: { tenant_id: 'soylent' } })).status).toBe(201);
    // soylent's installation has not phoned home since its license was issued 100 hours ago (the browser cannot move the CP's clock).
    const db = new pg.Client({ connectionString: cp.env.DATABASE_URL });
    await db.connect();
    await db.query(`UPDATE licenses SET issued_at = now() - interval '100 hours' WHERE tenant_id = 'soylent'`);
    await db.end();

    await signIn(page, cp.baseUrl, await cp.token('support', 'Sam (support)'));
    await page.goto(`${cp.baseUrl}/console/tenants/pied-piper`);
    const licenses = page.getByRole('region', { name: 'Licenses' });
    await licenses.getByRole('button', { name: `Replace license ${oldId}` }).click();
    const form = page.getByRole('form', { name: `Replace license ${oldId}` });
    await expect(form.getByLabel('Machine fingerprint')).toHaveValue('pied-node-1');
    await expect(form.getByLabel('Max active uses')).toHaveValue('40');
    await expect(form.getByLabel('Deployment mode')).toHaveValue('byoc');
    await checkPage(page, 'console-replace-license');
    await form.getByLabel('Max active uses').fill('60');
    await form.getByRole('button', { name: 'Replace and email' }).click();
    await expect(page.getByText(new RegExp(`License \\w{8} replaces ${oldId}`))).toBeVisible();
    await expect(licenses.getByRole('row')).toHaveCount(3);
    await expect(licenses.getByRole('row', { name: new RegExp(oldId) })).toContainText('superseded');
    await expect(licenses.getByRole('button', { name: /^Replace license/ })).toHaveCount(1);
    const current = await cp.http('GET', '/api/v1/licenses?tenant_id=pied-piper&status=active', { token: admin });
    expect(current.body.items).toEqual([expect.objectContaining({ claims: expect.objectContaining({ max_active_uses: 60, fingerprint: 'pied-node-1' }) })]);
    await checkPage(page, 'console-tenant-replaced');

    await page.getByRole('button', { name: 'Sign out' }).click();
    await signIn(page, cp.baseUrl, await cp.token('viewer', 'auditor-more'));
    await page.getByRole('link', { name: 'Silent installations' }).click();
    await expect(page.getByRole('heading', { name: 'Silent installations', level: 1 })).toBeVisible();
    const table = page.getByRole('table');
    await expect(table.getByRole('row')).toHaveCount(2);
    await expect(table.getByRole('row').nth(1)).toContainText('soylent');
    await expect(table.getByRole('row').nth(1)).toContainText('never');
    await expect(table.getByRole('row').nth(1)).toContainText('100 h');
    await checkPage(page, 'console-silent');
    await page.getByRole('link', { name: 'soylent', exact: true }).click();
    await expect(page.getByRole('region', { name: 'Licenses' }).getByRole('row')).toHaveCount(2);
    await expect(page.getByRole('button', { name: /^Replace license/ })).toHaveCount(0);
  });
});
