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

const PENDING_REQUEST = 'la.portal.pending-request';

/**
 * A request link (`?request=renewal&license_id=…`, from the license_expiring email) opened while signed out:
 * kept for an hour in local storage, because the sign-in link it leads to opens in another tab.
 */
export function stashRequestLink(): void {
  if (!new URLSearchParams(window.location.search).get('request')) return;
  localStorage.setItem(PENDING_REQUEST, JSON.stringify({ search: window.location.search, until: Date.now() + 3_600_000 }));
}

/** The stashed request link's query string, once. */
export function takeRequestLink(): URLSearchParams | null {
  const raw = localStorage.getItem(PENDING_REQUEST);
  if (!raw) return null;
  localStorage.removeItem(PENDING_REQUEST);
  const pending = JSON.parse(raw) as { search: string; until: number };
  return pending.until > Date.now() ? new URLSearchParams(pending.search) : null;
}
