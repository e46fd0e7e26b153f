import { DataSource } from 'typeorm';
import { machineFingerprint } from '@atlasai/tenant-sdk';
import { createTenant } from './support/billing-fixtures.js';
import { runCli } from './support/cli.js';
import { dropRedisPrefix, fastNotifications, redisPrefix, TEST_REDIS_URL } from './support/notification-env.js';
import { installPackedSdk, type PackedSdk } from './support/packed-sdk.js';
import { SmtpSink, type ReceivedMail } from './support/smtp-sink.js';
import { startTestApp, type TestApp } from './support/test-app.js';

const DAY_MS = 86_400_000;
const PROD_MACHINE = 'initech-prod-cluster';
const lockingCode = (machineId: string) => machineFingerprint({ ATLASAI_MACHINE_ID: machineId }).fingerprint;

/**
 * Seeds 000 and 004: a customer asks for a license with their machine's locking code, support
 * approves or declines it, the customer receives the license and their tenant plane loads it.
 */
describe('license requests (end to end)', () => {
  const prefix = redisPrefix('license-req');
  let smtp: SmtpSink;
  let cp: TestApp;
  let sdk: PackedSdk;
  let support: string;
  let viewer: string;
  let customer: string;

  beforeAll(async () => {
    smtp = await SmtpSink.start();
    [cp, sdk] = await Promise.all([
      startTestApp('license_requests', {
        env: {
          ...fastNotifications(smtp.url, { REDIS_URL: TEST_REDIS_URL, REDIS_KEY_PREFIX: prefix }),
          CONSOLE_URL: 'https://cp.atlastechlab.test/console',
          BILLING_SWEEP_INTERVAL_MS: '86400000',
          NOTIFICATION_SWEEP_INTERVAL_MS: '86400000',
        },
      }),
      installPackedSdk(),
    ]);
    support = await cp.token('support');
    viewer = await cp.token('viewer');
    await createTenant(cp, support, 'initech', 'on_prem' as 'byoc');
    await createTenant(cp, support, 'globex', 'byoc');
    for (const tenant of ['initech', 'globex']) {
      const subscription = await cp.http('PUT', `/api/v1/tenants/${tenant}/subscription`, {
        token: support,
        body: { plan_id: 'operations', billing_interval: 'annual', addons: ['automation_pro'] },
      });
      expect(subscription.status).toBe(200);
    }
    customer = await customerSession('initech');
  }, 180_000);

  afterAll(async () => {
    await cp.destroy();
    await smtp.close();
    await dropRedisPrefix(prefix);
    sdk.remove();
  });

  async function customerSession(tenant: string): Promise<string> {
    const link = await cp.http('POST', `/api/v1/tenants/${tenant}/login-links`, { token: support });
    const token = new URL(link.body.url).hash.replace('#login_token=', '');
    const session = await cp.http('POST', '/api/v1/billing/login-links/redeem', { body: { token } });
    return session.body.session_token as string;
  }

  const ask = (body: Record<string, unknown>, token = customer) => cp.http('POST', '/api/v1/license-requests', { token, body });
  const to = (address: string, stage: string) => (mail: ReceivedMail) => mail.envelope.to.includes(address) && mail.text.includes(stage);

  /** The packed SDK, in a fresh project, on a machine with this id: what GET /api/admin/license would say. */
  async function loadOnMachine(token: string, publicKeyPem: string, machineId: string) {
    const stdout = await sdk.runModule(
      'load.mjs',
      `import { createTenantLicensing } from '@atlasai/tenant-sdk';
const { license } = await createTenantLicensing({ tpVersion: '4.2.0' });
console.log(JSON.stringify(license.status()));`,
      {
        ATLASAI_LICENSE_KEY: token,
        CP_LICENSE_PUBLIC_KEY: publicKeyPem,
        ATLASAI_MACHINE_ID: machineId,
        ATLASAI_OFFLINE_MODE: '1',
        LICENSE_ISSUER: 'https://cp.test.local',
      },
    );
    return JSON.parse(stdout.trim().split('\n').at(-1)!) as { status: string; valid: boolean; reason?: string };
  }

  it('walks a new on-prem license from the customer’s request to a tenant plane that loads it on that machine only', async () => {
    const created = await ask({
      tenant_id: 'initech',
      kind: 'new',
      deployment_mode: 'on_prem',
      environment: 'prod',
      fingerprint: lockingCode(PROD_MACHINE).toUpperCase(),
      note: 'Production cluster in Frankfurt',
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      tenant_id: 'initech',
      kind: 'new',
      status: 'open',
      environment: 'prod',
      fingerprint: lockingCode(PROD_MACHINE),
      plan_id: 'operations',
      addons: ['automation_pro'],
      needs_plan_change: false,
      requested_by: expect.stringMatching(/^login_link:/),
    });

    const [alert] = await smtp.waitFor(1, to('support@atlastechlab.test', created.body.id));
    expect(alert!.subject).toBe('[support] INITECH requests a new license (prod)');
    expect(alert!.text).toContain(`https://cp.atlastechlab.test/console/requests/${created.body.id}`);
    expect(alert!.text).toContain(`Machine locking code: ${lockingCode(PROD_MACHINE)}`);
    expect(alert!.text).toContain('Note from the customer: Production cluster in Frankfurt');

    const queue = await cp.http('GET', '/api/v1/license-requests?status=open', { token: viewer });
    expect(queue.status).toBe(200);
    expect(queue.body.items.map((item: { id: string }) => item.id)).toEqual([created.body.id]);
    expect(queue.body.counts).toEqual({ open: 1, approved: 0, declined: 0, canceled: 0 });

    const approved = await cp.http('POST', `/api/v1/license-requests/${created.body.id}/approve`, { token: support, body: { validity_days: 365 } });
    expect(approved.status).toBe(200);
    expect(approved.body.request).toMatchObject({ status: 'approved', license_id: approved.body.license.id, decided_by: 'token:test-support' });
    expect(approved.body.license.claims).toMatchObject({ tenant_id: 'initech', deployment_mode: 'on_prem', fingerprint: lockingCode(PROD_MACHINE) });

    const [issued] = await smtp.waitFor(1, (mail) => mail.envelope.to.includes('billing@initech.example') && mail.subject.startsWith('Your AtlasAI license'));
    const token = issued!.attachments.find((file) => file.filename === 'license.jwt')!.content;
    const publicKey = issued!.attachments.find((file) => file.filename === 'license-public-key.pem')!.content;
    expect(token).toBe(approved.body.token);

    expect(await loadOnMachine(token, publicKey, PROD_MACHINE)).toMatchObject({ status: 'active', valid: true });
    expect(await loadOnMachine(token, publicKey, 'someone-elses-server')).toMatchObject({ valid: false, reason: 'FINGERPRINT_MISMATCH' });

    const seen = await cp.http('GET', `/api/v1/license-requests/${created.body.id}`, { token: customer });
    expect(seen.body).toMatchObject({ status: 'approved', license_id: approved.body.license.id });
    const audit = await cp.http('GET', `/api/v1/audit-events?target_id=${created.body.id}`, { token: viewer });
    expect(audit.body.items.map((event: { action: string }) => event.action).sort()).toEqual(['license_request.approved', 'license_request.created']);
  }, 120_000);

  it('allows one open request per tenant, kind and environment, naming the open one', async () => {
    const first = await ask({ tenant_id: 'initech', kind: 'new', environment: 'staging' });
    expect(first.status).toBe(201);
    const second = await ask({ tenant_id: 'initech', kind: 'new', environment: 'staging', note: 'again' });
    expect([second.status, second.body.error.code, second.body.error.details]).toEqual([409, 'LICENSE_REQUEST_EXISTS', { request_id: first.body.id }]);
    const racing = await Promise.all([1, 2, 3].map(() => ask({ tenant_id: 'initech', kind: 'new', environment: 'dev' })));
    expect(racing.map((response) => response.status).sort()).toEqual([201, 409, 409]);

    const canceled = await cp.http('POST', `/api/v1/license-requests/${first.body.id}/cancel`, { token: customer });
    expect(canceled.body).toMatchObject({ status: 'canceled', decided_by: expect.stringMatching(/^login_link:/) });
    const again = await cp.http('POST', `/api/v1/license-requests/${first.body.id}/cancel`, { token: customer });
    expect([again.status, again.body.error.code]).toEqual([409, 'LICENSE_REQUEST_NOT_OPEN']);
    expect((await ask({ tenant_id: 'initech', kind: 'new', environment: 'staging' })).status).toBe(201);
  });

  it('declines with a reason the customer reads in the API and by email', async () => {
    const upgrade = await ask({ tenant_id: 'initech', kind: 'upgrade', plan_id: 'enterprise', note: 'We need the edge module' });
    expect(upgrade.body).toMatchObject({ status: 'open', plan_id: 'enterprise', needs_plan_change: true });
    const early = await cp.http('POST', `/api/v1/license-requests/${upgrade.body.id}/approve`, { token: support, body: {} });
    expect([early.status, early.body.error.code]).toEqual([409, 'PLAN_CHANGE_REQUIRED']);

    const declined = await cp.http('POST', `/api/v1/license-requests/${upgrade.body.id}/decline`, {
      token: support,
      body: { reason: 'Enterprise needs a signed order form; your account manager will call.' },
    });
    expect(declined.body).toMatchObject({ status: 'declined', decision_reason: 'Enterprise needs a signed order form; your account manager will call.' });
    const [mail] = await smtp.waitFor(1, to('billing@initech.example', upgrade.body.id));
    expect(mail!.subject).toBe('INITECH: your license request was declined');
    expect(mail!.text).toContain('The reason: Enterprise needs a signed order form; your account manager will call.');
    const seen = await cp.http('GET', `/api/v1/license-requests?status=declined`, { token: customer });
    expect(seen.body.items).toEqual([expect.objectContaining({ id: upgrade.body.id, decision_reason: expect.stringContaining('order form') })]);
  });

  it('takes a renewal of an on-prem license from 30 days before its expiry, and the approval issues its successor', async () => {
    const issued = await cp.http('POST', '/api/v1/licenses', {
      token: support,
      body: { tenant_id: 'initech', deployment_mode: 'on_prem', validity_days: 365 },
    });
    const licenseId = issued.body.license.id as string;
    const tooEarly = await ask({ tenant_id: 'initech', kind: 'renewal', replaces_license_id: licenseId });
    expect([tooEarly.status, tooEarly.body.error.code]).toEqual([409, 'RENEWAL_TOO_EARLY']);

    cp.clock.advanceDays(345); // 20 days before expiry; the billing session of an hour ago has expired
    customer = await customerSession('initech');
    const renewal = await ask({ tenant_id: 'initech', kind: 'renewal', replaces_license_id: licenseId, environment: 'prod' });
    expect(renewal.status).toBe(201);
    expect(renewal.body).toMatchObject({ kind: 'renewal', deployment_mode: 'on_prem', replaces_license_id: licenseId });
    const approved = await cp.http('POST', `/api/v1/license-requests/${renewal.body.id}/approve`, { token: support, body: {} });
    expect(approved.status).toBe(200);
    expect(new Date(approved.body.license.expires_at).getTime()).toBeGreaterThan(new Date(issued.body.license.expires_at).getTime() + 300 * DAY_MS);
    expect(approved.body.license).toMatchObject({ lineage_id: issued.body.license.lineage_id, environment: 'prod' });
    const old = await cp.http('GET', `/api/v1/licenses/${licenseId}`, { token: viewer });
    expect(old.body.status).toBe('superseded');
  });

  it('refuses bad input with clear 4xx codes and keeps customers to their own tenant', async () => {
    const badCode = await ask({ tenant_id: 'initech', kind: 'new', environment: 'lab', fingerprint: 'not-a-locking-code' });
    expect([badCode.status, badCode.body.error.code, badCode.body.error.details[0].field]).toEqual([400, 'VALIDATION_FAILED', 'fingerprint']);
    const otherPlan = await ask({ tenant_id: 'initech', kind: 'new', environment: 'lab', plan_id: 'core' });
    expect([otherPlan.status, otherPlan.body.error.code]).toEqual([409, 'PLAN_NOT_IN_SUBSCRIPTION']);
    const addon = await ask({ tenant_id: 'initech', kind: 'new', environment: 'lab', addons: ['premium_support'] });
    expect([addon.status, addon.body.error.code]).toEqual([400, 'UNKNOWN_ADDON']);
    const unknownTenant = await ask({ tenant_id: 'hooli', kind: 'new' }, support);
    expect([unknownTenant.status, unknownTenant.body.error.code]).toEqual([404, 'TENANT_NOT_FOUND']);
    const otherTenant = await ask({ tenant_id: 'globex', kind: 'new' });
    expect([otherTenant.status, otherTenant.body.error.code]).toEqual([403, 'FORBIDDEN']);
    const byocRenewal = await cp.http('POST', '/api/v1/licenses', { token: support, body: { tenant_id: 'globex' } });
    const foreign = await ask({ tenant_id: 'initech', kind: 'replacement', replaces_license_id: byocRenewal.body.license.id });
    expect([foreign.status, foreign.body.error.code]).toEqual([404, 'LICENSE_NOT_FOUND']);
    const replacementWithout = await ask({ tenant_id: 'initech', kind: 'replacement' });
    expect([replacementWithout.status, replacementWithout.body.error.details[0].field]).toEqual([400, 'replaces_license_id']);

    const globexOwn = await ask({ tenant_id: 'globex', kind: 'new', environment: 'prod' }, support);
    const peek = await cp.http('GET', `/api/v1/license-requests/${globexOwn.body.id}`, { token: customer });
    expect([peek.status, peek.body.error.code]).toEqual([404, 'LICENSE_REQUEST_NOT_FOUND']);
    const peekList = await cp.http('GET', '/api/v1/license-requests?tenant_id=globex', { token: customer });
    expect([peekList.status, peekList.body.error.code]).toEqual([403, 'FORBIDDEN']);
    const approveAsCustomer = await cp.http('POST', `/api/v1/license-requests/${globexOwn.body.id}/approve`, { token: customer, body: {} });
    expect(approveAsCustomer.status).toBe(401);
    const approveAsViewer = await cp.http('POST', `/api/v1/license-requests/${globexOwn.body.id}/approve`, { token: viewer, body: {} });
    expect([approveAsViewer.status, approveAsViewer.body.error.code]).toEqual([403, 'FORBIDDEN']);
    const declineWithoutReason = await cp.http('POST', `/api/v1/license-requests/${globexOwn.body.id}/decline`, { token: support, body: { reason: '' } });
    expect([declineWithoutReason.status, declineWithoutReason.body.error.details[0].field]).toEqual([400, 'reason']);
    const badCursor = await cp.http('GET', '/api/v1/license-requests?cursor=eyJub3QiOiJ5b3VycyJ9', { token: viewer });
    expect([badCursor.status, badCursor.body.error.code]).toEqual([400, 'VALIDATION_FAILED']);

    const before = await cp.app.get(DataSource).query('SELECT count(*)::int AS n FROM license_requests');
    await cp.http('PATCH', '/api/v1/tenants/globex/subscription', { token: support, body: { status: 'canceled' } });
    const canceled = await ask({ tenant_id: 'globex', kind: 'new', environment: 'dev' }, support);
    expect([canceled.status, canceled.body.error.code, canceled.body.error.details]).toEqual([
      409,
      'SUBSCRIPTION_INACTIVE',
      { subscription_status: 'canceled' },
    ]);
    expect(await cp.app.get(DataSource).query('SELECT count(*)::int AS n FROM license_requests')).toEqual(before);
  });

  it('pages the queue oldest first with a cursor', async () => {
    const first = await cp.http('GET', '/api/v1/license-requests?limit=2', { token: viewer });
    const second = await cp.http('GET', `/api/v1/license-requests?limit=2&cursor=${first.body.next_cursor}`, { token: viewer });
    const all = await cp.http('GET', '/api/v1/license-requests?limit=200', { token: viewer });
    expect([...first.body.items, ...second.body.items].map((item: { id: string }) => item.id)).toEqual(
      all.body.items.slice(0, 4).map((item: { id: string }) => item.id),
    );
    const created = all.body.items.map((item: { created_at: string }) => item.created_at);
    expect(created).toEqual([...created].sort());
  });

  it('pages newest first with order=newest, as a customer reads their own requests', async () => {
    const ids = (page: { body: { items: { id: string }[] } }) => page.body.items.map((item) => item.id);
    const all = await cp.http('GET', '/api/v1/license-requests?limit=200', { token: viewer });
    const first = await cp.http('GET', '/api/v1/license-requests?order=newest&limit=2', { token: viewer });
    const second = await cp.http('GET', `/api/v1/license-requests?order=newest&limit=2&cursor=${first.body.next_cursor}`, { token: viewer });
    expect([...ids(first), ...ids(second)]).toEqual(ids(all).reverse().slice(0, 4));
    const bad = await cp.http('GET', '/api/v1/license-requests?order=latest', { token: viewer });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details).toEqual([expect.objectContaining({ field: 'order' })]);
  });

  it('files a request from the CLI for support, and names the option that is wrong', async () => {
    const env = { DATABASE_URL: cp.database.url, CP_LICENSE_PRIVATE_KEY: cp.config.CP_LICENSE_PRIVATE_KEY!, NODE_ENV: 'test' };
    const badCode = await runCli(['requests', 'create', '--tenant', 'initech', '--kind', 'new', '--fingerprint', 'not-a-code'], env);
    expect(badCode).toMatchObject({ code: 2, stderr: expect.stringContaining('--fingerprint') });
    const badKind = await runCli(['requests', 'create', '--tenant', 'initech', '--kind', 'sideways'], env);
    expect(badKind).toMatchObject({ code: 2, stderr: expect.stringContaining('--kind') });
    const filed = await runCli(['requests', 'create', '--tenant', 'initech', '--kind', 'new', '--environment', 'cli-filed', '--note', 'asked by phone'], env);
    expect(filed).toMatchObject({ code: 0 });
    expect(JSON.parse(filed.stdout)).toMatchObject({ tenant_id: 'initech', kind: 'new', status: 'open', environment: 'cli-filed' });
  }, 120_000);
});
