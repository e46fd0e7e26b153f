import { installPackedSdk, type PackedSdk } from './support/packed-sdk.js';
import { claimsOf, tenantWithLicense } from './support/phone-home-fixtures.js';
import { ISSUER, memoryLogger } from './support/tenant-sdk-fixtures.js';
import { startTestApp, type TestApp } from './support/test-app.js';

/**
 * The packed SDK against the real control plane, as the seed configures a BYOC tenant plane: the license
 * only in ATLASAI_LICENSE_KEY, no license file, so every restart presents the first token again.
 */
describe('BYOC renewal across restarts with the packed SDK (end to end)', () => {
  let cp: TestApp;
  let support: string;
  let viewer: string;
  let publicKeyPem: string;
  let packed: PackedSdk;

  beforeAll(async () => {
    packed = await installPackedSdk();
    cp = await startTestApp('sdk_renewal', { env: { PHONE_HOME_RATE_LIMIT_PER_LICENSE: '1000', PHONE_HOME_RATE_LIMIT_PER_ADDRESS: '100000' } });
    support = await cp.token('support');
    viewer = await cp.token('viewer');
    publicKeyPem = (await cp.http('GET', '/api/v1/public-key')).text;
  }, 400_000);

  afterAll(async () => {
    await cp.destroy();
    packed.remove();
  });

  /** One boot of a tenant plane: reads its environment, as a restarted process would. */
  const boot = (env: Record<string, string>) =>
    packed.sdk.createTenantLicensing({
      env: { CP_LICENSE_PUBLIC_KEY: publicKeyPem, ATLASAI_CP_URL: cp.baseUrl, LICENSE_ISSUER: ISSUER, ...env },
      tpVersion: '4.2.0',
      clock: cp.clock,
      logger: memoryLogger(),
    });

  it('keeps renewing an env-only plane that restarts every day for 30 days', async () => {
    const first = await tenantWithLicense(cp, support, { id: 'env-only' });
    for (let day = 1; day <= 30; day++) {
      cp.clock.advanceDays(1);
      const plane = await boot({ ATLASAI_LICENSE_KEY: first, ATLASAI_MACHINE_ID: 'env-only-prod' });
      expect(plane.license.token).toBe(first);
      const outcome = await plane.phoneHome!.phoneHome();
      expect([day, outcome.outcome]).toEqual([day, 'renewed']);
      const status = plane.license.status();
      expect(status).toMatchObject({ status: 'active', days_remaining: 365 });
    }
    const history = await cp.http('GET', '/api/v1/tenants/env-only/phone-homes?limit=100', { token: viewer });
    expect(history.body.items.map((call: { result: string }) => call.result)).toEqual(Array(30).fill('renewed'));
    const lineage = await cp.http('GET', `/api/v1/licenses?lineage_id=${claimsOf(first).jti}&status=active`, { token: viewer });
    expect(lineage.body.items).toEqual([expect.objectContaining({ is_head: true, issued_by: 'phone-home' })]);
  }, 300_000);

  it('refuses a copied token on a second machine and alerts support, while the first machine keeps renewing', async () => {
    const token = await tenantWithLicense(cp, support, { id: 'copied-co' });
    const original = await boot({ ATLASAI_LICENSE_KEY: token, ATLASAI_MACHINE_ID: 'copied-co-prod' });
    expect(await original.phoneHome!.phoneHome()).toMatchObject({ outcome: 'renewed' });
    cp.clock.advance(2 * 3_600_000);
    const copy = await boot({ ATLASAI_LICENSE_KEY: token, ATLASAI_MACHINE_ID: 'somewhere-else' });
    expect(await copy.phoneHome!.phoneHome()).toMatchObject({ outcome: 'refused', status: 403, code: 'CLONE_SUSPECTED' });
    expect(copy.license.status()).toMatchObject({ status: 'active' });
    const alerts = await cp.http('GET', '/api/v1/clone-alerts?tenant_id=copied-co', { token: viewer });
    expect(alerts.body.items).toEqual([expect.objectContaining({ reason: 'fingerprint_conflict', fingerprint: copy.fingerprint })]);
    for (let day = 1; day <= 3; day++) {
      cp.clock.advanceDays(1);
      expect(await original.phoneHome!.phoneHome()).toMatchObject({ outcome: 'renewed' });
      const restarted = await boot({ ATLASAI_LICENSE_KEY: token, ATLASAI_MACHINE_ID: 'copied-co-prod' });
      expect(await restarted.phoneHome!.phoneHome()).toMatchObject({ outcome: 'renewed' });
    }
  }, 120_000);
});
