const KEY = 'la.portal.session';

export interface PortalSession {
  token: string;
  tenantId: string;
  expiresAt: string;
}

/** Kept in session storage: gone when the tab closes, never sent anywhere but this API. */
export function loadSession(): PortalSession | null {
  const raw = sessionStorage.getItem(KEY);
  if (!raw) return null;
  const session = JSON.parse(raw) as PortalSession;
  return new Date(session.expiresAt).getTime() > Date.now() ? session : null;
}

export function saveSession(session: PortalSession | null): void {
  if (session) sessionStorage.setItem(KEY, JSON.stringify(session));
  else sessionStorage.removeItem(KEY);
}

/** The one-time token of a login link (`#login_token=lal_…`), removed from the address bar once read. */
export function takeLoginToken(): string | null {
  const match = /login_token=([A-Za-z0-9_-]+)/.exec(window.location.hash);
  if (!match) return null;
  history.replaceState(null, '', window.location.pathname + window.location.search);
  return match[1];
}
