import { Link } from 'react-router';
import { unwrap } from '../shared/api';
import { formatDateTime, label } from '../shared/format';
import { Card, Empty, ErrorNotice, Loading, useLoad } from '../shared/ui';
import { useStaff } from './staff';

export function AlertsPage() {
  const { api } = useStaff();
  const alerts = useLoad(() => api.GET('/api/v1/clone-alerts', { params: { query: { limit: 100 } } }).then(unwrap), [api]);
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
        {!alerts.data ? (
          <Loading />
        ) : alerts.data.items.length === 0 ? (
          <Empty>No clone alerts.</Empty>
        ) : (
          <table className="table">
            <thead>
              <tr>
                <th scope="col">Detected</th>
                <th scope="col">Tenant</th>
                <th scope="col">Reason</th>
                <th scope="col">License</th>
                <th scope="col">Fingerprint</th>
                <th scope="col">Address</th>
              </tr>
            </thead>
            <tbody>
              {alerts.data.items.map((alert) => (
                <tr key={alert.id}>
                  <td>{formatDateTime(alert.detected_at)}</td>
                  <td>
                    <Link to={`/tenants/${alert.tenant_id}`}>{alert.tenant_id}</Link>
                  </td>
                  <td>{label(alert.reason)}</td>
                  <td>
                    <code>{alert.license_id.slice(0, 8)}</code>
                  </td>
                  <td className="mono">{alert.fingerprint?.slice(0, 16) ?? '—'}</td>
                  <td className="mono">{alert.source_address ?? '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Card>
    </>
  );
}
