/**
 * `npm run bench:scale`: seeds a fleet (scale-seed.ts; BENCH_SCALE_TENANTS tenants, default 100,000,
 * BENCH_SCALE_LICENSES_PER_TENANT licenses each, default 10) on a fresh database, then times what grows
 * with it: the notification sweep with nothing due, the billing sweep, the phone-home prune (nothing
 * due, then after the clock moves past the retention of half the records), each staff list at its
 * first page and at a cursor 90% deep, and reports the table sizes and the storage one renewal per
 * installation per day costs 100,000 installations a year. Each time is the median of BENCH_SCALE_REPEAT
 * runs (default 3). Prints a Markdown table.
 */
import { loadavg, cpus } from 'node:os';
import pg from 'pg';
import { BillingSweeper } from '../../apps/control-plane/src/billing/billing-sweeper.cron.js';
import { encodeCursor } from '../../apps/control-plane/src/common/keyset-cursor.js';
import { NotificationSchedules } from '../../apps/control-plane/src/notifications/notification-schedules.cron.js';
import { PhoneHomeRetention } from '../../apps/control-plane/src/phone-home/phone-home-retention.service.js';
import { startTestApp } from '../support/test-app.js';
import { seedScale } from './scale-seed.js';

const TENANTS = Number(process.env.BENCH_SCALE_TENANTS ?? 100_000);
const LICENSES_PER_TENANT = Number(process.env.BENCH_SCALE_LICENSES_PER_TENANT ?? 10);
const REPEAT = Number(process.env.BENCH_SCALE_REPEAT ?? 3);
const RETENTION_DAYS = 400;
const INSTALLATIONS = 100_000;
const RENEWALS_PER_YEAR = 365;

/** A list, its order (for the deep cursor) and how a row's key becomes a cursor. */
const LISTS = [
  { name: 'licenses', path: '/api/v1/licenses', key: `SELECT issued_at AS at, id FROM licenses ORDER BY issued_at DESC, id DESC` },
  { name: 'tenants', path: '/api/v1/tenants', key: `SELECT NULL AS at, id FROM tenants ORDER BY id` },
  { name: 'notifications', path: '/api/v1/notifications', key: `SELECT created_at AS at, id FROM notifications ORDER BY created_at DESC, id DESC` },
  { name: 'audit events', path: '/api/v1/audit-events', key: `SELECT occurred_at AS at, id FROM audit_events ORDER BY occurred_at DESC, id DESC` },
];

const rows: [string, string][] = [];
const row = (what: string, figure: string) => {
  rows.push([what, figure]);
  console.error(`${what}: ${figure}`);
};

async function timed(task: () => Promise<unknown>, repeat = REPEAT): Promise<number> {
  const times: number[] = [];
  for (let run = 0; run < repeat; run++) {
    const start = performance.now();
    await task();
    times.push(performance.now() - start);
  }
  return times.sort((a, b) => a - b)[Math.floor(times.length / 2)];
}

const ms = (value: number) => `${value.toFixed(1)} ms`;
const mb = (bytes: number) => `${(bytes / 1024 ** 2).toFixed(1)} MB`;

async function main(): Promise<void> {
  const cp = await startTestApp('bench_scale', {
    env: { SCHEDULES_ENABLED: 'false', PHONE_HOME_RETENTION_DAYS: String(RETENTION_DAYS), DATABASE_POOL_SIZE: '5' },
  });
  const client = new pg.Client({ connectionString: cp.database.url });
  await client.connect();
  try {
    const viewer = await cp.token('viewer');
    const seedStart = performance.now();
    await seedScale(client, { tenants: TENANTS, licensesPerTenant: LICENSES_PER_TENANT, now: cp.clock.now() });
    row('seeding (not a product figure)', `${((performance.now() - seedStart) / 1000).toFixed(0)} s`);
    const count = async (table: string) => Number((await client.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`)).rows[0].n);
    const counts: Record<string, number> = {};
    for (const table of ['tenants', 'licenses', 'phone_homes', 'audit_events', 'notifications']) counts[table] = await count(table);
    row(
      'fleet',
      Object.entries(counts)
        .map(([table, n]) => `${n.toLocaleString('en-US')} ${table}`)
        .join(', '),
    );

    const schedules = cp.app.get(NotificationSchedules);
    row('notification sweep, first run (records what is due)', ms(await timed(() => schedules.sweep(), 1)));
    row('notification sweep, nothing due', ms(await timed(() => schedules.sweep())));
    row('billing sweep', ms(await timed(() => cp.app.get(BillingSweeper).sweep())));
    const retention = cp.app.get(PhoneHomeRetention);
    row(`phone-home prune, nothing older than ${RETENTION_DAYS} days`, ms(await timed(() => retention.prune())));

    for (const list of LISTS) {
      const get = async (query: string) => {
        const reply = await cp.http('GET', `${list.path}?limit=50${query}`, { token: viewer });
        if (reply.status !== 200) throw new Error(`${list.path}: ${reply.status} ${reply.text}`);
      };
      const total = await count(list.name.replace(' ', '_'));
      const { rows: keys } = await client.query<{ at: Date | null; id: string }>(`${list.key} OFFSET $1 LIMIT 1`, [Math.floor(total * 0.9)]);
      const cursor = encodeCursor(keys[0].at ? [keys[0].at.toISOString(), keys[0].id] : [keys[0].id]);
      await get('');
      row(`GET ${list.path}, first page (50)`, ms(await timed(() => get(''))));
      row(`GET ${list.path}, cursor 90% deep (row ${Math.floor(total * 0.9).toLocaleString('en-US')})`, ms(await timed(() => get(`&cursor=${cursor}`))));
    }

    const size = async (table: string) => Number((await client.query<{ bytes: string }>(`SELECT pg_total_relation_size($1) AS bytes`, [table])).rows[0].bytes);
    const perRow: Record<string, number> = {};
    for (const table of ['licenses', 'phone_homes', 'audit_events']) {
      const bytes = await size(table);
      perRow[table] = bytes / counts[table];
      row(`${table}: total size (table + indexes + TOAST)`, `${mb(bytes)}, ${perRow[table].toFixed(0)} bytes per row`);
    }
    const yearly = INSTALLATIONS * RENEWALS_PER_YEAR * (perRow.licenses + perRow.phone_homes);
    row(
      'storage per 100k installations per year (1 renewal a day: a license + a phone_homes row)',
      `${(yearly / 1024 ** 3).toFixed(1)} GB (licenses ${((INSTALLATIONS * RENEWALS_PER_YEAR * perRow.licenses) / 1024 ** 3).toFixed(1)} GB, phone_homes ${((INSTALLATIONS * RENEWALS_PER_YEAR * perRow.phone_homes) / 1024 ** 3).toFixed(1)} GB)`,
    );

    // Move the clock so that the older half of every lineage's calls is past the retention: a real prune.
    cp.clock.advanceDays(RETENTION_DAYS - LICENSES_PER_TENANT / 2);
    const before = await count('phone_homes');
    const pruneMs = await timed(() => retention.prune(), 1);
    const deleted = before - (await count('phone_homes'));
    row('phone-home prune, deleting', `${ms(pruneMs)} for ${deleted.toLocaleString('en-US')} rows (${((deleted / pruneMs) * 1000).toFixed(0)} rows/s)`);

    console.log(
      `\nbench:scale, ${TENANTS.toLocaleString('en-US')} tenants × ${LICENSES_PER_TENANT} licenses, ${new Date().toISOString()}, ${cpus().length} cores, load average ${loadavg()
        .map((load) => load.toFixed(2))
        .join(' ')}\n`,
    );
    console.log('| Measure | Figure |\n| --- | --- |');
    for (const [what, figure] of rows) console.log(`| ${what} | ${figure} |`);
  } finally {
    await client.end();
    await cp.destroy();
  }
}

await main();
