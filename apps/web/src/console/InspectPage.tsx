import { useState, type FormEvent } from 'react';
import { unwrap, type ApiClient } from '../shared/api';
import { formatDate } from '../shared/format';
import { Badge, Banner, Card, ErrorNotice, Facts } from '../shared/ui';
import { useStaff } from './staff';

type Inspection = Awaited<ReturnType<typeof inspect>>;

function inspect(api: ApiClient, token: string) {
  return api.POST('/api/v1/licenses/inspect', { body: { token } }).then(unwrap);
}

/** Paste a token a customer sent: signature verdict, phase and claims, and what the CP knows of it. */
export function InspectPage() {
  const { api } = useStaff();
  const [token, setToken] = useState('');
  const [result, setResult] = useState<Inspection>();
  const [error, setError] = useState<unknown>();

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setError(undefined);
    try {
      setResult(await inspect(api, token.trim()));
    } catch (caught) {
      setError(caught);
    }
  };

  return (
    <>
      <div className="page-header">
        <div>
          <h1>Token inspector</h1>
          <p className="muted">Verifies a license token against every key this CP has signed with.</p>
        </div>
      </div>
      <div className="stack">
        <Card>
          <form className="form" onSubmit={submit}>
            <label>
              License token
              <textarea name="token" rows={5} value={token} onChange={(event) => setToken(event.target.value)} required placeholder="eyJhbGciOiJSUzI1NiIs…" />
            </label>
            <ErrorNotice error={error} />
            <div>
              <button type="submit">Inspect</button>
            </div>
          </form>
        </Card>
        {result && !('claims' in result) && (
          <Banner tone="bad" title={`Invalid: ${result.reason}`}>
            {result.message}
          </Banner>
        )}
        {result && 'claims' in result && (
          <Card title="Verdict" id="verdict-heading">
            <Facts
              items={[
                ['Signature', <Badge key="valid" value="active" />],
                ['Phase', <Badge key="phase" value={result.status} />],
                ['Days left in phase', String(result.days_remaining)],
                ['Tenant', result.claims.tenant_id],
                ['Plan', result.claims.plan_name],
                ['Mode', result.claims.deployment_mode],
                ['Expires', formatDate(new Date(result.claims.exp * 1000).toISOString())],
                ['Record', result.record ? <Badge key="record" value={result.record.status} /> : 'unknown to this CP'],
              ]}
            />
            <details>
              <summary>Claims</summary>
              <pre className="token-box">{JSON.stringify(result.claims, null, 2)}</pre>
            </details>
          </Card>
        )}
      </div>
    </>
  );
}
