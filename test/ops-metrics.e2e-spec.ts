import pg from 'pg';
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
});
