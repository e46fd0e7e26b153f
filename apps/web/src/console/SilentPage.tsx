import { Link } from 'react-router';
import { unwrap } from '../shared/api';
import { formatDate, formatDateTime, relativeDays } from '../shared/format';
import { LoadMore, useCursorList } from '../shared/paging';
import { Card, DataTable, Empty, ErrorNotice, Loading } from '../shared/ui';
import { useStaff } from './staff';

const PAGE = 50;

/** BYOC installations whose last successful phone-home is older than PHONE_HOME_SILENCE_HOURS, by tenant id. */
export function SilentPage() {
  const { api } = useStaff();
  const silent = useCursorList((cursor) => api.GET('/api/v1/silent-installations', { params: { query: { limit: PAGE, cursor } } }).then(unwrap), [api]);

  return (
    <>
      <div className="page-header">
        <div>
          <h1>Silent installations</h1>
          <p className="muted">
            BYOC tenants whose newest active license has not phoned home successfully for {silent.page?.silence_hours ?? '…'} hours (PHONE_HOME_SILENCE_HOURS);
            support is emailed once per silence.
          </p>
        </div>
      </div>
      <ErrorNotice error={silent.error} />
      <Card>
        {!silent.page ? (
          !silent.error && <Loading />
        ) : silent.page.items.length === 0 ? (
          <Empty>Every BYOC installation has phoned home in time.</Empty>
        ) : (
          <DataTable
            rows={silent.page.items}
            rowKey={(row) => row.tenant_id}
            columns={[
              {
                header: 'Tenant',
                cell: (row) => (
                  <>
                    <Link to={`/tenants/${row.tenant_id}`}>{row.tenant_id}</Link>
                    <div className="muted">{row.tenant_name}</div>
                  </>
                ),
              },
              {
                header: 'License',
                cell: (row) => (
                  <>
                    <code title={row.license_id}>{row.license_id.slice(0, 8)}</code>
                    {row.environment && <div className="muted">{row.environment}</div>}
                  </>
                ),
              },
              { header: 'Plan', cell: (row) => row.plan_name ?? '—' },
              {
                header: 'Last phone-home',
                cell: (row) => (row.last_phone_home_at ? formatDateTime(row.last_phone_home_at) : <span className="muted">never</span>),
              },
              { header: 'Silent for', cell: (row) => `${row.silent_hours} h` },
              {
                header: 'Expires',
                cell: (row) => (
                  <>
                    {formatDate(row.expires_at)} <span className="muted">{relativeDays(row.expires_at)}</span>
                  </>
                ),
              },
              { header: 'Contact', cell: (row) => <a href={`mailto:${row.contact_email}`}>{row.contact_email}</a> },
            ]}
          />
        )}
        <LoadMore list={silent} />
      </Card>
    </>
  );
}
