import { expect, test } from './control-plane.fixture.js';
import { checkPage, signIn } from './page-checks.js';

test.describe('support console: plans and prices, tenant paging', () => {
  test('an admin pages the tenants by cursor, creates and edits a plan and sets its Stripe prices; a viewer sees no edit control', async ({ page, cp }) => {
    const admin = await cp.token('admin', 'web-admin-plans');
    // One more than fits on a page of 25, and two more to show after "Load more".
    const ids = Array.from({ length: 27 }, (_, index) => `paged-${String(index + 1).padStart(2, '0')}`);
    for (const id of ids) {
      const created = await cp.http('POST', '/api/v1/tenants', {
        token: admin,
        body: { id, name: `Paged ${id.slice(6)} Ltd`, contact_email: `it@${id}.example`, deployment_mode: 'saas' },
      });
      expect(created.status).toBe(201);
    }

    await signIn(page, cp.baseUrl, admin);
    await page.getByRole('searchbox').fill('paged-');
    await page.getByRole('button', { name: 'Search' }).click();
    await expect(page.getByText('27 tenants matching “paged-”')).toBeVisible();
    const tenants = page.getByRole('table');
    await expect(tenants.getByRole('row')).toHaveCount(26);
    await expect(page.getByText('Showing 25 of 27')).toBeVisible();
    await checkPage(page, 'console-tenants-paged');
    await page.getByRole('button', { name: 'Load more' }).click();
    await expect(tenants.getByRole('row')).toHaveCount(28);
    await expect(tenants.getByRole('row').last()).toContainText('paged-27');
    await expect(page.getByRole('button', { name: 'Load more' })).toHaveCount(0);

    await page.getByRole('link', { name: 'Plans & prices' }).click();
    await page.getByRole('button', { name: 'New plan' }).click();
    const create = page.getByRole('form', { name: 'New plan' });
    await create.getByLabel('Plan id').fill('web-team');
    await create.getByLabel('Name').fill('Web Team');
    await create.getByLabel('Users').fill('25');
    await create.getByLabel('Data (GB)').fill('100');
    await create.getByLabel('Retention (days)').fill('90');
    await create.getByLabel('Modules').fill('itsm, compliance');
    await create.getByLabel('Add-ons offered').fill('web-boost');
    await checkPage(page, 'console-plan-new');
    await create.getByRole('button', { name: 'Create plan' }).click();
    await expect(page.getByText('Plan web-team created')).toBeVisible();
    const plans = page.getByRole('region', { name: 'Plans' });
    const row = plans.getByRole('row', { name: /web-team/ });
    await expect(row).toContainText('Web Team');
    await expect(row).toContainText('unlimited');
    await expect(row).toContainText('itsm, compliance');

    await plans.getByRole('button', { name: 'Edit plan web-team' }).click();
    const edit = page.getByRole('form', { name: 'Edit plan web-team' });
    await expect(edit.getByLabel('Users')).toHaveValue('25');
    await edit.getByLabel('Name').fill('Web Team Plus');
    await edit.getByLabel('Users').fill('50');
    await edit.getByRole('button', { name: 'Save plan' }).click();
    await expect(page.getByText('Plan web-team saved')).toBeVisible();
    await expect(row).toContainText('Web Team Plus');
    await expect(row).toContainText('50');
    const stored = await cp.http('GET', '/api/v1/plans/web-team', { token: admin });
    expect(stored.body).toMatchObject({ name: 'Web Team Plus', limits: { users: 50, data_volume_gb: 100, ai_credits: null, retention_days: 90 } });

    const prices = page.getByRole('region', { name: 'Stripe prices' });
    await prices.getByRole('button', { name: 'Set prices of plan web-team' }).click();
    let form = page.getByRole('form', { name: 'Prices of plan web-team' });
    await form.getByLabel('Monthly price').fill('price_webteamMonthly1');
    await form.getByLabel('Annual price').fill('price_webteamAnnual1');
    await form.getByRole('button', { name: 'Save prices' }).click();
    await expect(page.getByText('Prices of plan web-team saved')).toBeVisible();
    await expect(prices.getByRole('row', { name: /plan web-team/ })).toContainText('price_webteamMonthly1');
    // Replacing the monthly price retires the old one.
    await prices.getByRole('button', { name: 'Set prices of plan web-team' }).click();
    form = page.getByRole('form', { name: 'Prices of plan web-team' });
    await expect(form.getByLabel('Monthly price')).toHaveValue('price_webteamMonthly1');
    await form.getByLabel('Monthly price').fill('price_webteamMonthly2');
    await form.getByRole('button', { name: 'Save prices' }).click();
    await expect(prices.getByRole('row', { name: /plan web-team/ })).toContainText('price_webteamMonthly2');
    await expect(page.getByRole('region', { name: 'Retired prices' }).getByRole('row', { name: /price_webteamMonthly1/ })).toContainText('plan web-team');

    // The add-on cannot take a price that sells the plan: the API's 409 is shown as it says it.
    await prices.getByRole('button', { name: 'Set prices of add-on web-boost' }).click();
    form = page.getByRole('form', { name: 'Prices of add-on web-boost' });
    await form.getByLabel('Monthly price').fill('price_webteamMonthly2');
    await form.getByRole('button', { name: 'Save prices' }).click();
    await expect(form.getByRole('alert')).toContainText('PRICE_IN_USE');
    await expect(form.getByRole('alert')).toContainText('Stripe price "price_webteamMonthly2" is already the monthly price of plan "web-team".');
    await checkPage(page, 'console-plans-price-in-use');
    await form.getByLabel('Monthly price').fill('price_webboostMonthly1');
    await form.getByRole('button', { name: 'Save prices' }).click();
    await expect(prices.getByRole('row', { name: /add-on web-boost/ })).toContainText('price_webboostMonthly1');

    await page.getByRole('button', { name: 'Sign out' }).click();
    await signIn(page, cp.baseUrl, await cp.token('viewer', 'auditor-plans'));
    await page.getByRole('link', { name: 'Plans & prices' }).click();
    await expect(page.getByRole('region', { name: 'Plans' }).getByRole('row', { name: /web-team/ })).toContainText('Web Team Plus');
    await expect(page.getByRole('region', { name: 'Retired prices' })).toContainText('price_webteamMonthly1');
    await expect(page.getByRole('button', { name: 'New plan' })).toHaveCount(0);
    await expect(page.getByRole('button', { name: /^Edit plan/ })).toHaveCount(0);
    await expect(page.getByRole('button', { name: /^Set prices/ })).toHaveCount(0);
    await checkPage(page, 'console-plans-viewer');
  });
});
