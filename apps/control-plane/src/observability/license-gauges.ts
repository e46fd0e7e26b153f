import { Gauge, type Registry } from 'prom-client';
import type { Clock } from '../common/clock.js';
import type { AppConfig } from '../config/app-config.js';
import { LAST_SUCCESSFUL_PHONE_HOME_JOIN, silentSince } from '../phone-home/phone-home-silence.js';
import type { CloneReason } from '../phone-home/renewal-decision.js';
import { METRIC, type GaugeQuery } from './metrics.js';

const LICENSE_PHASES = ['active', 'grace', 'read_only', 'locked'] as const;
const CLONE_REASONS: readonly CloneReason[] = ['stale_token', 'fingerprint_conflict'];
const EXPIRING_WITHIN_DAYS = 30;
const DAY_MS = 86_400_000;

/**
 * The phase each current license (neither superseded nor revoked) is in now, by the contract's rule:
 * expiry, then its own grace and read-only periods from the claims.
 */
const LICENSES_BY_PHASE = `
  SELECT phase, count(*)::int AS n FROM (
    SELECT CASE
      WHEN l.expires_at > $1 THEN 'active'
      WHEN l.expires_at + make_interval(days => (l.claims->>'grace_period_days')::int) > $1 THEN 'grace'
      WHEN l.expires_at + make_interval(days => (l.claims->>'grace_period_days')::int + (l.claims->>'read_only_period_days')::int) > $1 THEN 'read_only'
      ELSE 'locked' END AS phase
    FROM licenses l WHERE l.status = 'active') phases
  GROUP BY phase`;

/** The silence rule of the phone_home_silent alert: a tenant's newest active BYOC license not heard from in time. */
const SILENT_INSTALLATIONS = `
  SELECT count(*)::int AS n FROM (
    SELECT DISTINCT ON (l.tenant_id) l.issued_at, last_call.called_at
    FROM licenses l ${LAST_SUCCESSFUL_PHONE_HOME_JOIN}
    WHERE l.deployment_mode = 'byoc' AND l.status = 'active' AND l.expires_at > $1
    ORDER BY l.tenant_id, l.issued_at DESC) newest
  WHERE COALESCE(newest.called_at, newest.issued_at) < $2`;

/** Gauges of the licensing state, read from the database at scrape time (the same on every replica). */
export function registerLicenseGauges(registry: Registry, query: GaugeQuery, config: Pick<AppConfig, 'PHONE_HOME_SILENCE_HOURS'>, clock: Clock): void {
  new Gauge({
    name: METRIC.licenses,
    help: 'Current licenses (not superseded or revoked) by phase: active, grace, read_only, locked.',
    labelNames: ['phase'],
    registers: [registry],
    async collect() {
      const rows = await query<{ phase: string; n: number }>(LICENSES_BY_PHASE, [clock.now()]);
      if (rows) for (const phase of LICENSE_PHASES) this.set({ phase }, rows.find((row) => row.phase === phase)?.n ?? 0);
    },
  });
  new Gauge({
    name: METRIC.licensesExpiring,
    help: `Current licenses that expire within ${EXPIRING_WITHIN_DAYS} days and have not been renewed or replaced.`,
    registers: [registry],
    async collect() {
      const now = clock.now();
      const rows = await query<{ n: number }>(`SELECT count(*)::int AS n FROM licenses WHERE status = 'active' AND expires_at > $1 AND expires_at <= $2`, [
        now,
        new Date(now.getTime() + EXPIRING_WITHIN_DAYS * DAY_MS),
      ]);
      if (rows) this.set(rows[0].n);
    },
  });
  new Gauge({
    name: METRIC.installationsSilent,
    help: 'BYOC tenants whose newest active license has had no successful phone-home for PHONE_HOME_SILENCE_HOURS.',
    registers: [registry],
    async collect() {
      const now = clock.now();
      const rows = await query<{ n: number }>(SILENT_INSTALLATIONS, [now, silentSince(now, config)]);
      if (rows) this.set(rows[0].n);
    },
  });
  new Gauge({
    name: METRIC.cloneAlerts,
    help: 'Clone alerts recorded so far, by reason (use increase() to see new ones).',
    labelNames: ['reason'],
    registers: [registry],
    async collect() {
      const rows = await query<{ reason: string; n: number }>(`SELECT reason, count(*)::int AS n FROM clone_alerts GROUP BY reason`);
      // Every reason has a series before its first alert, so increase() sees the step from 0.
      if (rows) for (const reason of CLONE_REASONS) this.set({ reason }, rows.find((row) => row.reason === reason)?.n ?? 0);
    },
  });
}
