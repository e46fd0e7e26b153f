import { useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import { unwrap } from '../shared/api';
import { formatDate, label } from '../shared/format';
import { LoadMore, useCursorList } from '../shared/paging';
import { Card, DataTable, Empty, ErrorNotice, Loading } from '../shared/ui';
import { useStaff } from './staff';

const PAGE = 25;

export function TenantsPage() {
  const { api } = useStaff();
  const [params, setParams] = useSearchParams();
  const q = params.get('q') ?? '';
  const [draft, setDraft] = useState(q);
  const tenants = useCursorList(
    (cursor) => api.GET('/api/v1/tenants', { params: { query: { q: q || undefined, limit: PAGE, cursor } } }).then(unwrap),
    [api, q],
  );
  const total = tenants.page?.total;

  return (
    <>
      <div className="page-header">
        <div>
          <h1>Tenants</h1>
          <p className="muted">{total !== undefined ? `${total} tenant${total === 1 ? '' : 's'}${q ? ` matching “${q}”` : ''}` : ' '}</p>
        </div>
        <form
          className="row"
          role="search"
          onSubmit={(event) => {
            event.preventDefault();
            setParams(draft.trim() ? { q: draft.trim() } : {});
          }}
        >
          <label className="row">
            <span className="muted">Search</span>
            <input type="search" name="q" value={draft} onChange={(event) => setDraft(event.target.value)} placeholder="id, name or email" />
          </label>
          <button type="submit">Search</button>
        </form>
      </div>
      <ErrorNotice error={tenants.error} />
      <Card>
        {!tenants.page ? (
          !tenants.error && <Loading />
        ) : tenants.page.items.length === 0 ? (
          <Empty>No tenant matches.</Empty>
        ) : (
          <DataTable
            rows={tenants.page.items}
            rowKey={(tenant) => tenant.id}
            columns={[
              { header: 'Tenant', cell: (tenant) => <Link to={`/tenants/${tenant.id}`}>{tenant.id}</Link> },
              { header: 'Name', cell: (tenant) => tenant.name },
              { header: 'Contact', cell: (tenant) => tenant.contact_email },
              { header: 'Deployment', cell: (tenant) => label(tenant.deployment_mode) },
              { header: 'Created', cell: (tenant) => formatDate(tenant.created_at) },
            ]}
          />
        )}
        <LoadMore list={tenants} total={total} />
      </Card>
    </>
  );
}
