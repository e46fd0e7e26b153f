import { useState } from 'react';
import { Link } from 'react-router';
import { unwrap, type Schemas } from '../shared/api';
import { formatDate, formatDateTime, relativeDays } from '../shared/format';
import { Card, Empty, ErrorNotice, Loading, useLoad } from '../shared/ui';
import { useStaff } from './staff';

const PAGE = 50;

/** BYOC installations whose last successful phone-home is older than PHONE_HOME_SILENCE_HOURS, by tenant id. */
export function SilentPage() {
  const { api } = useStaff();
  const fetchPage = (cursor?: string) => api.GET('/api/v1/silent-installations', { params: { query: { limit: PAGE, cursor } } }).then(unwrap);
  const first = useLoad(() => fetchPage(), [api]);
  // Later pages, appended by "Load more" (keyset: each starts after the previous page's last tenant).
  const [more, setMore] = useState<{ items: Schemas['SilentInstallation'][]; next_cursor: string | null; error?: unknown } | null>(null);
  const items = [...(first.data?.items ?? []), ...(more?.items ?? [])];
  const cursor = more ? more.next_cursor : first.data?.next_cursor;

  const loadMore = async () => {
    if (!cursor) return;
    try {
      const page = await fetchPage(cursor);
      setMore({ items: [...(more?.items ?? []), ...page.items], next_cursor: page.next_cursor });
    } catch (error) {
      setMore({ items: more?.items ?? [], next_cursor: cursor, error });
    }
  };

  return (
    <>
      <div className="page-header">
        <div>
          <h1>Silent installations</h1>
          <p className="muted">
            BYOC tenants whose newest active license has not phoned home successfully for {first.data?.silence_hours ?? '…'} hours (PHONE_HOME_SILENCE_HOURS);
            support is emailed once per silence.
          </p>
        </div>
      </div>
      <ErrorNotice error={first.error ?? more?.error} />
      <Card>
        {!first.data ? (
          <Loading />
        ) : items.length === 0 ? (
          <Empty>Every BYOC installation has phoned home in time.</Empty>
        ) : (
          <table className="table">
            <thead>
              <tr>
                <th scope="col">Tenant</th>
                <th scope="col">License</th>
                <th scope="col">Plan</th>
                <th scope="col">Last phone-home</th>
                <th scope="col">Silent for</th>
                <th scope="col">Expires</th>
                <th scope="col">Contact</th>
              </tr>
            </thead>
            <tbody>
              {items.map((silent) => (
                <tr key={silent.tenant_id}>
                  <td>
                    <Link to={`/tenants/${silent.tenant_id}`}>{silent.tenant_id}</Link>
                    <div className="muted">{silent.tenant_name}</div>
                  </td>
                  <td>
                    <code title={silent.license_id}>{silent.license_id.slice(0, 8)}</code>
                    {silent.environment && <div className="muted">{silent.environment}</div>}
                  </td>
                  <td>{silent.plan_name ?? '—'}</td>
                  <td>{silent.last_phone_home_at ? formatDateTime(silent.last_phone_home_at) : <span className="muted">never</span>}</td>
                  <td>{silent.silent_hours} h</td>
                  <td>
                    {formatDate(silent.expires_at)} <span className="muted">{relativeDays(silent.expires_at)}</span>
                  </td>
                  <td>
                    <a href={`mailto:${silent.contact_email}`}>{silent.contact_email}</a>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        {cursor && (
          <p>
            <button className="secondary small" onClick={() => void loadMore()}>
              Load more
            </button>
          </p>
        )}
      </Card>
    </>
  );
}
