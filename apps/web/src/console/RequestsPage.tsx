import { Link, useSearchParams } from 'react-router';
import { unwrap } from '../shared/api';
import { formatDateTime, label, relativeDays } from '../shared/format';
import { kindLabel, REQUEST_STATUSES, RequestCells, type LicenseRequest, type LicenseRequestStatus } from '../shared/license-requests';
import { LoadMore, useCursorList } from '../shared/paging';
import { Badge, Card, Empty, ErrorNotice, Loading } from '../shared/ui';
import { useStaff } from './staff';

const PAGE = 25;

/** Pages of license requests, oldest first, by cursor (see useCursorList); the first page again when the filter changes. */
export function useRequestQueue(query: { status?: LicenseRequestStatus; tenant_id?: string }, limit = PAGE) {
  const { api } = useStaff();
  return useCursorList(
    (cursor) => api.GET('/api/v1/license-requests', { params: { query: { ...query, limit, cursor } } }).then(unwrap),
    [api, query.status, query.tenant_id],
  );
}

export function RequestsTable({ items, showTenant = true }: { items: LicenseRequest[]; showTenant?: boolean }) {
  return (
    <table className="table">
      <thead>
        <tr>
          <th scope="col">Requested</th>
          {showTenant && <th scope="col">Tenant</th>}
          <th scope="col">Kind</th>
          <th scope="col">Terms</th>
          <th scope="col">Locking code</th>
          <th scope="col">Status</th>
        </tr>
      </thead>
      <tbody>
        {items.map((request) => (
          <tr key={request.id} className="clickable">
            <td className="nowrap">
              <Link to={`/requests/${request.id}`} aria-label={`Request ${request.id.slice(0, 8)}: ${kindLabel(request.kind)} for ${request.tenant_id}`}>
                {formatDateTime(request.created_at)}
              </Link>
              <div className="muted">{relativeDays(request.created_at)}</div>
            </td>
            {showTenant && (
              <td>
                <Link to={`/tenants/${request.tenant_id}`}>{request.tenant_id}</Link>
              </td>
            )}
            <RequestCells request={request} kindNote={request.needs_plan_change && <span className="badge badge-warn">needs plan change</span>} />
            <td>
              <Badge value={request.status} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** The support queue: open requests first (oldest first, as they are worked), any status on demand. */
export function RequestsPage() {
  const [params, setParams] = useSearchParams();
  const raw = params.get('status') ?? 'open';
  const status = REQUEST_STATUSES.find((value) => value === raw);
  const queue = useRequestQueue({ status });
  const counts = queue.page?.counts;
  const total = counts ? Object.values(counts).reduce((sum, count) => sum + count, 0) : undefined;

  return (
    <>
      <div className="page-header">
        <div>
          <h1>License requests</h1>
          <p className="muted">
            {counts ? `${counts.open} open · ${total} in all` : ' '} · oldest first. Customers ask from the portal; support approves or declines.
          </p>
        </div>
      </div>
      <div className="tabs" role="group" aria-label="Status">
        {[...REQUEST_STATUSES, 'all' as const].map((value) => (
          <button key={value} aria-pressed={(status ?? 'all') === value} onClick={() => setParams(value === 'open' ? {} : { status: value })}>
            {label(value).replace(/^./, (first) => first.toUpperCase())}
            <span className="count">{value === 'all' ? (total ?? '…') : (counts?.[value] ?? '…')}</span>
          </button>
        ))}
      </div>
      <ErrorNotice error={queue.error} />
      <div className="stack queue">
        <Card>
          {!queue.page ? (
            !queue.error && <Loading />
          ) : queue.page.items.length === 0 ? (
            <Empty>{status === 'open' ? 'No open requests: the queue is empty.' : `No ${status ?? ''} requests.`}</Empty>
          ) : (
            <>
              <RequestsTable items={queue.page.items} />
              <LoadMore list={queue} total={status ? counts?.[status] : total} />
            </>
          )}
        </Card>
      </div>
    </>
  );
}
