import { useState, type FormEvent } from 'react';
import { useSearchParams } from 'react-router';
import type { Schemas } from '../shared/api';
import { Banner, Card, ErrorNotice } from '../shared/ui';

/** What `?auth_error=CODE` (the sign-in callback's refusal) and an ended session mean, in words. */
const REFUSALS: Record<string, { title: string; detail: string }> = {
  OIDC_NO_ROLE: {
    title: 'Your account has no access to the console',
    detail: 'None of your groups at the identity provider is mapped to a console role. Ask an admin to add you to a console group.',
  },
  OIDC_STATE_INVALID: {
    title: 'That sign-in could not be finished',
    detail: 'It expired, was already used, or was started in another browser. Start again from this page.',
  },
  OIDC_CODE_REJECTED: {
    title: 'The identity provider’s answer could not be verified',
    detail: 'Start again from this page. If it keeps happening, tell an admin.',
  },
  OIDC_DENIED: { title: 'Sign-in was canceled', detail: 'The identity provider did not sign you in.' },
  OIDC_UNAVAILABLE: { title: 'The identity provider cannot be reached', detail: 'Try again in a moment.' },
  OIDC_NOT_CONFIGURED: { title: 'Single sign-on is not configured here', detail: 'Sign in with a staff API token.' },
  SESSION_EXPIRED: { title: 'Your session expired', detail: 'Sign in again to continue.' },
  SESSION_ENDED: { title: 'Your session has ended', detail: 'You signed out, or an admin ended the session. Sign in again to continue.' },
};

function refusal(code: string): { title: string; detail: string } {
  return REFUSALS[code] ?? { title: 'Sign-in failed', detail: `The sign-in was refused (${code}). Start again from this page.` };
}

/**
 * The console's sign-in: single sign-on when the API offers it (GET /api/v1/auth/session says so),
 * otherwise a pasted staff API token.
 */
export function ConsoleSignIn({
  offer,
  ended,
  onToken,
  error,
}: {
  offer: Schemas['AuthSession'] | undefined;
  ended: string | null;
  onToken: (token: string) => void;
  error: unknown;
}) {
  const [value, setValue] = useState('');
  const [params] = useSearchParams();
  const authError = params.get('auth_error');
  const problem = authError ?? ended;
  const submit = (event: FormEvent) => {
    event.preventDefault();
    onToken(value.trim());
  };
  const returnTo = `${window.location.pathname}`;
  return (
    <div className="center">
      <main className="signin">
        <p className="brand">
          AtlasAI <span>Support console</span>
        </p>
        <Card>
          <h1>Sign in</h1>
          {problem && (
            <Banner tone={authError ? 'bad' : 'info'} title={refusal(problem).title}>
              {refusal(problem).detail}
              {authError && (
                <>
                  {' '}
                  <code className="error-code">{authError}</code>
                </>
              )}
            </Banner>
          )}
          {offer?.oidc.enabled && offer.oidc.login_url ? (
            <div className="form">
              <p className="muted">Use your company account. Your console role comes from your groups at the identity provider.</p>
              <a className="button wide" href={`${offer.oidc.login_url}?return_to=${encodeURIComponent(returnTo)}`}>
                Sign in with single sign-on
              </a>
            </div>
          ) : (
            <>
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
            </>
          )}
        </Card>
      </main>
    </div>
  );
}
