import { claimsOf, phoneHome, tenantWithLicense } from './support/phone-home-fixtures.js';
import { startTestApp, type TestApp } from './support/test-app.js';

const HOUR = 3_600_000;

/** GET /api/v1/silent-installations: the BYOC installations the phone_home_silent alert is about, as a list. */
describe('silent installations (end to end)', () => {
  let cp: TestApp;
  let support: string;
  let viewer: string;

  beforeAll(async () => {
    cp = await startTestApp('silent_installations');
    support = await cp.token('support');
    viewer = await cp.token('viewer');
  });

  afterAll(async () => {
    await cp.destroy();
  });

  const list = async (query = '') => {
    const response = await cp.http('GET', `/api/v1/silent-installations${query}`, { token: viewer });
    expect(response.status).toBe(200);
    return response.body as { silence_hours: number; next_cursor: string | null; items: Record<string, unknown>[] };
  };

  it('lists BYOC tenants not heard from for PHONE_HOME_SILENCE_HOURS, by tenant id, a page at a time', async () => {
    const quiet = await tenantWithLicense(cp, support, { id: 'silent-a' });
    const renewed = (await phoneHome(cp, quiet)).body.license as string;
    const never = await tenantWithLicense(cp, support, { id: 'silent-b' });
    await tenantWithLicense(cp, support, { id: 'silent-c-onprem', mode: 'on_prem' });
    const chatty = await tenantWithLicense(cp, support, { id: 'silent-d' });
    expect((await list()).items).toEqual([]);

    cp.clock.advance(73 * HOUR);
    await phoneHome(cp, chatty);
    const all = await list();
    expect(all).toMatchObject({ silence_hours: 72, next_cursor: null });
    expect(all.items).toEqual([
      expect.objectContaining({ tenant_id: 'silent-a', tenant_name: 'Tenant silent-a', license_id: claimsOf(renewed).jti, silent_hours: 73 }),
      expect.objectContaining({ tenant_id: 'silent-b', license_id: claimsOf(never).jti, last_phone_home_at: null, silent_hours: 73 }),
    ]);
    expect(typeof all.items[0].last_phone_home_at).toBe('string');

    const first = await list('?limit=1');
    expect(first.items.map((item) => item.tenant_id)).toEqual(['silent-a']);
    const second = await list(`?limit=1&cursor=${first.next_cursor}`);
    expect(second.items.map((item) => item.tenant_id)).toEqual(['silent-b']);
    expect((await list(`?limit=1&cursor=${second.next_cursor}`)).items).toEqual([]);
  });

  it('refuses a bad cursor and a caller without a token', async () => {
    expect((await cp.http('GET', '/api/v1/silent-installations?cursor=nope', { token: viewer })).status).toBe(400);
    expect((await cp.http('GET', '/api/v1/silent-installations')).status).toBe(401);
  });
});
