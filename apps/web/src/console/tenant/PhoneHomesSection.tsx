import { unwrap } from '../../shared/api';
import { formatDateTime } from '../../shared/format';
import { LoadMore, useCursorList } from '../../shared/paging';
import { Badge, Card, DataTable, Empty, ErrorNotice, Loading } from '../../shared/ui';
import { useStaff } from '../staff';

export function PhoneHomesSection({ tenantId }: { tenantId: string }) {
  const { api } = useStaff();
  const history = useCursorList(
    (cursor) => api.GET('/api/v1/tenants/{id}/phone-homes', { params: { path: { id: tenantId }, query: { limit: 20, cursor } } }).then(unwrap),
    [api, tenantId],
  );
  const last = history.page?.last_successful_phone_home;
  return (
    <Card title="Installations and phone-homes" id="phone-homes-heading">
      <ErrorNotice error={history.error} />
      {!history.page ? (
        !history.error && <Loading />
      ) : history.page.items.length === 0 ? (
        <Empty>No phone-home yet.</Empty>
      ) : (
        <>
          <p className="muted">Last successful phone-home: {last ? formatDateTime(last.called_at) : 'never'}</p>
          <DataTable
            rows={history.page.items}
            rowKey={(call) => call.id}
            columns={[
              { header: 'When', cell: (call) => formatDateTime(call.called_at) },
              { header: 'Result', cell: (call) => <Badge value={call.result} /> },
              { header: 'Installation', cell: (call) => <code title={call.lineage_id}>{call.lineage_id.slice(0, 8)}</code> },
              { header: 'TP version', cell: (call) => call.tp_version },
              { header: 'Fingerprint', className: 'mono', cell: (call) => call.fingerprint?.slice(0, 16) ?? '—' },
              { header: 'Address', className: 'mono', cell: (call) => call.source_address ?? '—' },
              { header: 'Active uses', className: 'number', cell: (call) => call.usage?.active_uses ?? '—' },
            ]}
          />
        </>
      )}
      <LoadMore list={history} />
    </Card>
  );
}
