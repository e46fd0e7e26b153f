import { SUCCESSFUL_RESULTS } from './phone-home.entity.js';
import type { AppConfig } from '../config/app-config.js';

/** Tenant planes whose last successful phone-home is older than this are silent. */
export function silentSince(now: Date, config: Pick<AppConfig, 'PHONE_HOME_SILENCE_HOURS'>): Date {
  return new Date(now.getTime() - config.PHONE_HOME_SILENCE_HOURS * 3_600_000);
}

/**
 * SQL joining `last_call.called_at`, the last successful phone-home of the tenant of license `l`
 * (null if it never phoned home). The results are spelled out, not bound, so that the planner can
 * use the partial index phone_homes_tenant_success_idx: one index probe per tenant.
 */
export const LAST_SUCCESSFUL_PHONE_HOME_JOIN = `LEFT JOIN LATERAL (
         SELECT ph.called_at FROM phone_homes ph
         WHERE ph.tenant_id = l.tenant_id AND ph.result IN (${SUCCESSFUL_RESULTS.map((result) => `'${result}'`).join(', ')})
         ORDER BY ph.called_at DESC LIMIT 1) last_call ON true`;

/** SQL for an ISO 8601 UTC timestamp with milliseconds, the text of JavaScript's Date#toISOString. */
export function isoTimestampSql(column: string): string {
  return `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
}
