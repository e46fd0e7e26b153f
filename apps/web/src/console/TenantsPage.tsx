import { useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import { unwrap } from '../shared/api';
import { formatDate, label } from '../shared/format';
import { Card, Empty, ErrorNotice, Loading, useLoad } from '../shared/ui';
import { useStaff } from './staff';

const PAGE = 25;

export function TenantsPage() {
  const { api } = useStaff();
  const [params, setParams] = useSearchParams();
  const q = params.get('q') ?? '';
  const offset = Number(params.get('offset') ?? 0);
  const [draft, setDraft] = useState(q);
  const tenants = useLoad(() => api.GET('/api/v1/tenants', { params: { query: { q: q || undefined, limit: PAGE, offset } } }).then(unwrap), [api, q, offset]);

  return (
    <>
      <div className="page-header">
        <div>
          <h1>Tenants</h1>
          <p className="muted">{tenants.data ? `${tenants.data.total} tenant${tenants.data.total === 1 ? '' : 's'}${q ? ` matching “${q}”` : ''}` : ' '}</p>
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
        {!tenants.data ? (
          <Loading />
        ) : tenants.data.items.length === 0 ? (
          <Empty>No tenant matches.</Empty>
        ) : (
          <table className="table">
            <thead>
              <tr>
                <th scope="col">Tenant</th>
                <th scope="col">Name</th>
                <th scope="col">Contact</th>
                <th scope="col">Deployment</th>
                <th scope="col">Created</th>
              </tr>
            </thead>
            <tbody>
              {tenants.data.items.map((tenant) => (
                <tr key={tenant.id}>
                  <td>
                    <Link to={`/tenants/${tenant.id}`}>{tenant.id}</Link>
                  </td>
                  <td>{tenant.name}</td>
                  <td>{tenant.contact_email}</td>
                  <td>{label(tenant.deployment_mode)}</td>
                  <td>{formatDate(tenant.created_at)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        {tenants.data && (offset > 0 || tenants.data.next_offset !== null) && (
          <div className="row">
            <button
              className="secondary small"
              disabled={offset === 0}
              onClick={() => setParams({ ...(q ? { q } : {}), offset: String(Math.max(0, offset - PAGE)) })}
            >
              Previous
            </button>
            <button
              className="secondary small"
              disabled={tenants.data.next_offset === null}
              onClick={() => setParams({ ...(q ? { q } : {}), offset: String(tenants.data?.next_offset ?? 0) })}
            >
              Next
            </button>
          </div>
        )}
      </Card>
    </>
  );
}
