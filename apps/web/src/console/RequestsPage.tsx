import { useEffect, useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import { unwrap } from '../shared/api';
import { formatDateTime, label, relativeDays } from '../shared/format';
import { kindLabel, REQUEST_STATUSES, RequestCells, type LicenseRequest, type LicenseRequestStatus } from '../shared/license-requests';
import { Badge, Card, Empty, ErrorNotice, Loading } from '../shared/ui';
import { useStaff } from './staff';

const PAGE = 25;

type Page = { items: LicenseRequest[]; counts: Record<LicenseRequestStatus, number>; next_cursor: string | null };

/** Pages of license requests, oldest first; `loadMore` appends the next page (cursor). Reloads when the filter changes. */
export function useRequestQueue(query: { status?: LicenseRequestStatus; tenant_id?: string }, limit = PAGE) {
  const { api } = useStaff();
  const [state, setState] = useState<{ page?: Page; error?: unknown; loadingMore: boolean }>({ loadingMore: false });
  const fetchPage = (cursor?: string) => api.GET('/api/v1/license-requests', { params: { query: { ...query, limit, cursor } } }).then(unwrap);

  useEffect(() => {
    let current = true;
    setState({ loadingMore: false });
    fetchPage().then(
      (page) => current && setState({ page, loadingMore: false }),
      (error: unknown) => current && setState({ error, loadingMore: false }),
    );
    return () => {
      current = false;
    };
  }, [api, query.status, query.tenant_id]);

  const loadMore = async () => {
    const before = state.page;
    if (!before?.next_cursor) return;
    setState({ page: before, loadingMore: true });
    try {
      const next = await fetchPage(before.next_cursor);
      setState({ page: { ...next, items: [...before.items, ...next.items] }, loadingMore: false });
    } catch (error) {
      setState({ page: before, error, loadingMore: false });
    }
  };
  return { ...state, loadMore };
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
              {queue.page.next_cursor && (
                <div className="row load-more">
                  <button className="secondary small" onClick={() => void queue.loadMore()} disabled={queue.loadingMore}>
                    {queue.loadingMore ? 'Loading…' : 'Load more'}
                  </button>
                  <span className="muted">
                    Showing {queue.page.items.length} of {status ? counts?.[status] : total}
                  </span>
                </div>
              )}
            </>
          )}
        </Card>
      </div>
    </>
  );
}
