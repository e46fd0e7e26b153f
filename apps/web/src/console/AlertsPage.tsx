import { Link } from 'react-router';
import { unwrap } from '../shared/api';
import { formatDateTime, label } from '../shared/format';
import { LoadMore, useCursorList } from '../shared/paging';
import { Card, DataTable, Empty, ErrorNotice, Loading } from '../shared/ui';
import { useStaff } from './staff';

export function AlertsPage() {
  const { api } = useStaff();
  const alerts = useCursorList((cursor) => api.GET('/api/v1/clone-alerts', { params: { query: { limit: 50, cursor } } }).then(unwrap), [api]);
  return (
    <>
      <div className="page-header">
        <div>
          <h1>Clone alerts</h1>
          <p className="muted">One license lineage seen from more machines than it allows, or a token older than its lineage.</p>
        </div>
      </div>
      <ErrorNotice error={alerts.error} />
      <Card>
        {!alerts.page ? (
          !alerts.error && <Loading />
        ) : alerts.page.items.length === 0 ? (
          <Empty>No clone alerts.</Empty>
        ) : (
          <DataTable
            rows={alerts.page.items}
            rowKey={(alert) => alert.id}
            columns={[
              { header: 'Detected', cell: (alert) => formatDateTime(alert.detected_at) },
              { header: 'Tenant', cell: (alert) => <Link to={`/tenants/${alert.tenant_id}`}>{alert.tenant_id}</Link> },
              { header: 'Reason', cell: (alert) => label(alert.reason) },
              { header: 'License', cell: (alert) => <code>{alert.license_id.slice(0, 8)}</code> },
              { header: 'Fingerprint', className: 'mono', cell: (alert) => alert.fingerprint?.slice(0, 16) ?? '—' },
              { header: 'Address', className: 'mono', cell: (alert) => alert.source_address ?? '—' },
            ]}
          />
        )}
        <LoadMore list={alerts} />
      </Card>
    </>
  );
}
