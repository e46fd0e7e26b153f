import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TenantEntitlements } from '@atlasai/tenant-sdk';
import { BillingSweeper } from '../apps/control-plane/src/billing/billing-sweeper.cron.js';
import { billingEnv, createTenant, DAY_MS, mapPrices, PRICES } from './support/billing-fixtures.js';
import { startExpressPlane, startNestPlane, type EntitlementPlane, type PlaneSource } from './support/entitlement-planes.js';
import { FakeStripe } from './support/fake-stripe.js';
import { installPackedSdk, type PackedSdk } from './support/packed-sdk.js';
import { memoryLogger } from './support/tenant-sdk-fixtures.js';
import { httpCall } from './support/http-call.js';
import { startTestApp, type TestApp } from './support/test-app.js';

/** How long a change may take to reach a plane over the stream (the issue's bound); polled, not timed. */
const PUSH_BOUND_MS = 5_000;

/** Polls `probe` until `accept` holds or `boundMs` passes; returns the last value either way, for the assertion to show. */
async function eventually<T>(probe: () => Promise<T>, accept: (value: T) => boolean, boundMs = PUSH_BOUND_MS): Promise<T> {
  const deadline = Date.now() + boundMs;
  for (;;) {
    const value = await probe();
    if (accept(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const call = async (plane: EntitlementPlane, method: string, path: string) => {
  const response = await httpCall(plane.baseUrl, method, path);
  return { status: response.status, code: response.body?.code as string | undefined, body: response.body };
};

describe('module, limit and subscription enforcement with the packed SDK against the real control plane', () => {
  let packed: PackedSdk;
  let stripe: FakeStripe;
  let cp: TestApp;
  let support: string;
  let work: string;
  const planes: EntitlementPlane[] = [];
  const clients: TenantEntitlements[] = [];

  beforeAll(async () => {
    packed = await installPackedSdk();
    stripe = await FakeStripe.start();
    cp = await startTestApp('sdk_entitlements', { env: billingEnv(stripe) });
    support = await cp.token('support');
    await mapPrices(cp, support);
    work = mkdtempSync(join(tmpdir(), 'sdk-entitlements-'));
  }, 180_000);

  afterAll(async () => {
    for (const client of clients) client.stop();
    for (const plane of planes) await plane.close();
    await cp.destroy();
    await stripe.close();
    rmSync(work, { recursive: true, force: true });
    packed.remove();
  });

  describe('from a license (on-prem and BYOC planes)', () => {
    let token: string;

    beforeAll(async () => {
      // A small plan: two users, no automation module.
      const plan = await cp.http('POST', '/api/v1/plans', {
        token: support,
        body: { id: 'starter', name: 'Starter', limits: { users: 2, data_volume_gb: 10, ai_credits: 100, retention_days: 30 }, modules: ['itsm'] },
      });
      expect(plan.status).toBe(201);
      await createTenant(cp, support, 'initech', 'byoc');
      expect(
        (await cp.http('PUT', '/api/v1/tenants/initech/subscription', { token: support, body: { plan_id: 'starter', billing_interval: 'annual' } })).status,
      ).toBe(200);
      const issued = await cp.http('POST', '/api/v1/licenses', { token: support, body: { tenant_id: 'initech', deployment_mode: 'on_prem' } });
      expect(issued.status).toBe(201);
      token = issued.body.token;
    });

    async function licensed() {
      const { license } = await packed.sdk.createTenantLicensing({
        tpVersion: '1.3.0',
        env: { ATLASAI_LICENSE_KEY: token, CP_LICENSE_PUBLIC_KEY: (await cp.http('GET', '/api/v1/public-key')).text, LICENSE_ISSUER: 'https://cp.test.local' },
        logger: memoryLogger(),
        upgradeUrl: 'https://portal.example/upgrade',
      });
      return license;
    }

    it('answers limit() and checkLimit() from the claims, and keeps describe() in the seed shape beside details()', async () => {
      const license = await licensed();
      expect(license.limit('users')).toBe(2);
      expect(license.checkLimit('users', 1)).toEqual({ allowed: true, limit: 2, current: 1 });
      expect(license.checkLimit('users', 2)).toEqual({ allowed: false, limit: 2, current: 2 });
      expect(license.hasModule('itsm')).toBe(true);
      expect(license.hasModule('automation')).toBe(false);
      expect(Object.keys(license.describe().license)).not.toContain('modules');
      expect(license.details().license).toMatchObject({ plan_id: 'starter', modules: ['itsm'], limits: { users: 2, data_volume_gb: 10 } });
    });

    it.each([
      ['Nest', startNestPlane],
      ['Express', startExpressPlane],
    ] as const)('a %s plane refuses a module outside the plan and the third user', async (_name, start) => {
      const plane = await start(packed, { kind: 'license', license: await licensed() } as PlaneSource);
      planes.push(plane);
      expect((await call(plane, 'GET', '/api/incidents')).status).toBe(200);
      const runs = await call(plane, 'GET', '/api/automation/runs');
      expect(runs).toMatchObject({
        status: 403,
        code: 'MODULE_NOT_LICENSED',
        body: { module: 'automation', plan_name: 'Starter', upgrade_url: 'https://portal.example/upgrade' },
      });
      expect(runs.body.message).toContain('https://portal.example/upgrade');
      expect((await call(plane, 'POST', '/api/users')).status).toBe(201);
      expect((await call(plane, 'POST', '/api/users')).status).toBe(201);
      expect(await call(plane, 'POST', '/api/users')).toMatchObject({
        status: 403,
        code: 'LIMIT_EXCEEDED',
        body: { limit_name: 'users', limit: 2, current: 2, plan_name: 'Starter' },
      });
    });
  });

  describe('from the control plane (a SaaS plane with a service token), across two replicas', () => {
    const tenant = 'hooli';
    const subscriptionId = 'sub_hooliSaas';
    let replica: TestApp;
    let entitlements: TenantEntitlements;
    let plane: EntitlementPlane;
    let customer: string;
    let failedAt: Date;
    const stateFile = () => join(work, 'hooli-entitlements.json');
    const logger = memoryLogger();

    beforeAll(async () => {
      await createTenant(cp, support, tenant, 'saas');
      customer = 'cus_hooliSaas';
      const start = cp.clock.now();
      const subscription = {
        id: subscriptionId,
        customer,
        status: 'active',
        prices: [PRICES.core.monthly],
        periodStart: start,
        periodEnd: new Date(start.getTime() + 30 * DAY_MS),
      };
      expect((await stripe.completeCheckout(cp, subscription, tenant, 'cs_hooli')).response.body.outcome).toBe('processed');
      // A second replica on the same database: the plane follows this one, the webhooks land on the first.
      replica = await startTestApp('sdk_entitlements_b', { env: billingEnv(stripe), database: cp.database, clock: cp.clock });
      entitlements = await packed.sdk.createTenantEntitlements({
        cpUrl: replica.baseUrl,
        serviceToken: await cp.token('service', tenant),
        tenantId: tenant,
        stateFile: stateFile(),
        // Only the stream can meet the bound: the poll is an hour away.
        pollIntervalMs: 3_600_000,
        backoffBaseMs: 200,
        maxBackoffMs: 1_000,
        logger,
      });
      clients.push(entitlements);
      plane = await startNestPlane(packed, { kind: 'entitlements', entitlements });
      planes.push(plane);
    }, 60_000);

    afterAll(async () => {
      await replica.close().catch(() => undefined);
    });

    async function deliver(type: string, object: Record<string, unknown>) {
      const response = await stripe.deliver(cp, stripe.event(type, object, cp.clock.now()));
      expect([type, response.status, response.body.outcome]).toEqual([type, 200, 'processed']);
    }

    it('starts with full access, the plan modules and limits from the entitlements', async () => {
      const state = await eventually(
        async () => entitlements.state(),
        (current) => current.stream_connected,
      );
      expect(state).toMatchObject({ known: true, stream_connected: true, last_error: null, entitlements: { access: 'full', plan_id: 'core' } });
      expect(entitlements.limit('users')).toBe(25);
      expect((await call(plane, 'POST', '/api/users')).status).toBe(201);
      expect(await call(plane, 'GET', '/api/automation/runs')).toMatchObject({ status: 403, code: 'MODULE_NOT_LICENSED', body: { plan_name: 'Core' } });
    });

    it('goes read-only within 5 s of invoice.payment_failed delivered to the other replica', async () => {
      cp.clock.advanceDays(3);
      failedAt = cp.clock.now();
      stripe.setStatus(subscriptionId, 'past_due');
      await deliver('invoice.payment_failed', stripe.invoice(subscriptionId, customer));
      const write = await eventually(
        () => call(plane, 'POST', '/api/users'),
        (response) => response.status === 403,
      );
      const graceEnd = new Date(failedAt.getTime() + 7 * DAY_MS).toISOString();
      expect(write).toMatchObject({
        status: 403,
        code: 'SUBSCRIPTION_PAST_DUE',
        body: { grace_ends_at: graceEnd, portal_url: 'https://portal.atlastechlab.test/billing' },
      });
      expect((await call(plane, 'GET', '/api/incidents')).status).toBe(200);
    });

    it('is blocked once the sweeper suspends it, health excepted', async () => {
      cp.clock.set(new Date(failedAt.getTime() + 7 * DAY_MS + 60_000));
      expect(await cp.app.get(BillingSweeper).sweep()).toMatchObject({ suspended: 1 });
      const read = await eventually(
        () => call(plane, 'GET', '/api/incidents'),
        (response) => response.status === 403,
      );
      expect(read).toMatchObject({ status: 403, code: 'SUBSCRIPTION_SUSPENDED', body: { portal_url: 'https://portal.atlastechlab.test/billing' } });
      expect((await call(plane, 'GET', '/api/health')).status).toBe(200);
    });

    it('is fully open again within 5 s of invoice.paid', async () => {
      cp.clock.advanceDays(1);
      stripe.setStatus(subscriptionId, 'active');
      await deliver('invoice.paid', stripe.invoice(subscriptionId, customer, { status: 'paid' }));
      const write = await eventually(
        () => call(plane, 'POST', '/api/users'),
        (response) => response.status === 201,
      );
      expect(write.status).toBe(201);
      expect(JSON.parse(readFileSync(stateFile(), 'utf8'))).toMatchObject({ entitlements: { access: 'full', subscription_status: 'active' } });
    });

    it('keeps its last state when the control plane is gone, says how stale it is, and restarts from the state file', async () => {
      await replica.close();
      const state = await eventually(
        async () => entitlements.state(),
        (current) => !current.stream_connected && current.last_error !== null,
      );
      expect(state).toMatchObject({ known: true, stream_connected: false, entitlements: { access: 'full' } });
      expect(state.last_error).toMatch(/stream/);
      expect(logger.lines.some((line) => line.startsWith('[entitlements] Control plane unreachable'))).toBe(true);
      expect((await call(plane, 'POST', '/api/users')).status).toBe(201);

      // A plane restarted during the outage starts from the file, not blocked.
      const restarted = await packed.sdk.createTenantEntitlements({
        cpUrl: replica.baseUrl,
        serviceToken: 'la_unused',
        tenantId: tenant,
        stateFile: stateFile(),
        stream: false,
        logger: memoryLogger(),
      });
      clients.push(restarted);
      expect(restarted.state()).toMatchObject({ known: true, entitlements: { access: 'full' }, last_error: expect.any(String) });
      expect(restarted.state().stale_seconds).toBeGreaterThanOrEqual(0);
      const express = await startExpressPlane(packed, { kind: 'entitlements', entitlements: restarted });
      planes.push(express);
      expect((await call(express, 'POST', '/api/users')).status).toBe(201);
    });
  });
});
