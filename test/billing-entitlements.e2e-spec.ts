import { startTestApp, type TestApp } from './support/test-app.js';

/** GET /api/v1/tenants/:id/entitlements: what SaaS tenant planes poll, with a `service` token, an ETag and 304s. */
describe('entitlements (end to end)', () => {
  let cp: TestApp;
  let support: string;
  let service: string;

  beforeAll(async () => {
    cp = await startTestApp('billing-entitlements', { env: { NOTIFICATIONS_WORKER_IN_PROCESS: 'false', BILLING_SWEEP_INTERVAL_MS: '86400000' } });
    support = await cp.token('support');
    await cp.http('POST', '/api/v1/tenants', {
      token: support,
      body: { id: 'hooli', name: 'Hooli', contact_email: 'it@hooli.example', deployment_mode: 'saas' },
    });
    service = await cp.token('service', 'hooli');
  });

  afterAll(() => cp.destroy());

  const get = (headers: Record<string, string> = {}, token = service) => cp.http('GET', '/api/v1/tenants/hooli/entitlements', { token, headers });

  it('blocks a tenant without a subscription', async () => {
    const response = await get();
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      tenant_id: 'hooli',
      access: 'blocked',
      subscription_status: null,
      grace_ends_at: null,
      plan_id: null,
      plan_name: null,
      limits: null,
      modules: [],
      addons: [],
      ai_credits: null,
      portal_url: cp.config.PORTAL_URL,
    });
  });

  it('gives the plan, limits, modules, add-ons and AI credits of an active subscription', async () => {
    await cp.http('PUT', '/api/v1/tenants/hooli/subscription', {
      token: support,
      body: { plan_id: 'operations', billing_interval: 'annual', addons: ['edge_pack'] },
    });
    expect((await get()).body).toEqual({
      tenant_id: 'hooli',
      access: 'full',
      subscription_status: 'active',
      grace_ends_at: null,
      plan_id: 'operations',
      plan_name: 'Operations',
      limits: { users: 100, data_volume_gb: 500, ai_credits: 10000, retention_days: 365 },
      modules: ['itsm', 'compliance', 'automation'],
      addons: ['edge_pack'],
      ai_credits: 10000,
      portal_url: cp.config.PORTAL_URL,
    });
  });

  it('answers 304 to If-None-Match with the current ETag, and 200 with a new ETag once something changed', async () => {
    const first = await get();
    const etag = first.headers.get('etag')!;
    expect(etag).toMatch(/^"[A-Za-z0-9_-]{32}"$/);
    expect(first.headers.get('cache-control')).toBe('private, no-cache');
    const unchanged = await get({ 'if-none-match': etag });
    expect(unchanged.status).toBe(304);
    expect(unchanged.text).toBe('');
    expect(unchanged.headers.get('etag')).toBe(etag);

    await cp.http('PATCH', '/api/v1/tenants/hooli/subscription', { token: support, body: { status: 'past_due' } });
    const changed = await get({ 'if-none-match': etag });
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({ access: 'read_only', subscription_status: 'past_due', grace_ends_at: expect.any(String) });
    expect(changed.headers.get('etag')).not.toBe(etag);
  });

  it('is blocked once suspended or canceled', async () => {
    for (const status of ['suspended', 'canceled']) {
      await cp.http('PATCH', '/api/v1/tenants/hooli/subscription', { token: support, body: { status } });
      expect((await get()).body).toMatchObject({ access: 'blocked', subscription_status: status });
    }
  });

  it('lets viewers read it too, keeps service tokens out of everything else, and 404s an unknown tenant', async () => {
    expect((await get({}, await cp.token('viewer'))).status).toBe(200);
    const other = await cp.http('GET', '/api/v1/tenants/hooli', { token: service });
    expect([other.status, other.body.error.code]).toEqual([403, 'FORBIDDEN']);
    const missing = await cp.http('GET', '/api/v1/tenants/nobody/entitlements', { token: await cp.token('viewer') });
    expect([missing.status, missing.body.error.code]).toEqual([404, 'TENANT_NOT_FOUND']);
    expect((await cp.http('GET', '/api/v1/tenants/hooli/entitlements')).status).toBe(401);
  });

  it("keeps a service token to its own tenant's entitlements", async () => {
    await cp.http('POST', '/api/v1/tenants', {
      token: support,
      body: { id: 'initrode', name: 'Initrode', contact_email: 'it@initrode.example', deployment_mode: 'saas' },
    });
    const neighbour = await cp.http('GET', '/api/v1/tenants/initrode/entitlements', { token: service });
    expect(neighbour).toMatchObject({ status: 403, body: { error: { code: 'FORBIDDEN', message: expect.stringContaining('belongs to tenant "hooli"') } } });
    const unknown = await cp.http('GET', '/api/v1/tenants/nobody/entitlements', { token: service });
    expect(unknown.status).toBe(403);
    const own = await cp.http('GET', '/api/v1/tenants/initrode/entitlements', { token: await cp.token('service', 'initrode') });
    expect(own.status).toBe(200);
  });

  it('creates a service token only for an existing tenant, and staff tokens without one', async () => {
    const admin = await cp.token('admin');
    const create = (body: unknown) => cp.http('POST', '/api/v1/tokens', { token: admin, body });
    expect(await create({ name: 'saas-plane', role: 'service' })).toMatchObject({ status: 400, body: { error: { details: [{ field: 'tenant_id' }] } } });
    expect(await create({ name: 'staff', role: 'viewer', tenant_id: 'hooli' })).toMatchObject({
      status: 400,
      body: { error: { details: [{ field: 'tenant_id' }] } },
    });
    expect(await create({ name: 'saas-plane', role: 'service', tenant_id: 'nobody' })).toMatchObject({
      status: 404,
      body: { error: { code: 'TENANT_NOT_FOUND' } },
    });
    expect(await create({ name: 'saas-plane', role: 'service', tenant_id: 'hooli' })).toMatchObject({
      status: 201,
      body: { role: 'service', tenantId: 'hooli' },
    });
  });
});
