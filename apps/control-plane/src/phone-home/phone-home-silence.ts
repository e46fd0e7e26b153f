import type { AppConfig } from '../config/app-config.js';

/** Tenant planes whose last successful phone-home is older than this are silent. */
export function silentSince(now: Date, config: Pick<AppConfig, 'PHONE_HOME_SILENCE_HOURS'>): Date {
  return new Date(now.getTime() - config.PHONE_HOME_SILENCE_HOURS * 3_600_000);
}

/**
 * SQL joining `last_call.called_at`, the last successful phone-home of the tenant of license `l`
 * (null if it never phoned home); `resultsParam` is the placeholder bound to SUCCESSFUL_RESULTS.
 */
export function lastSuccessfulPhoneHomeJoin(resultsParam: string): string {
  return `LEFT JOIN LATERAL (
         SELECT ph.called_at FROM phone_homes ph
         WHERE ph.tenant_id = l.tenant_id AND ph.result = ANY(${resultsParam}) ORDER BY ph.called_at DESC LIMIT 1) last_call ON true`;
}
