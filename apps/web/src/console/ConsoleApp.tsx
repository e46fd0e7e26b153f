import { useEffect, useMemo, useRef, useState, type FormEvent } from 'react';
import { NavLink, Route, Routes } from 'react-router';
import { createApiClient, unwrap } from '../shared/api';
import { Card, ErrorNotice, Loading } from '../shared/ui';
import { AlertsPage } from './AlertsPage';
import { InspectPage } from './InspectPage';
import { PlansPage } from './PlansPage';
import { RequestPage } from './RequestPage';
import { RequestsPage } from './RequestsPage';
import { can, StaffContext, storedToken, type StaffRole } from './staff';
import { TenantPage } from './TenantPage';
import { TenantsPage } from './TenantsPage';
import { TokensPage } from './TokensPage';

export function ConsoleApp() {
  const [token, setToken] = useState(storedToken.get);
  const [who, setWho] = useState<{ name: string; role: StaffRole } | null>(null);
  const [error, setError] = useState<unknown>();
  const tokenRef = useRef(token);
  tokenRef.current = token;
  const api = useMemo(
    () =>
      createApiClient(
        () => tokenRef.current,
        () => {
          storedToken.set(null);
          setToken(null);
          setWho(null);
        },
      ),
    [],
  );

  useEffect(() => {
    if (!token) return;
    api
      .GET('/api/v1/session')
      .then(unwrap)
      .then((session) => setWho({ name: session.name, role: session.role }))
      .catch((caught: unknown) => {
        storedToken.set(null);
        setToken(null);
        setError(caught);
      });
  }, [api, token]);

  const signOut = () => {
    storedToken.set(null);
    setToken(null);
    setWho(null);
  };

  if (!token)
    return (
      <SignIn
        error={error}
        onToken={(value) => {
          storedToken.set(value);
          setError(undefined);
          setToken(value);
        }}
      />
    );
  if (!who) return <Loading />;
  return (
    <StaffContext.Provider value={{ api, ...who }}>
      <div className="shell">
        <nav className="sidebar" aria-label="Console">
          <span className="brand">
            AtlasAI <span>Support</span>
          </span>
          <NavLink to="/" end>
            Tenants
          </NavLink>
          <NavLink to="/requests">License requests</NavLink>
          <NavLink to="/inspect">Token inspector</NavLink>
          <NavLink to="/alerts">Clone alerts</NavLink>
          <NavLink to="/plans">Plans &amp; prices</NavLink>
          {can(who.role, 'admin') && <NavLink to="/tokens">Staff tokens</NavLink>}
          <div className="who">
            <div>
              {who.name} · {who.role}
            </div>
            <button className="secondary small" onClick={signOut}>
              Sign out
            </button>
          </div>
        </nav>
        <main>
          <Routes>
            <Route path="/" element={<TenantsPage />} />
            <Route path="/tenants/:id" element={<TenantPage />} />
            <Route path="/requests" element={<RequestsPage />} />
            <Route path="/requests/:id" element={<RequestPage />} />
            <Route path="/inspect" element={<InspectPage />} />
            <Route path="/alerts" element={<AlertsPage />} />
            <Route path="/plans" element={<PlansPage />} />
            <Route path="/tokens" element={<TokensPage />} />
          </Routes>
        </main>
      </div>
    </StaffContext.Provider>
  );
}

function SignIn({ onToken, error }: { onToken: (token: string) => void; error: unknown }) {
  const [value, setValue] = useState('');
  const submit = (event: FormEvent) => {
    event.preventDefault();
    onToken(value.trim());
  };
  return (
    <div className="center">
      <main className="signin">
        <p className="brand">
          AtlasAI <span>Support console</span>
        </p>
        <Card>
          <h1>Sign in</h1>
          <p className="muted">
            Paste your staff API token (<code>la_…</code>, from <code>licensectl tokens create</code>). It stays in this tab only.
          </p>
          <form className="form" onSubmit={submit}>
            <label>
              Staff token
              <input name="token" type="password" value={value} onChange={(event) => setValue(event.target.value)} required autoComplete="off" />
            </label>
            <ErrorNotice error={error} />
            <button type="submit">Sign in</button>
          </form>
        </Card>
      </main>
    </div>
  );
}
