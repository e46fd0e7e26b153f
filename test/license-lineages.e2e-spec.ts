import { DataSource } from 'typeorm';
import { claimsOf, phoneHome, tenantWithLicense } from './support/phone-home-fixtures.js';
import { startTestApp, type TestApp } from './support/test-app.js';

const HOUR = 3_600_000;

/** Installations (lineages) of one tenant: each renews on its own, support replaces and revokes one at a time. */
describe('license lineages: installations, replace and revoke (end to end)', () => {
  let cp: TestApp;
  let support: string;
  let viewer: string;

  beforeAll(async () => {
    cp = await startTestApp('lineages', { env: { PHONE_HOME_RATE_LIMIT_PER_LICENSE: '1000', PHONE_HOME_RATE_LIMIT_PER_ADDRESS: '100000' } });
    support = await cp.token('support');
    viewer = await cp.token('viewer');
  });

  afterAll(() => cp.destroy());

  const issue = (body: Record<string, unknown>) => cp.http('POST', '/api/v1/licenses', { token: support, body });
  const license = async (id: string) => (await cp.http('GET', `/api/v1/licenses/${id}`, { token: viewer })).body;

  it('renews three installations of one tenant independently for 10 days, each labelled by its environment', async () => {
    await tenantWithLicense(cp, support, { id: 'trio' });
    const installations: Record<string, string> = {};
    for (const environment of ['dev', 'staging', 'prod']) {
      const issued = await issue({ tenant_id: 'trio', environment });
      expect(issued).toMatchObject({ status: 201, body: { license: { environment, is_head: true, plan_source: 'subscription' } } });
      installations[environment] = issued.body.token;
    }
    for (let day = 1; day <= 10; day++) {
      cp.clock.advanceDays(1);
      for (const [environment, token] of Object.entries(installations)) {
        const reply = await phoneHome(cp, token, { fingerprint: `trio-${environment}` });
        expect([day, environment, reply.status]).toEqual([day, environment, 200]);
        installations[environment] = reply.body.license;
      }
    }
    const prod = await cp.http('GET', '/api/v1/licenses?tenant_id=trio&environment=prod&status=active', { token: viewer });
    expect(prod.body.items).toEqual([expect.objectContaining({ environment: 'prod', is_head: true, issued_by: 'phone-home' })]);
    const lineage = await cp.http('GET', `/api/v1/licenses?lineage_id=${prod.body.items[0].lineage_id}&limit=500`, { token: viewer });
    expect(lineage.body.items).toHaveLength(11);
    expect(lineage.body.items.filter((item: { is_head: boolean }) => item.is_head)).toHaveLength(1);
    const bad = await cp.http('GET', '/api/v1/licenses?environment=Prod!', { token: viewer });
    expect(bad).toMatchObject({ status: 400, body: { error: { details: [{ field: 'environment' }] } } });
  });

  it('hands a replacement to the installation at its next phone-home, whatever token of the lineage it presents', async () => {
    const first = await tenantWithLicense(cp, support, { id: 'reissue-co' });
    cp.clock.advance(HOUR);
    const renewed = (await phoneHome(cp, first, { fingerprint: 'reissue-node' })).body.license;
    const other = await issue({ tenant_id: 'reissue-co', environment: 'staging' });

    const replacement = await issue({ tenant_id: 'reissue-co', replaces: claimsOf(first).jti, max_active_uses: 40 });
    expect(replacement.status).toBe(201);
    const head = replacement.body.license;
    expect(head).toMatchObject({ lineage_id: claimsOf(first).jti, is_head: true, replaces: claimsOf(renewed).jti });
    expect(await license(claimsOf(renewed).jti)).toMatchObject({ status: 'superseded', is_head: false });
    expect(await license(other.body.license.id)).toMatchObject({ status: 'active', is_head: true });

    // The plane never installed the replacement: its first token (after a restart) brings it home.
    cp.clock.advance(HOUR);
    const reply = await phoneHome(cp, first, { fingerprint: 'reissue-node' });
    expect(reply.status).toBe(200);
    expect(claimsOf(reply.body.license)).toMatchObject({ renewed_from: head.id, max_active_uses: 40 });
    expect((await phoneHome(cp, other.body.token, { fingerprint: 'reissue-staging' })).status).toBe(200);

    // Revoking any license of the lineage revokes the installation: none of its tokens renews again.
    const revoked = await cp.http('POST', `/api/v1/licenses/${head.id}/revoke`, { token: support, body: { reason: 'moved to a new contract' } });
    expect(revoked).toMatchObject({ status: 200, body: { status: 'revoked' } });
    for (const token of [first, renewed, replacement.body.token, reply.body.license]) {
      expect(await phoneHome(cp, token, { fingerprint: 'reissue-node' })).toMatchObject({ status: 403, body: { error: { code: 'LICENSE_REVOKED' } } });
    }
    const rows = await cp.app.get(DataSource).query(`SELECT DISTINCT status FROM licenses WHERE lineage_id = $1`, [head.lineage_id]);
    expect(rows).toEqual([{ status: 'revoked' }]);
    expect(await issue({ tenant_id: 'reissue-co', replaces: head.id })).toMatchObject({ status: 409, body: { error: { code: 'LINEAGE_REVOKED' } } });
    expect((await phoneHome(cp, other.body.token, { fingerprint: 'reissue-staging' })).status).toBe(200);
  });

  it('refuses to replace a license of another tenant, and keeps on-prem replacement as bookkeeping', async () => {
    const foreign = await tenantWithLicense(cp, support, { id: 'foreign-co' });
    const onPrem = await tenantWithLicense(cp, support, { id: 'airgap-co', mode: 'on_prem' });
    const refused = await issue({ tenant_id: 'airgap-co', replaces: claimsOf(foreign).jti });
    expect(refused).toMatchObject({ status: 400, body: { error: { code: 'VALIDATION_FAILED', details: [{ field: 'replaces' }] } } });
    const replaced = await issue({ tenant_id: 'airgap-co', replaces: claimsOf(onPrem).jti, validity_days: 730 });
    expect(replaced).toMatchObject({ status: 201, body: { license: { deployment_mode: 'on_prem', lineage_id: claimsOf(onPrem).jti, is_head: true } } });
    // The old one is superseded, so the expiry reminders (which follow active licenses) stop for it.
    expect(await license(claimsOf(onPrem).jti)).toMatchObject({ status: 'superseded', is_head: false });
  });

  it('refuses a byoc license for an on_prem tenant', async () => {
    await tenantWithLicense(cp, support, { id: 'offline-co', mode: 'on_prem' });
    const refused = await issue({ tenant_id: 'offline-co', deployment_mode: 'byoc' });
    expect(refused).toMatchObject({ status: 409, body: { error: { code: 'DEPLOYMENT_MODE_MISMATCH' } } });
    expect(refused.body.error.message).toContain('on_prem');
  });

  it('keeps a pinned plan at renewal, and lets an unpinned one follow the subscription', async () => {
    await tenantWithLicense(cp, support, { id: 'pinned-co', plan: 'operations' });
    const pinned = await issue({ tenant_id: 'pinned-co', plan_id: 'enterprise', addons: ['premium_support'] });
    expect(pinned.body.license).toMatchObject({ plan_id: 'enterprise', plan_source: 'pinned' });
    const following = await issue({ tenant_id: 'pinned-co' });
    expect(following.body.license).toMatchObject({ plan_id: 'operations', plan_source: 'subscription' });
    await cp.http('PATCH', '/api/v1/tenants/pinned-co/subscription', { token: support, body: { plan_id: 'core', addons: [] } });
    cp.clock.advance(HOUR);
    const keptPlan = await phoneHome(cp, pinned.body.token, { fingerprint: 'pinned-node' });
    expect(claimsOf(keptPlan.body.license)).toMatchObject({ plan_id: 'enterprise', addons: ['premium_support'] });
    expect(await license(claimsOf(keptPlan.body.license).jti)).toMatchObject({ plan_source: 'pinned' });
    const followed = await phoneHome(cp, following.body.token, { fingerprint: 'following-node' });
    expect(claimsOf(followed.body.license)).toMatchObject({ plan_id: 'core' });
  });
});
