import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import { startTestApp, type TestApp } from './support/test-app.js';

const OBSERVABILITY = resolve(import.meta.dirname, '../docker/observability');
const DURATION = /^\d+[smhd]$/;

interface AlertRule {
  alert: string;
  expr: string;
  for?: string;
  labels: { severity: string };
  annotations: { summary: string };
}

/** Every metric name a PromQL expression reads; ours all start with `la_` (a histogram's series end in _bucket/_sum/_count). */
function metricNames(expr: string): string[] {
  return [...expr.matchAll(/\bla_[a-z0-9_]+/g)].map(([name]) => name.replace(/_(bucket|sum|count)$/, ''));
}

/** Brackets balance and nothing is left open: a cheap guard against a broken expression. */
function balanced(expr: string): boolean {
  const stack: string[] = [];
  const pairs: Record<string, string> = { ')': '(', ']': '[', '}': '{' };
  for (const char of expr.replace(/"[^"]*"/g, '""')) {
    if ('([{'.includes(char)) stack.push(char);
    else if (char in pairs && stack.pop() !== pairs[char]) return false;
  }
  return stack.length === 0;
}

describe('dashboard and alert rules (checked against a live /metrics)', () => {
  let cp: TestApp;
  let exported: Set<string>;
  const rules = parse(readFileSync(join(OBSERVABILITY, 'alert-rules.yml'), 'utf8')) as { groups: { name: string; rules: AlertRule[] }[] };
  const dashboard = JSON.parse(readFileSync(join(OBSERVABILITY, 'grafana/dashboards/license-authority.json'), 'utf8')) as {
    uid: string;
    panels: { title: string; targets: { expr: string }[] }[];
  };

  beforeAll(async () => {
    // With Redis, as deployed: the queue gauges are exported only then.
    cp = await startTestApp('ops_observability', { env: { REDIS_URL: 'redis://127.0.0.1:6379', REDIS_KEY_PREFIX: `test-observability-${process.pid}` } });
    const scrape = await cp.http('GET', '/metrics');
    exported = new Set([...scrape.text.matchAll(/^# TYPE (\S+) /gm)].map(([, name]) => name));
  });

  afterAll(() => cp.destroy());

  it('alert rules: well formed, covering refusals, silence, expiry, notifications, webhooks, queue and sweeps, on exported metrics only', () => {
    const all = rules.groups.flatMap((group) => group.rules);
    for (const rule of all) {
      expect([rule.alert, balanced(rule.expr)]).toEqual([rule.alert, true]);
      if (rule.for !== undefined) expect(rule.for).toMatch(DURATION);
      expect(['info', 'warning', 'critical']).toContain(rule.labels.severity);
      expect(rule.annotations.summary.length).toBeGreaterThan(10);
      for (const name of metricNames(rule.expr)) expect([rule.alert, name, exported.has(name)]).toEqual([rule.alert, name, true]);
    }
    const used = new Set(all.flatMap((rule) => metricNames(rule.expr)));
    for (const name of [
      'la_phone_homes_total',
      'la_installations_silent',
      'la_licenses_expiring_30d',
      'la_notifications_failed',
      'la_stripe_webhook_events_total',
      'la_queue_jobs',
      'la_sweep_last_success_timestamp_seconds',
    ])
      expect([name, used.has(name)]).toEqual([name, true]);
    for (const sweep of ['relay', 'reminders', 'billing']) expect(all.some((rule) => rule.expr.includes(`sweep="${sweep}"`))).toBe(true);
  });

  it('dashboard: every panel queries exported metrics only, and every exported la_ metric is on it', () => {
    const exprs = dashboard.panels.flatMap((panel) => panel.targets.map((target) => target.expr));
    for (const expr of exprs) expect([expr, balanced(expr)]).toEqual([expr, true]);
    const used = new Set(exprs.flatMap(metricNames));
    for (const name of used) expect([name, exported.has(name)]).toEqual([name, true]);
    for (const name of [...exported].filter((candidate) => candidate.startsWith('la_'))) expect([name, used.has(name)]).toEqual([name, true]);
  });

  it('compose Prometheus loads these rules and scrapes both processes on METRICS_PORT', () => {
    const prometheus = parse(readFileSync(join(OBSERVABILITY, 'prometheus.yml'), 'utf8'));
    expect(prometheus.rule_files).toEqual(['/etc/prometheus/alert-rules.yml']);
    const targets = prometheus.scrape_configs.flatMap((config: { static_configs: { targets: string[] }[] }) =>
      config.static_configs.flatMap((entry) => entry.targets),
    );
    expect(targets).toEqual(['control-plane:9464', 'worker:9464']);
  });
});
