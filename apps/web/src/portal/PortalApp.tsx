import { useEffect, useMemo, useRef, useState } from 'react';
import { Route, Routes } from 'react-router';
import { createApiClient, unwrap } from '../shared/api';
import { Loading } from '../shared/ui';
import { DashboardPage } from './DashboardPage';
import { loadSession, saveSession, stashRequestLink, takeLoginToken, type PortalSession } from './session';
import { SignInPage } from './SignInPage';

export function PortalApp() {
  const [session, setSession] = useState<PortalSession | null>(loadSession);
  const [loginToken] = useState(takeLoginToken);
  const [redeemError, setRedeemError] = useState<unknown>();
  const sessionRef = useRef(session);
  sessionRef.current = session;
  const api = useMemo(
    () =>
      createApiClient(
        () => sessionRef.current?.token ?? null,
        () => {
          saveSession(null);
          setSession(null);
        },
      ),
    [],
  );

  // Also when a session ends under a request link (signed out elsewhere, expired): the sign-in comes next.
  useEffect(() => {
    if (!session) stashRequestLink();
  }, [session]);

  useEffect(() => {
    if (!loginToken) return;
    api
      .POST('/api/v1/billing/login-links/redeem', { body: { token: loginToken } })
      .then(unwrap)
      .then((redeemed) => {
        const next = { token: redeemed.session_token, tenantId: redeemed.tenant_id, expiresAt: redeemed.expires_at };
        saveSession(next);
        setSession(next);
      })
      .catch(setRedeemError);
  }, [api, loginToken]);

  const signOut = async () => {
    await api.POST('/api/v1/portal/sign-out').catch(() => undefined);
    saveSession(null);
    setSession(null);
  };

  if (!session && loginToken && !redeemError) return <Loading />;
  if (!session) return <SignInPage api={api} redeemError={redeemError} />;
  return (
    <Routes>
      <Route path="*" element={<DashboardPage api={api} session={session} onSignOut={signOut} />} />
    </Routes>
  );
}
