import { useEffect, useMemo, useRef, useState } from 'react';
import { NavLink, Route, Routes } from 'react-router';
import { ApiError, createApiClient, unwrap, type Schemas } from '../shared/api';
import { Loading } from '../shared/ui';
import { AlertsPage } from './AlertsPage';
import { ConsoleSignIn } from './ConsoleSignIn';
import { InspectPage } from './InspectPage';
import { PlansPage } from './PlansPage';
import { RequestPage } from './RequestPage';
import { RequestsPage } from './RequestsPage';
import { SessionsPage } from './SessionsPage';
import { SilentPage } from './SilentPage';
import { can, StaffContext, storedToken } from './staff';
import { TenantPage } from './TenantPage';
import { TenantsPage } from './TenantsPage';
import { TokensPage } from './TokensPage';

export function ConsoleApp() {
  const [token, setToken] = useState(storedToken.get);
  // The answer of GET /api/v1/auth/session: who is signed in (token or SSO cookie), and how to sign in.
  const [auth, setAuth] = useState<Schemas['AuthSession']>();
  const [ended, setEnded] = useState<string | null>(null);
  const [checks, setChecks] = useState(0);
  const [error, setError] = useState<unknown>();
  const tokenRef = useRef(token);
  tokenRef.current = token;
  const csrfRef = useRef<string | undefined>(undefined);
  csrfRef.current = auth?.csrf_token;
  const viaRef = useRef(auth?.via);
  viaRef.current = auth?.via;
  const api = useMemo(() => {
    // A 401 means the token or the session is gone: ask the API again, which shows the sign-in page and why.
    const client = createApiClient(
      () => tokenRef.current,
      () => setChecks((value) => value + 1),
    );
    // The session cookie rides along by itself; writes must also carry the session's CSRF token.
    client.use({
      onRequest({ request }) {
        if (csrfRef.current && !['GET', 'HEAD', 'OPTIONS'].includes(request.method)) request.headers.set('X-CSRF-Token', csrfRef.current);
        return request;
      },
    });
    return client;
  }, []);

  useEffect(() => {
    let current = true;
    api
      .GET('/api/v1/auth/session')
      .then(unwrap)
      .then((session) => {
        if (!current) return;
        if (!session.authenticated && tokenRef.current) {
          storedToken.set(null);
          setToken(null);
          setError(new ApiError(401, session.reason ?? 'UNAUTHENTICATED', 'That token is unknown, expired or revoked.'));
        }
        // Signed in through SSO a moment ago and not now: the session expired, or was ended (sign-out elsewhere, an admin).
        if (!session.authenticated && (viaRef.current === 'session' || session.reason === 'SESSION_EXPIRED')) {
          setEnded(session.reason === 'SESSION_EXPIRED' ? 'SESSION_EXPIRED' : 'SESSION_ENDED');
        }
        setAuth(session);
      })
      .catch((caught: unknown) => current && setError(caught));
    return () => {
      current = false;
    };
  }, [api, token, checks]);

  const signOut = async () => {
    if (auth?.via === 'session') await api.POST('/api/v1/auth/logout').catch(() => undefined);
    storedToken.set(null);
    setToken(null);
    setEnded(null);
    setAuth((previous) => previous && { ...previous, authenticated: false, via: undefined, user: undefined, session: undefined, csrf_token: undefined });
  };

  if (!auth?.authenticated || !auth.user)
    return auth || error ? (
      <ConsoleSignIn
        offer={auth}
        ended={ended}
        error={error}
        onToken={(value) => {
          storedToken.set(value);
          setError(undefined);
          setEnded(null);
          setToken(value);
        }}
      />
    ) : (
      <Loading />
    );
  const who = { name: auth.user.name, email: auth.user.email, role: auth.user.role, sessionId: auth.session?.id ?? null };
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
          <NavLink to="/silent">Silent installations</NavLink>
          <NavLink to="/plans">Plans &amp; prices</NavLink>
          {can(who.role, 'admin') && <NavLink to="/tokens">Staff tokens</NavLink>}
          {can(who.role, 'admin') && auth.oidc.enabled && <NavLink to="/sessions">Sessions</NavLink>}
          <div className="who">
            <div className="who-name">{who.name}</div>
            {who.email && who.email !== who.name && <div>{who.email}</div>}
            <div>
              {who.role}
              {who.sessionId ? ' · single sign-on' : ' · API token'}
            </div>
            <button className="secondary small" onClick={() => void signOut()}>
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
            <Route path="/silent" element={<SilentPage />} />
            <Route path="/plans" element={<PlansPage />} />
            <Route path="/tokens" element={<TokensPage />} />
            <Route path="/sessions" element={<SessionsPage />} />
          </Routes>
        </main>
      </div>
    </StaffContext.Provider>
  );
}
