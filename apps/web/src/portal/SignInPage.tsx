import { useState } from 'react';
import { unwrap, type ApiClient } from '../shared/api';
import { Banner, Card, ErrorNotice, useSubmit } from '../shared/ui';

/** Customers sign in with a one-time link mailed to the tenant's contact address. */
export function SignInPage({ api, redeemError }: { api: ApiClient; redeemError?: unknown }) {
  const [tenantId, setTenantId] = useState('');
  const [email, setEmail] = useState('');
  const [sent, setSent] = useState(false);
  const submit = useSubmit(async () => {
    unwrap(await api.POST('/api/v1/billing/login-links/request', { body: { tenant_id: tenantId.trim(), email: email.trim() } }));
    setSent(true);
  });

  return (
    <div className="center">
      <main className="signin">
        <p className="brand">
          AtlasAI <span>Licensing</span>
        </p>
        <Card>
          <h1>Sign in to your portal</h1>
          <p className="muted">We email a one-time sign-in link to your organisation's contact address.</p>
          {redeemError !== undefined && <ErrorNotice error={redeemError} />}
          {sent ? (
            <Banner tone="good" title="Check your inbox">
              If {email} is the contact address of {tenantId}, a sign-in link is on its way. It works once and expires soon.
            </Banner>
          ) : (
            <form className="form" onSubmit={submit.onSubmit}>
              <label>
                Tenant id
                <input
                  name="tenant_id"
                  value={tenantId}
                  onChange={(event) => setTenantId(event.target.value)}
                  required
                  autoComplete="organization"
                  placeholder="acme"
                />
              </label>
              <label>
                Contact email
                <input
                  name="email"
                  type="email"
                  value={email}
                  onChange={(event) => setEmail(event.target.value)}
                  required
                  autoComplete="email"
                  placeholder="ops@acme.example"
                />
              </label>
              <ErrorNotice error={submit.error} />
              <button type="submit" disabled={submit.busy}>
                Email me a sign-in link
              </button>
            </form>
          )}
        </Card>
      </main>
    </div>
  );
}
