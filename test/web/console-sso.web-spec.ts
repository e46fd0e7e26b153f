import type { Page } from '@playwright/test';
import { freePort } from '../support/control-plane-process.js';
import { TestIdp } from '../support/oidc-idp.js';
import { test as base, expect } from './control-plane.fixture.js';
import { checkPage } from './page-checks.js';

/** The control plane with single sign-on through a real oidc-provider on another loopback port. */
const test = base.extend<object, { idp: TestIdp; cpPort: number }>({
  cpPort: [
    // eslint-disable-next-line no-empty-pattern
    async ({}, use) => use(await freePort()),
    { scope: 'worker' },
  ],
  idp: [
    async ({ cpPort }, use) => {
      const idp = await TestIdp.start({
        redirectUrl: `http://127.0.0.1:${cpPort}/api/v1/auth/oidc/callback`,
        users: [
          { sub: 'ada', email: 'ada@atlas.example', name: 'Ada Lovelace', groups: ['atlas-admins'] },
          { sub: 'sam', email: 'sam@atlas.example', name: 'Sam Rivera', groups: ['atlas-support'] },
          { sub: 'vic', email: 'vic@atlas.example', name: 'Vic Chen', groups: ['atlas-viewers'] },
          { sub: 'nina', email: 'nina@atlas.example', name: 'Nina Park', groups: ['marketing'] },
        ],
      });
      await use(idp);
      await idp.close();
    },
    { scope: 'worker' },
  ],
  cpOptions: [
    async ({ idp, cpPort }, use) =>
      use({
        port: cpPort,
        env: {
          ...idp.env(),
          OIDC_REDIRECT_URL: `http://127.0.0.1:${cpPort}/api/v1/auth/oidc/callback`,
          OIDC_ROLE_MAPPING: 'atlas-admins=admin,atlas-support=support,atlas-viewers=viewer',
        },
      }),
    { scope: 'worker' },
  ],
});

/** From the console's sign-in page through the IdP's sign-in page (a button per person) and back. */
async function signInWithSso(page: Page, baseUrl: string, person: string): Promise<void> {
  await page.goto(`${baseUrl}/console`);
  await page.getByRole('link', { name: 'Sign in with single sign-on' }).click();
  await expect(page.getByRole('heading', { name: 'Test identity provider' })).toBeVisible();
  await page.getByRole('button', { name: person }).click();
}

test.describe('support console with single sign-on', () => {
  test('staff sign in through the IdP and land as their mapped role; an admin ends a session; refusals are explained', async ({ page, browser, cp }) => {
    const admin = await cp.token('admin', 'setup');
    expect(
      (
        await cp.http('POST', '/api/v1/tenants', {
          token: admin,
          body: { id: 'globex', name: 'Globex Corporation', contact_email: 'it@globex.example', deployment_mode: 'on_prem' },
        })
      ).status,
    ).toBe(201);
    expect(
      (await cp.http('PUT', '/api/v1/tenants/globex/subscription', { token: admin, body: { plan_id: 'operations', billing_interval: 'annual' } })).status,
    ).toBe(200);

    // SSO is on: the console offers it instead of a token field.
    await page.goto(`${cp.baseUrl}/console`);
    await expect(page.getByRole('link', { name: 'Sign in with single sign-on' })).toBeVisible();
    await expect(page.getByLabel('Staff token')).toHaveCount(0);
    await checkPage(page, 'console-sso-sign-in');

    // Support: lands on the console as support, and a write (issuing a license) carries the CSRF token.
    await signInWithSso(page, cp.baseUrl, 'Sam Rivera');
    await expect(page.getByRole('heading', { name: 'Tenants', level: 1 })).toBeVisible();
    const who = page.getByRole('navigation', { name: 'Console' });
    await expect(who).toContainText('Sam Rivera');
    await expect(who).toContainText('sam@atlas.example');
    await expect(who).toContainText('support · single sign-on');
    await expect(page.getByRole('link', { name: 'Sessions' })).toHaveCount(0);
    await checkPage(page, 'console-sso-tenants');
    await page.getByRole('link', { name: 'globex' }).click();
    await page.getByRole('button', { name: 'Issue license' }).click();
    await page.getByLabel('Max active uses').fill('25');
    await page.getByRole('button', { name: 'Issue and email' }).click();
    await expect(page.getByText(/License \w{8} issued/)).toBeVisible();
    await page.reload();
    await expect(page.getByRole('region', { name: 'Timeline' })).toContainText('oidc:sam@atlas.example');

    await page.getByRole('button', { name: 'Sign out' }).click();
    await expect(page.getByRole('link', { name: 'Sign in with single sign-on' })).toBeVisible();
    expect((await page.context().cookies()).map((cookie) => cookie.name)).not.toContain('__Host-la_session');

    // A viewer, in a second browser, reads but cannot issue.
    const viewerContext = await browser.newContext();
    const viewer = await viewerContext.newPage();
    await signInWithSso(viewer, cp.baseUrl, 'Vic Chen');
    await expect(viewer.getByRole('navigation', { name: 'Console' })).toContainText('viewer · single sign-on');
    await viewer.getByRole('link', { name: 'globex' }).click();
    await expect(viewer.getByRole('heading', { name: 'Globex Corporation' })).toBeVisible();
    await expect(viewer.getByRole('button', { name: 'Issue license' })).toHaveCount(0);

    // An admin (the IdP still remembers Sam in this browser: start clean) sees live sessions and ends the viewer's.
    await page.context().clearCookies();
    await signInWithSso(page, cp.baseUrl, 'Ada Lovelace');
    await page.getByRole('link', { name: 'Sessions' }).click();
    const sessions = page.getByRole('region', { name: 'Live sessions' });
    await expect(sessions).toContainText('Vic Chen');
    await expect(sessions.getByRole('row', { name: /Ada Lovelace/ })).toContainText('This session');
    await checkPage(page, 'console-sso-sessions');
    await sessions.getByRole('button', { name: 'End session of Vic Chen' }).click();
    await expect(page.getByText('Session of Vic Chen ended')).toBeVisible();
    await expect(sessions).not.toContainText('Vic Chen');

    // The viewer's next request is refused and the console says why.
    await viewer.getByRole('link', { name: 'Plans & prices' }).click();
    await expect(viewer.getByText('Your session has ended')).toBeVisible();
    await expect(viewer.getByRole('link', { name: 'Sign in with single sign-on' })).toBeVisible();
    await checkPage(viewer, 'console-sso-session-ended');
    await viewerContext.close();

    // Someone in no mapped group is turned away at the callback, with the reason.
    const outsiderContext = await browser.newContext();
    const outsider = await outsiderContext.newPage();
    await signInWithSso(outsider, cp.baseUrl, 'Nina Park');
    await expect(outsider).toHaveURL(/\/console\/\?auth_error=OIDC_NO_ROLE$/);
    await expect(outsider.getByRole('alert')).toContainText('Your account has no access to the console');
    await checkPage(outsider, 'console-sso-no-role');
    await outsiderContext.close();
  });
});
