import { DataSource } from 'typeorm';
import { PhoneHomeRetention1764010000000 } from '../prisma-free-migrations/1764010000000-PhoneHomeRetention.js';
import { migrations } from '../prisma-free-migrations/index.js';
import { ConfigError, loadConfig } from '../apps/control-plane/src/config/app-config.js';
import { PHONE_HOME_PRUNE_BATCH, PhoneHomeRetention } from '../apps/control-plane/src/phone-home/phone-home-retention.service.js';
import { phoneHome, tenantWithLicense } from './support/phone-home-fixtures.js';
import { startTestApp, type TestApp } from './support/test-app.js';

const DAY = 86_400_000;

/**
 * PHONE_HOME_RETENTION_DAYS: the prune deletes calls older than the retention, keeps every recent one
 * and the last (successful) call of each installation, and the staff API answers as before for an
 * installation that still phones home, and for one that went silent long ago.
 */
describe('phone-home retention (end to end)', () => {
  let cp: TestApp;
  let support: string;
  let viewer: string;
  let db: DataSource;

  beforeAll(async () => {
    cp = await startTestApp('phone_home_retention', {
      env: {
        SCHEDULES_ENABLED: 'false',
        PHONE_HOME_RETENTION_DAYS: '31',
        PHONE_HOME_RATE_LIMIT_PER_LICENSE: '1000',
        PHONE_HOME_RATE_LIMIT_PER_ADDRESS: '100000',
      },
    });
    support = await cp.token('support');
    viewer = await cp.token('viewer');
    db = cp.app.get(DataSource);
  }, 120_000);

  afterAll(() => cp.destroy());

  const get = async (path: string) => {
    const reply = await cp.http('GET', path, { token: viewer });
    expect(reply.status).toBe(200);
    return reply.body as unknown;
  };
  const answers = async (tenant: string) => ({
    history: await get(`/api/v1/tenants/${tenant}/phone-homes?limit=20`),
    uses: await get(`/api/v1/tenants/${tenant}/active-uses?limit=20`),
    licenses: await get(`/api/v1/licenses?tenant_id=${tenant}&status=active`),
  });
  const count = async (where: string, parameters: unknown[] = []) =>
    Number(((await db.query(`SELECT count(*) AS n FROM phone_homes WHERE ${where}`, parameters)) as [{ n: string }])[0].n);

  it('deletes calls older than the retention, keeps recent ones and the last calls of a silent installation', async () => {
    // A silent installation: two renewals 45 days ago, then one refused call, then nothing.
    const silent = await tenantWithLicense(cp, support, { id: 'gone-co' });
    const renewed = (await phoneHome(cp, silent)).body.license as string;
    cp.clock.advance(60_000);
    expect((await phoneHome(cp, renewed)).status).toBe(200);
    await db.query(
      `INSERT INTO phone_homes (tenant_id, license_id, lineage_id, called_at, tp_version, result)
       SELECT tenant_id, license_id, lineage_id, called_at + interval '1 hour', tp_version, 'LICENSE_SUPERSEDED' FROM phone_homes
       WHERE tenant_id = 'gone-co' ORDER BY called_at DESC LIMIT 1`,
    );
    // A current installation: one renewal a day for 45 days, reporting its active uses.
    let token = await tenantWithLicense(cp, support, { id: 'current-co', fingerprint: 'machine-1' });
    for (let day = 0; day < 45; day += 1) {
      cp.clock.advanceDays(1);
      const period = { period_start: new Date(cp.clock.now().getTime() - DAY).toISOString(), period_end: cp.clock.now().toISOString() };
      const reply = await phoneHome(cp, token, { fingerprint: 'machine-1', usage: { active_uses: day, ...period } });
      expect(reply.status).toBe(200);
      token = reply.body.license as string;
    }
    const cutoff = new Date(cp.clock.now().getTime() - 31 * DAY);
    const before = { current: await answers('current-co'), silent: await answers('gone-co') };
    const recent = await count('called_at >= $1', [cutoff]);
    expect(await count(`tenant_id = 'current-co' AND called_at < $1`, [cutoff])).toBe(13);

    const result = await cp.app.get(PhoneHomeRetention).prune();
    expect(result).toEqual({ ran: true, deleted: 13 + 1 });
    expect(await count('called_at >= $1', [cutoff])).toBe(recent);
    expect(await count(`tenant_id = 'current-co' AND called_at < $1`, [cutoff])).toBe(0);
    // gone-co keeps its last successful call (silence detection, last_successful_phone_home) and its last call (portal installations).
    expect(await db.query(`SELECT result FROM phone_homes WHERE tenant_id = 'gone-co' ORDER BY called_at`)).toEqual([
      { result: 'renewed' },
      { result: 'LICENSE_SUPERSEDED' },
    ]);
    expect(await answers('current-co')).toEqual(before.current);
    type History = { last_successful_phone_home: unknown; items: unknown[] };
    const silentHistory = (await answers('gone-co')).history as History;
    const silentBefore = before.silent.history as History;
    expect(silentBefore.last_successful_phone_home).toMatchObject({ result: 'renewed' });
    expect(silentHistory.last_successful_phone_home).toEqual(silentBefore.last_successful_phone_home);
    expect(silentHistory.items).toEqual(silentBefore.items.slice(0, 2));

    // Nothing more to delete; a later prune after another day removes only what aged past the cutoff.
    expect(await cp.app.get(PhoneHomeRetention).prune()).toEqual({ ran: true, deleted: 0 });
    cp.clock.advanceDays(1);
    expect((await cp.app.get(PhoneHomeRetention).prune()).deleted).toBe(1);
    expect(PHONE_HOME_PRUNE_BATCH).toBe(10_000);
  }, 120_000);

  it('walks the table by the called_at index that its migration adds, and the migration reverts', async () => {
    const indexes = async () =>
      ((await db.query(`SELECT indexname FROM pg_indexes WHERE tablename = 'phone_homes'`)) as { indexname: string }[]).map((row) => row.indexname);
    expect(await indexes()).toContain('phone_homes_called_at_idx');
    // Its own migration and every later one, newest first.
    for (let undone = 0; undone < migrations.length - migrations.indexOf(PhoneHomeRetention1764010000000); undone++) await db.undoLastMigration();
    expect(await indexes()).not.toContain('phone_homes_called_at_idx');
    await db.runMigrations();
    expect(await indexes()).toContain('phone_homes_called_at_idx');
  });

  it('refuses a retention shorter than the data its readers need, with a clear configuration error', () => {
    const base = { NODE_ENV: 'test' };
    expect(loadConfig(base).PHONE_HOME_RETENTION_DAYS).toBe(400);
    expect(loadConfig({ ...base, PHONE_HOME_RETENTION_DAYS: '0' }).PHONE_HOME_RETENTION_DAYS).toBe(0);
    expect(loadConfig({ ...base, PHONE_HOME_RETENTION_DAYS: '31' }).PHONE_HOME_RETENTION_DAYS).toBe(31);
    const problems = (env: Record<string, string>) => {
      try {
        loadConfig({ ...base, ...env });
        return [];
      } catch (error) {
        return (error as ConfigError).problems;
      }
    };
    expect(problems({ PHONE_HOME_RETENTION_DAYS: '30' })).toEqual([
      expect.stringMatching(/^PHONE_HOME_RETENTION_DAYS: must be 0 \(keep forever\) or at least 31 days/),
    ]);
    expect(problems({ PHONE_HOME_RETENTION_DAYS: '-1' })).toEqual([expect.stringMatching(/^PHONE_HOME_RETENTION_DAYS: /)]);
    expect(problems({ PHONE_HOME_RETENTION_DAYS: '40', PHONE_HOME_SILENCE_HOURS: '1000' })).toEqual([
      expect.stringMatching(/^PHONE_HOME_RETENTION_DAYS: must be longer than PHONE_HOME_SILENCE_HOURS and PHONE_HOME_FINGERPRINT_WINDOW_HOURS \(1000 h\)/),
    ]);
    expect(problems({ PHONE_HOME_RETENTION_DAYS: '0', PHONE_HOME_SILENCE_HOURS: '1000' })).toEqual([]);
  });
});
