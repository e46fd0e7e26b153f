import { unwrap } from '../../shared/api';
import { formatDateTime } from '../../shared/format';
import { Badge, Card, Empty, ErrorNotice, Loading, useLoad } from '../../shared/ui';
import { useStaff } from '../staff';

export function PhoneHomesSection({ tenantId }: { tenantId: string }) {
  const { api } = useStaff();
  const history = useLoad(
    () => api.GET('/api/v1/tenants/{id}/phone-homes', { params: { path: { id: tenantId }, query: { limit: 20 } } }).then(unwrap),
    [api, tenantId],
  );
  const last = history.data?.last_successful_phone_home;
  return (
    <Card title="Installations and phone-homes" id="phone-homes-heading">
      <ErrorNotice error={history.error} />
      {!history.data ? (
        <Loading />
      ) : history.data.items.length === 0 ? (
        <Empty>No phone-home yet.</Empty>
      ) : (
        <>
          <p className="muted">Last successful phone-home: {last ? formatDateTime(last.called_at) : 'never'}</p>
          <table className="table">
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Result</th>
                <th scope="col">Installation</th>
                <th scope="col">TP version</th>
                <th scope="col">Fingerprint</th>
                <th scope="col">Address</th>
                <th scope="col">Active uses</th>
              </tr>
            </thead>
            <tbody>
              {history.data.items.map((call) => (
                <tr key={call.id}>
                  <td>{formatDateTime(call.called_at)}</td>
                  <td>
                    <Badge value={call.result} />
                  </td>
                  <td>
                    <code title={call.lineage_id}>{call.lineage_id.slice(0, 8)}</code>
                  </td>
                  <td>{call.tp_version}</td>
                  <td className="mono">{call.fingerprint?.slice(0, 16) ?? '—'}</td>
                  <td className="mono">{call.source_address ?? '—'}</td>
                  <td className="number">{call.usage?.active_uses ?? '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </Card>
  );
}
