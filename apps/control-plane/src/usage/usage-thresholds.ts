/** The limits usage is reported against (the license's and plan's `limits` without retention). */
export const METERED_LIMITS = ['users', 'data_volume_gb', 'ai_credits'] as const;
export type MeteredLimit = (typeof METERED_LIMITS)[number];

export type UsageFigures = Partial<Record<MeteredLimit, number | null>>;
export type LimitValues = Partial<Record<MeteredLimit, number | null>> | null;

export interface LimitAlert {
  limit: MeteredLimit;
  stage: 'limit_warning' | 'limit_reached';
  current: number;
  allowed: number;
  percent: number;
}

export const WARNING_RATIO = 0.8;

/** Usage against one limit; null limit is unlimited (no percentage), a limit of 0 is full from the start. */
export function usageAgainst(
  current: number | null | undefined,
  limit: number | null | undefined,
): { current: number | null; limit: number | null; percent: number | null } {
  const value = current ?? null;
  const allowed = limit ?? null;
  if (value === null || allowed === null) return { current: value, limit: allowed, percent: null };
  return { current: value, limit: allowed, percent: allowed === 0 ? 100 : Math.round((value / allowed) * 1000) / 10 };
}

/**
 * The email each limit calls for: `limit_reached` at 100% or more, `limit_warning` from 80%. Only the
 * higher stage: a tenant that jumps past 100% hears once that the limit is reached, not twice.
 */
export function limitAlerts(usage: UsageFigures, limits: LimitValues): LimitAlert[] {
  const alerts: LimitAlert[] = [];
  for (const limit of METERED_LIMITS) {
    const current = usage[limit];
    const allowed = limits?.[limit];
    if (current === null || current === undefined || allowed === null || allowed === undefined || allowed <= 0) continue;
    const ratio = current / allowed;
    if (ratio < WARNING_RATIO) continue;
    alerts.push({ limit, stage: ratio >= 1 ? 'limit_reached' : 'limit_warning', current, allowed, percent: Math.round(ratio * 1000) / 10 });
  }
  return alerts;
}

/** The period an alert is sent once in: the calendar month (UTC) of the report, e.g. `2026-11`. */
export function usagePeriod(at: Date): string {
  return at.toISOString().slice(0, 7);
}
