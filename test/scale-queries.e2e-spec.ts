import { randomUUID } from 'node:crypto';
import pg from 'pg';
import type { LicenseClaims } from '@atlasai/license-core';
import { DataSource } from 'typeorm';
import { NotificationSchedules } from '../apps/control-plane/src/notifications/notification-schedules.cron.js';
import { PhoneHomeRetention } from '../apps/control-plane/src/phone-home/phone-home-retention.service.js';
import { SUCCESSFUL_RESULTS } from '../apps/control-plane/src/phone-home/phone-home.entity.js';
import { factsParams, FACTS_SQL, renewalRow, renewParams, RENEW_SQL } from '../apps/control-plane/src/phone-home/renewal-statements.js';
import { seedScale } from './bench/scale-seed.js';
import { startTestApp, type TestApp } from './support/test-app.js';

/** Tables that grow with the fleet; a sequential scan of one of them is a query that slows down as it grows. */
const LARGE = 10_000;

/**
 * Sequential scans kept because they measured faster. The silence sweep's NOT EXISTS on notifications
 * becomes a hash anti-join that reads the table once (16 ms at 102,000 rows); written as a probe of the
 * unique dedupe key per silent tenant, the whole sweep query took 1,055-1,283 ms at 100,000 tenants
 * against 767-871 ms, three runs each on one database.
 */
const MEASURED_FASTER: [string, RegExp][] = [['notifications', /SELECT DISTINCT ON \(l\.tenant_id\)/]];

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  Plans?: PlanNode[];
}

/**
 * Every list endpoint and the notification sweep, on a seeded fleet (3,000 tenants, 30,000 licenses,
 * 20,000 phone-home records, 12,000 notifications): each SELECT they send is EXPLAINed, and none may read a large table
 * sequentially. Plans, not timings: `npm run bench:scale` measures the times at 100k tenants.
 */
describe('list and sweep queries at scale (end to end)', () => {
  let cp: TestApp;
  let viewer: string;
  let client: pg.Client;
  const sent: [string, unknown[]][] = [];

  beforeAll(async () => {
    cp = await startTestApp('scale_queries', { env: { SCHEDULES_ENABLED: 'false' } });
    viewer = await cp.token('viewer');
    client = new pg.Client({ connectionString: cp.database.url });
    await client.connect();
    await seedScale(client, { tenants: 3_000, licensesPerTenant: 10, notificationsPerTenant: 4, now: cp.clock.now() });
    const logger = cp.app.get(DataSource).logger;
    const logQuery = logger.logQuery.bind(logger);
    logger.logQuery = (query, parameters, runner) => {
      sent.push([query, Array.isArray(parameters) ? parameters : []]);
      logQuery(query, parameters, runner);
    };
  }, 120_000);

  afterAll(async () => {
    await client.end();
    await cp.destroy();
  });

  const list = async (path: string) => {
    const reply = await cp.http('GET', path, { token: viewer });
    expect(reply.status).toBe(200);
    return reply.body as { items: { id: string }[]; next_cursor: string | null };
  };

  it('pages through a list with next_cursor: every row once, in order, then null', async () => {
    const all = (await list('/api/v1/licenses?tenant_id=scale-7&limit=100')).items.map((license) => license.id);
    expect(all).toHaveLength(10);
    const paged: string[] = [];
    let cursor: string | null = '';
    while (cursor !== null) {
      const page = await list(`/api/v1/licenses?tenant_id=scale-7&limit=3${cursor ? `&cursor=${cursor}` : ''}`);
      paged.push(...page.items.map((license) => license.id));
      cursor = page.next_cursor;
    }
    expect(paged).toEqual(all);
    const tenants = await list('/api/v1/tenants?limit=2');
    expect((await list(`/api/v1/tenants?limit=2&cursor=${tenants.next_cursor}`)).items[0].id > tenants.items[1].id).toBe(true);
    const refused = await cp.http('GET', '/api/v1/licenses?cursor=bm90LWEtY3Vyc29y', { token: viewer });
    expect(refused.status).toBe(400);
    expect(refused.body.error.details).toEqual([expect.objectContaining({ field: 'cursor', message: expect.stringMatching(/next_cursor/) })]);
  });

  it('reads no large table sequentially in any list, in the notification sweep or in the phone-home prune', async () => {
    sent.length = 0;
    const deep = await list('/api/v1/licenses?limit=500');
    const deepAudit = await list('/api/v1/audit-events?limit=500');
    const deepNotifications = await list('/api/v1/notifications?limit=500');
    for (const path of [
      `/api/v1/licenses?cursor=${deep.next_cursor}`,
      '/api/v1/licenses?status=active',
      '/api/v1/licenses?status=superseded',
      '/api/v1/licenses?tenant_id=scale-12',
      `/api/v1/licenses?expiring_before=${new Date(cp.clock.now().getTime() + 30 * 86_400_000).toISOString()}&status=active`,
      '/api/v1/audit-events?action=license.issued',
      '/api/v1/audit-events?target_type=tenant&target_id=scale-12',
      `/api/v1/audit-events?cursor=${deepAudit.next_cursor}`,
      `/api/v1/notifications?cursor=${deepNotifications.next_cursor}`,
      '/api/v1/notifications?status=sent',
      '/api/v1/notifications?tenant_id=scale-12',
      '/api/v1/tenants?limit=500',
      '/api/v1/tenants/scale-13/phone-homes',
      `/api/v1/tenants/scale-13/phone-homes?cursor=${(await list('/api/v1/tenants/scale-13/phone-homes?limit=2')).next_cursor}`,
      '/api/v1/clone-alerts',
    ]) {
      await list(path);
    }
    await cp.app.get(NotificationSchedules).sweep();
    await cp.app.get(NotificationSchedules).sweep();
    await cp.app.get(PhoneHomeRetention).prune();

    const large = await largeTables(client);
    expect([...large]).toEqual(expect.arrayContaining(['licenses', 'phone_homes', 'notifications']));
    const selects = sent.filter(([query]) => /^\s*(SELECT|WITH|DELETE)\b/i.test(query) && !query.includes('pg_try_advisory'));
    expect(selects.some(([query]) => /^\s*DELETE FROM phone_homes/.test(query))).toBe(true);
    expect(selects.length).toBeGreaterThan(15);
    const scans: string[] = [];
    for (const [query, parameters] of selects) scans.push(...(await sequentialScans(client, large, query, parameters)));
    expect(scans.filter((scan) => !MEASURED_FASTER.some(([table, query]) => scan.startsWith(`${table} in:`) && query.test(scan)))).toEqual([]);
  });

  it('reads no large table sequentially in the renewal statements, for one call or a group of them', async () => {
    const { rows: licenses } = await client.query<{ id: string; tenant_id: string; lineage_id: string }>(
      `SELECT id, tenant_id, lineage_id FROM licenses WHERE status = 'active' ORDER BY id LIMIT 64`,
    );
    const since = new Date(cp.clock.now().getTime() - 86_400_000);
    const renewal = (license: (typeof licenses)[number]) =>
      renewalRow(
        license.id,
        {
          id: randomUUID(),
          tenantId: license.tenant_id,
          planId: 'team',
          claims: {} as LicenseClaims,
          kid: 'k',
          tokenHint: 'h',
          lineageId: license.lineage_id,
          issuedAt: since,
          expiresAt: since,
          environment: null,
          maxMachines: 1,
          planSource: 'subscription',
        },
        { tp_version: '1', fingerprint: 'machine', sourceAddress: null },
        license.id,
      );
    const large = await largeTables(client);
    const scans: string[] = [];
    for (const group of [licenses.slice(0, 1), licenses]) {
      const lookups = group.map((license) => ({ license_id: license.id, fingerprint: 'machine', since }));
      scans.push(...(await sequentialScans(client, large, FACTS_SQL, factsParams(lookups, SUCCESSFUL_RESULTS))));
      scans.push(...(await sequentialScans(client, large, RENEW_SQL, renewParams(group.map(renewal)))));
    }
    expect(scans).toEqual([]);
  });
});

async function largeTables(client: pg.Client): Promise<Set<string>> {
  const { rows } = await client.query<{ relname: string; rows: number }>(
    `SELECT relname, reltuples::bigint AS rows FROM pg_class WHERE relkind = 'r' AND relnamespace = 'public'::regnamespace`,
  );
  return new Set(rows.filter((table) => Number(table.rows) > LARGE).map((table) => table.relname));
}

/** The large tables the query's plan reads sequentially, each named with the query's start. */
async function sequentialScans(client: pg.Client, large: Set<string>, query: string, parameters: unknown[]): Promise<string[]> {
  const { rows } = await client.query<{ 'QUERY PLAN': [{ Plan: PlanNode }] }>(`EXPLAIN (FORMAT JSON) ${query}`, parameters);
  return nodesOf(rows[0]['QUERY PLAN'][0].Plan)
    .filter((node) => node['Node Type'] === 'Seq Scan' && large.has(node['Relation Name']!))
    .map((node) => `${node['Relation Name']} in: ${query.slice(0, 160)}`);
}

function nodesOf(node: PlanNode): PlanNode[] {
  return [node, ...(node.Plans ?? []).flatMap(nodesOf)];
}
