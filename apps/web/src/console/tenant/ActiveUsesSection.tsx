import { ActiveUseChart, type ActiveUsePoint } from '../../shared/ActiveUseChart';
import { unwrap } from '../../shared/api';
import { Card, ErrorNotice, Loading, useLoad } from '../../shared/ui';
import { useStaff } from '../staff';

/** The highest report of each UTC day, as the portal shows it to the customer. */
function daily(reports: { reported_at: string; active_uses: number | null }[]): ActiveUsePoint[] {
  const byDay = new Map<string, number>();
  for (const report of reports) {
    if (report.active_uses === null) continue;
    const day = report.reported_at.slice(0, 10);
    byDay.set(day, Math.max(byDay.get(day) ?? 0, report.active_uses));
  }
  return [...byDay].sort(([a], [b]) => a.localeCompare(b)).map(([day, active_uses]) => ({ day, active_uses }));
}

export function ActiveUsesSection({ tenantId }: { tenantId: string }) {
  const { api } = useStaff();
  const uses = useLoad(
    () => api.GET('/api/v1/tenants/{id}/active-uses', { params: { path: { id: tenantId }, query: { limit: 500 } } }).then(unwrap),
    [api, tenantId],
  );
  return (
    <Card title="Daily active uses" id="uses-heading">
      <ErrorNotice error={uses.error} />
      {uses.data ? <ActiveUseChart points={daily(uses.data.items)} caption="Highest report per day (UTC)" /> : <Loading />}
    </Card>
  );
}
