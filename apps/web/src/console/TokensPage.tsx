import { useState, type FormEvent } from 'react';
import { unwrap } from '../shared/api';
import { formatDate, formatDateTime } from '../shared/format';
import { ACTIONS, Badge, Banner, Card, DataTable, ErrorNotice, Loading, useLoad } from '../shared/ui';
import { can, useStaff } from './staff';

type Role = 'admin' | 'support' | 'viewer' | 'service';

export function TokensPage() {
  const { api, role } = useStaff();
  const tokens = useLoad(() => (can(role, 'admin') ? api.GET('/api/v1/tokens').then(unwrap) : Promise.resolve(undefined)), [api, role]);
  const [form, setForm] = useState<{ name: string; role: Role; tenant_id: string }>({ name: '', role: 'support', tenant_id: '' });
  const [created, setCreated] = useState<string | null>(null);
  const [error, setError] = useState<unknown>();

  if (!can(role, 'admin')) return <Banner tone="info" title="Staff tokens are for admins." />;

  const create = async (event: FormEvent) => {
    event.preventDefault();
    setError(undefined);
    try {
      const token = unwrap(
        await api.POST('/api/v1/tokens', { body: { name: form.name, role: form.role, tenant_id: form.role === 'service' ? form.tenant_id : undefined } }),
      );
      setCreated(token.token);
      tokens.reload();
    } catch (caught) {
      setError(caught);
    }
  };

  const revoke = async (id: string) => {
    setError(undefined);
    try {
      unwrap(await api.POST('/api/v1/tokens/{id}/revoke', { params: { path: { id } } }));
      tokens.reload();
    } catch (caught) {
      setError(caught);
    }
  };

  return (
    <>
      <div className="page-header">
        <div>
          <h1>Staff tokens</h1>
          <p className="muted">API tokens for people and services. A token is shown once, when it is created.</p>
        </div>
      </div>
      <div className="stack">
        <Card title="New token" id="new-token-heading">
          <form className="form" onSubmit={create}>
            <div className="form-grid">
              <label>
                Name
                <input name="name" value={form.name} onChange={(event) => setForm({ ...form, name: event.target.value })} required />
              </label>
              <label>
                Role
                <select name="role" value={form.role} onChange={(event) => setForm({ ...form, role: event.target.value as Role })}>
                  <option value="viewer">viewer</option>
                  <option value="support">support</option>
                  <option value="admin">admin</option>
                  <option value="service">service (one tenant)</option>
                </select>
              </label>
              {form.role === 'service' && (
                <label>
                  Tenant
                  <input name="tenant_id" value={form.tenant_id} onChange={(event) => setForm({ ...form, tenant_id: event.target.value })} required />
                </label>
              )}
            </div>
            <ErrorNotice error={error} />
            <div>
              <button type="submit">Create token</button>
            </div>
          </form>
          {created && (
            <Banner tone="good" title="Copy this token now: it is not shown again">
              <code className="token-box">{created}</code>
            </Banner>
          )}
        </Card>
        <Card title="Tokens" id="tokens-heading">
          {!tokens.data ? (
            <Loading />
          ) : (
            <DataTable
              rows={tokens.data.items}
              rowKey={(token) => token.id}
              columns={[
                {
                  header: 'Name',
                  cell: (token) => (
                    <>
                      {token.name}
                      {token.tenantId && <span className="muted"> · {token.tenantId}</span>}
                    </>
                  ),
                },
                { header: 'Role', cell: (token) => token.role },
                { header: 'Prefix', className: 'mono', cell: (token) => `${token.tokenPrefix}…` },
                { header: 'Created', cell: (token) => formatDate(token.createdAt) },
                { header: 'Last used', cell: (token) => formatDateTime(token.lastUsedAt) },
                {
                  header: ACTIONS,
                  cell: (token) =>
                    token.revokedAt ? (
                      <Badge value="revoked" />
                    ) : (
                      <button className="small danger" onClick={() => void revoke(token.id)} aria-label={`Revoke token ${token.name}`}>
                        Revoke
                      </button>
                    ),
                },
              ]}
            />
          )}
        </Card>
      </div>
    </>
  );
}
