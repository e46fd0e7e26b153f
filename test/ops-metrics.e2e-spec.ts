import pg from 'pg';
import { MetricsServer } from '../apps/control-plane/src/observability/metrics-server.js';
import { METRIC } from '../apps/control-plane/src/observability/metrics.js';
import { startTestApp, type TestApp } from './support/test-app.js';

/** The value of one sample line, e.g. `la_subscriptions{status="active"} 1`. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('Prometheus metrics (end to end)', () => {
  let cp: TestApp;
  let db: pg.Client;

  beforeAll(async () => {
    cp = await startTestApp('ops_metrics');
    db = new pg.Client({ connectionString: cp.database.url });
    await db.connect();
  });

  afterAll(async () => {
    await db.end();
    await cp.destroy();
  });

  it('exports every metric by name, without a staff token', async () => {
    const scrape = await cp.http('GET', '/metrics');
    expect(scrape.status).toBe(200);
    expect(scrape.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    for (const name of Object.values(METRIC)) expect(scrape.text).toContain(`# TYPE ${name} `);
    expect(scrape.text).toContain('# TYPE process_cpu_seconds_total counter');
  });

  it('counts requests by route template, licenses by mode, and reads subscriptions and notifications from the database', async () => {
    const admin = await cp.token('admin');
    await cp.http('POST', '/api/v1/tenants', {
      token: admin,
      body: { id: 'metrico', name: 'Metric Co', contact_email: 'ops@metrico.example', deployment_mode: 'byoc' },
    });
    await cp.http('PUT', '/api/v1/tenants/metrico/subscription', { token: admin, body: { plan_id: 'operations', billing_interval: 'annual' } });
    const byoc = await cp.http('POST', '/api/v1/licenses', { token: admin, body: { tenant_id: 'metrico', deployment_mode: 'byoc' } });
    const onPrem = await cp.http('POST', '/api/v1/licenses', { token: admin, body: { tenant_id: 'metrico', deployment_mode: 'on_prem' } });
    const refused = await cp.http('POST', '/api/v1/licenses', { token: admin, body: { tenant_id: 'nobody', deployment_mode: 'byoc' } });
    expect([byoc.status, onPrem.status, refused.status]).toEqual([201, 201, 404]);
    for (const id of [byoc.body.license.id, onPrem.body.license.id])
      expect((await cp.http('GET', `/api/v1/licenses/${id}`, { token: admin })).status).toBe(200);
    expect((await cp.http('GET', '/api/v1/no-such-route')).status).toBe(404);
    await db.query(`INSERT INTO notifications (tenant_id, stage, recipient, dedupe_key, facts, status, attempts, created_at)
                    VALUES ('metrico', 'suspended', 'ops@metrico.example', 'metrics-test|failed', '{}', 'failed', 5, now())`);

    const scrape = await cp.http('GET', '/metrics');
    const text = scrape.text;
    expect(sample(text, `${METRIC.licensesIssued}{mode="byoc"}`)).toBe(1);
    expect(sample(text, `${METRIC.licensesIssued}{mode="on_prem"}`)).toBe(1);
    expect(sample(text, `${METRIC.httpRequests}{method="GET",route="/api/v1/licenses/:id",status_code="200"}`)).toBe(2);
    expect(sample(text, `${METRIC.httpRequests}{method="POST",route="/api/v1/licenses",status_code="404"}`)).toBe(1);
    expect(sample(text, `${METRIC.httpRequests}{method="GET",route="(unmatched)",status_code="404"}`)).toBe(1);
    expect(sample(text, `${METRIC.httpDuration}_count{method="POST",route="/api/v1/licenses",status_code="201"}`)).toBe(2);
    // Raw URLs would make one series per license id.
    expect(text).not.toContain(byoc.body.license.id);
    expect(sample(text, `${METRIC.subscriptions}{status="active"}`)).toBe(1);
    expect(sample(text, `${METRIC.subscriptions}{status="past_due"}`)).toBe(0);
    expect(sample(text, METRIC.notificationsFailed)).toBe(1);
    // Two license_issued emails were recorded; a delivery relay may have sent some of them since.
    const [{ waiting }] = (await db.query(`SELECT count(*)::int AS waiting FROM notifications WHERE status IN ('pending', 'queued')`)).rows;
    expect(sample(text, METRIC.notificationQueueDepth)).toBeGreaterThanOrEqual(waiting);
    expect(sample(text, METRIC.notificationQueueDepth)).toBeLessThanOrEqual(2);
  });

  it('reads licenses by phase, expiring and silent installations, clone alerts and the pool from the database', async () => {
    const admin = await cp.token('admin');
    await cp.http('POST', '/api/v1/tenants', {
      token: admin,
      body: { id: 'phaseco', name: 'Phase Co', contact_email: 'ops@phaseco.example', deployment_mode: 'byoc' },
    });
    await cp.http('PUT', '/api/v1/tenants/phaseco/subscription', { token: admin, body: { plan_id: 'operations', billing_interval: 'annual' } });
    const issued = await cp.http('POST', '/api/v1/licenses', { token: admin, body: { tenant_id: 'phaseco', deployment_mode: 'byoc' } });
    expect(issued.status).toBe(201);
    const before = await cp.http('GET', '/metrics');
    const active = sample(before.text, `${METRIC.licenses}{phase="active"}`)!;
    expect(active).toBeGreaterThanOrEqual(1);
    // 350 days on: every license of this file expires within 30 days; nothing phoned home, so every BYOC tenant is silent.
    cp.clock.advanceDays(350);
    await db.query(
      `INSERT INTO clone_alerts (tenant_id, license_id, lineage_id, reason, details, detected_at)
                    SELECT tenant_id, id, lineage_id, 'fingerprint_conflict', '{}', now() FROM licenses WHERE id = $1`,
      [issued.body.license.id],
    );
    const later = (await cp.http('GET', '/metrics')).text;
    expect(sample(later, `${METRIC.licensesExpiring}`)).toBe(active);
    const [{ byocTenants }] = (await db.query(`SELECT count(DISTINCT tenant_id)::int AS "byocTenants" FROM licenses WHERE deployment_mode = 'byoc'`)).rows;
    expect(sample(before.text, METRIC.installationsSilent)).toBe(0);
    expect(sample(later, METRIC.installationsSilent)).toBe(byocTenants);
    expect(sample(later, `${METRIC.cloneAlerts}{reason="fingerprint_conflict"}`)).toBe(1);
    expect(sample(later, `${METRIC.cloneAlerts}{reason="stale_token"}`)).toBe(0);
    // 30 + 30 days after expiry: locked.
    cp.clock.advanceDays(100);
    const locked = (await cp.http('GET', '/metrics')).text;
    expect(sample(locked, `${METRIC.licenses}{phase="locked"}`)).toBe(active);
    expect(sample(locked, `${METRIC.licenses}{phase="active"}`)).toBe(0);
    // The pool is open (DATABASE_POOL_SIZE=5 in tests); how many are busy at the instant of the scrape varies.
    const open = sample(locked, `${METRIC.dbPoolConnections}{state="in_use"}`)! + sample(locked, `${METRIC.dbPoolConnections}{state="idle"}`)!;
    expect(open).toBeGreaterThanOrEqual(1);
    expect(open).toBeLessThanOrEqual(5);
    expect(sample(locked, METRIC.dbPoolWaiting)).toBeGreaterThanOrEqual(0);
    // Each periodic sweep ran at boot (SCHEDULES_ENABLED) and recorded when it last succeeded.
    for (const sweep of ['relay', 'reminders', 'billing'])
      expect(sample(locked, `${METRIC.sweepLastSuccess}{sweep="${sweep}"}`)).toBeGreaterThan(Date.now() / 1000 - 600);
    expect(sample(locked, `${METRIC.buildInfo}{version="0.1.0",node_version="${process.version}"}`)).toBe(1);
  });
});

describe('METRICS_PORT', () => {
  let cp: TestApp;

  beforeAll(async () => {
    cp = await startTestApp('ops_metrics_port', { env: { METRICS_PORT: '0', HOST: '127.0.0.1' } });
  });

  afterAll(() => cp.destroy());

  it('serves /metrics on its own port, and the public port no longer does', async () => {
    expect((await cp.http('GET', '/metrics')).status).toBe(404);
    const port = cp.app.get(MetricsServer).port;
    expect(port).not.toBe(new URL(cp.baseUrl).port);
    const scrape = await fetch(`http://127.0.0.1:${port}/metrics`);
    expect(scrape.status).toBe(200);
    expect(scrape.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await scrape.text();
    // The public port's 404 was counted; the scrape itself is not an API request.
    expect(sample(text, `${METRIC.httpRequests}{method="GET",route="(unmatched)",status_code="404"}`)).toBe(1);
    expect(text).toContain(`# TYPE ${METRIC.licenses} gauge`);
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
  });
});
