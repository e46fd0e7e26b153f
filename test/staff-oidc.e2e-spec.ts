import { freePort } from './support/control-plane-process.js';
import { TestIdp } from './support/oidc-idp.js';
import { startTestApp, type TestApp } from './support/test-app.js';

const MINUTE_MS = 60_000;
const SESSION = '__Host-la_session';
const CSRF = '__Host-la_csrf';

/**
 * A browser without a screen: one cookie jar per host (Secure is ignored on loopback, as browsers do for
 * localhost), redirects followed by hand so a test can stop at a hop and tamper with it.
 */
class Browser {
  private readonly jars = new Map<string, Map<string, string>>();
  /** Every Set-Cookie line received, to check the cookies' attributes. */
  readonly setCookies: string[] = [];

  async request(url: string, init: { method?: string; headers?: Record<string, string>; body?: unknown } = {}): Promise<Response> {
    const target = new URL(url);
    const jar = this.jar(target.host);
    const headers: Record<string, string> = { ...init.headers };
    if (jar.size > 0) headers.cookie = [...jar].map(([name, value]) => `${name}=${value}`).join('; ');
    if (init.body !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(target, {
      method: init.method ?? 'GET',
      headers,
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
      redirect: 'manual',
    });
    for (const line of response.headers.getSetCookie()) {
      this.setCookies.push(line);
      const [pair, ...attributes] = line.split(';');
      const [name, value] = [pair.slice(0, pair.indexOf('=')).trim(), pair.slice(pair.indexOf('=') + 1).trim()];
      const expires = attributes.find((attribute) => /^\s*expires=/i.test(attribute));
      if (!value || (expires && new Date(expires.slice(expires.indexOf('=') + 1)) <= new Date())) jar.delete(name);
      else jar.set(name, value);
    }
    return response;
  }

  /** Follows redirects from `url` until a response that is not one, or until the next hop starts with `stopAt` (not requested). */
  async follow(url: string, stopAt?: string): Promise<{ url: string; response?: Response }> {
    let current = url;
    for (let hop = 0; hop < 10; hop += 1) {
      if (stopAt && hop > 0 && current.startsWith(stopAt)) return { url: current };
      const response = await this.request(current);
      if (response.status < 300 || response.status >= 400) return { url: current, response };
      await response.arrayBuffer();
      current = new URL(response.headers.get('location')!, current).href;
    }
    throw new Error(`too many redirects from ${url}`);
  }

  cookie(host: string, name: string): string | undefined {
    return this.jar(host).get(name);
  }

  setCookie(host: string, name: string, value: string): void {
    this.jar(host).set(name, value);
  }

  private jar(host: string): Map<string, string> {
    let jar = this.jars.get(host);
    if (!jar) this.jars.set(host, (jar = new Map()));
    return jar;
  }
}

describe('staff sign-in through a real OpenID provider (end to end)', () => {
  let idp: TestIdp;
  let cp: TestApp;
  let host: string;
  let loginUrl: string;
  let callbackUrl: string;

  beforeAll(async () => {
    const port = await freePort();
    host = `127.0.0.1:${port}`;
    callbackUrl = `http://${host}/api/v1/auth/oidc/callback`;
    loginUrl = `http://${host}/api/v1/auth/oidc/login`;
    idp = await TestIdp.start({
      redirectUrl: callbackUrl,
      users: [
        { sub: 'ada', email: 'ada@atlas.example', name: 'Ada Admin', groups: ['everyone', 'atlas-admins'] },
        { sub: 'sam', email: 'sam@atlas.example', name: 'Sam Support', groups: ['atlas-viewers', 'atlas-support'] },
        { sub: 'vic', email: 'vic@atlas.example', name: 'Vic Viewer', groups: ['atlas-viewers'] },
        { sub: 'nina', email: 'nina@atlas.example', name: 'Nina Marketing', groups: ['marketing'] },
      ],
    });
    cp = await startTestApp('staff-oidc', {
      port,
      env: {
        ...idp.env(),
        OIDC_REDIRECT_URL: callbackUrl,
        OIDC_ROLE_MAPPING: 'atlas-admins=admin,atlas-support=support,atlas-viewers=viewer',
        SESSION_IDLE_TIMEOUT_MINUTES: '30',
        SESSION_ABSOLUTE_TIMEOUT_HOURS: '2',
      },
    });
  });

  afterAll(async () => {
    await cp?.destroy();
    await idp?.close();
  });

  /** A fresh browser signs in as `person` all the way through the IdP and lands on the console. */
  async function signIn(person: string, returnTo?: string): Promise<Browser> {
    const browser = new Browser();
    idp.signInAs = person;
    const landed = await browser.follow(returnTo === undefined ? loginUrl : `${loginUrl}?return_to=${encodeURIComponent(returnTo)}`);
    expect(landed.response?.status).toBe(200);
    expect(browser.cookie(host, SESSION)).toMatch(/^las_/);
    return browser;
  }

  /** Starts a sign-in and walks the IdP, stopping before the callback: the callback URL as the IdP built it. */
  async function untilCallback(browser: Browser, person: string, tamper: (authorize: URL) => void = () => undefined): Promise<URL> {
    const login = await browser.request(loginUrl);
    expect(login.status).toBe(302);
    const authorize = new URL(login.headers.get('location')!);
    expect(authorize.origin).toBe(idp.issuer);
    tamper(authorize);
    idp.signInAs = person;
    const stopped = await browser.follow(authorize.href, callbackUrl);
    expect(stopped.response).toBeUndefined();
    return new URL(stopped.url);
  }

  /** The callback's answer: where it sends the browser. */
  async function callback(browser: Browser, url: URL | string): Promise<string> {
    const response = await browser.request(url.toString());
    expect(response.status).toBe(303);
    return response.headers.get('location')!;
  }

  function api(browser: Browser, method: string, path: string, options: { body?: unknown; csrf?: string | false } = {}) {
    const csrf = options.csrf === undefined ? browser.cookie(host, CSRF) : options.csrf;
    const headers: Record<string, string> = csrf ? { 'x-csrf-token': csrf } : {};
    return browser.request(`http://${host}${path}`, { method, headers, body: options.body }).then(async (response) => ({
      status: response.status,
      body: (await response.json().catch(() => undefined)) as any,
    }));
  }

  const tenant = (id: string) => ({ id, name: `Tenant ${id}`, contact_email: `it@${id}.example`, deployment_mode: 'on_prem' });

  it('offers single sign-on instead of token sign-in', async () => {
    const anonymous = await cp.http('GET', '/api/v1/auth/session');
    expect(anonymous).toMatchObject({
      status: 200,
      body: { authenticated: false, reason: 'UNAUTHENTICATED', oidc: { enabled: true, login_url: '/api/v1/auth/oidc/login' }, token_sign_in: false },
    });
  });

  it('signs a person in through the IdP with PKCE: an HttpOnly session cookie, a CSRF token and the role their groups map to', async () => {
    const browser = new Browser();
    const login = await browser.request(`${loginUrl}?return_to=/console/tenants/acme`);
    expect(login.status).toBe(302);
    const authorize = new URL(login.headers.get('location')!);
    expect(Object.fromEntries(authorize.searchParams)).toMatchObject({
      client_id: idp.clientId,
      redirect_uri: callbackUrl,
      response_type: 'code',
      scope: 'openid email profile groups',
      code_challenge_method: 'S256',
    });
    expect(authorize.searchParams.get('state')).toBeTruthy();
    expect(authorize.searchParams.get('nonce')).toBeTruthy();
    expect(browser.setCookies.find((line) => line.startsWith('__Host-la_oidc='))).toMatch(/HttpOnly/);

    idp.signInAs = 'sam';
    const landed = await browser.follow(authorize.href);
    expect(landed.url).toBe(`http://${host}/console/tenants/acme`);
    const sessionCookie = browser.setCookies.find((line) => line.startsWith(`${SESSION}=las_`))!;
    expect(sessionCookie).toMatch(/; Path=\//);
    expect(sessionCookie).toMatch(/; HttpOnly/);
    expect(sessionCookie).toMatch(/; Secure/);
    expect(sessionCookie).toMatch(/; SameSite=Lax/);
    expect(browser.setCookies.find((line) => line.startsWith(`${CSRF}=`))).not.toMatch(/HttpOnly/);
    expect(browser.cookie(host, '__Host-la_oidc')).toBeUndefined();

    const session = await api(browser, 'GET', '/api/v1/auth/session');
    expect(session).toMatchObject({
      status: 200,
      body: {
        authenticated: true,
        via: 'session',
        oidc: { enabled: true },
        user: { name: 'Sam Support', email: 'sam@atlas.example', subject: 'sam', role: 'support' },
        csrf_token: browser.cookie(host, CSRF),
      },
    });
    // The strongest mapped group wins (sam is also in atlas-viewers); the idle deadline is 30 minutes out.
    expect(new Date(session.body.session.idle_expires_at).getTime() - cp.clock.now().getTime()).toBe(30 * MINUTE_MS);
    expect(new Date(session.body.session.absolute_expires_at).getTime() - cp.clock.now().getTime()).toBe(120 * MINUTE_MS);

    // A write with the cookie alone is refused: a hostile page can make the browser send the cookie, not the token.
    expect(await api(browser, 'POST', '/api/v1/tenants', { body: tenant('no-csrf'), csrf: false })).toMatchObject({
      status: 403,
      body: { error: { code: 'CSRF_TOKEN_INVALID' } },
    });
    expect(await api(browser, 'POST', '/api/v1/tenants', { body: tenant('bad-csrf'), csrf: 'x'.repeat(43) })).toMatchObject({
      status: 403,
      body: { error: { code: 'CSRF_TOKEN_INVALID' } },
    });
    expect(await api(browser, 'POST', '/api/v1/tenants', { body: tenant('acme') })).toMatchObject({ status: 201, body: { id: 'acme' } });
    expect((await cp.http('GET', '/api/v1/tenants/no-csrf', { token: await cp.token('viewer') })).status).toBe(404);

    // The audit log names the person, not a token.
    const admin = await cp.token('admin');
    const created = await cp.http('GET', '/api/v1/audit-events?target_type=tenant&target_id=acme', { token: admin });
    expect(created.body.items).toEqual([
      expect.objectContaining({
        action: 'tenant.created',
        actor: 'oidc:sam@atlas.example',
        actor_details: expect.objectContaining({ type: 'oidc', subject: 'sam', email: 'sam@atlas.example', name: 'Sam Support', token_id: null }),
      }),
    ]);
    const started = await cp.http('GET', `/api/v1/audit-events?action=session.started&target_id=${session.body.session.id}`, { token: admin });
    expect(started.body.items).toEqual([
      expect.objectContaining({
        actor: 'oidc:sam@atlas.example',
        details: { role: 'support', groups: ['atlas-viewers', 'atlas-support'] },
        actor_details: expect.objectContaining({ type: 'oidc', subject: 'sam' }),
      }),
    ]);
  });

  it('maps roles from groups: an admin, a viewer refused on a support write, and no session for a person in no mapped group', async () => {
    const ada = await signIn('ada');
    expect((await api(ada, 'GET', '/api/v1/auth/session')).body.user).toMatchObject({ role: 'admin', subject: 'ada' });
    expect((await api(ada, 'GET', '/api/v1/sessions')).status).toBe(200);

    const vic = await signIn('vic');
    expect((await api(vic, 'GET', '/api/v1/auth/session')).body.user).toMatchObject({ role: 'viewer' });
    expect((await api(vic, 'GET', '/api/v1/tenants')).status).toBe(200);
    expect(await api(vic, 'POST', '/api/v1/tenants', { body: tenant('by-viewer') })).toMatchObject({ status: 403, body: { error: { code: 'FORBIDDEN' } } });
    expect(await api(vic, 'GET', '/api/v1/sessions')).toMatchObject({ status: 403, body: { error: { code: 'FORBIDDEN' } } });

    const nina = new Browser();
    expect(await callback(nina, await untilCallback(nina, 'nina'))).toBe('/console/?auth_error=OIDC_NO_ROLE');
    expect(nina.cookie(host, SESSION)).toBeUndefined();
    expect((await api(nina, 'GET', '/api/v1/auth/session')).body).toMatchObject({ authenticated: false });
  });

  it('refuses a tampered, replayed, foreign, stale or denied callback, and a tampered nonce or PKCE challenge', async () => {
    // state changed on the way back
    const forged = new Browser();
    const forgedUrl = await untilCallback(forged, 'sam');
    forgedUrl.searchParams.set('state', `${forgedUrl.searchParams.get('state')}x`);
    expect(await callback(forged, forgedUrl)).toBe('/console/?auth_error=OIDC_STATE_INVALID');
    expect(forged.cookie(host, SESSION)).toBeUndefined();

    // a good callback, then the same one again (the attempt was used)
    const replay = new Browser();
    const good = await untilCallback(replay, 'sam');
    expect(await callback(replay, good)).toBe('/console/');
    expect(await callback(new Browser(), good)).toBe('/console/?auth_error=OIDC_STATE_INVALID');

    // a callback started in another browser (login CSRF: an attacker's code planted in the victim's browser)
    const attacker = new Browser();
    const planted = await untilCallback(attacker, 'nina');
    const victim = new Browser();
    expect(await callback(victim, planted)).toBe('/console/?auth_error=OIDC_STATE_INVALID');
    expect(victim.cookie(host, SESSION)).toBeUndefined();
    // ...and that attempt is gone for its own browser too
    expect(await callback(attacker, planted)).toBe('/console/?auth_error=OIDC_STATE_INVALID');

    // the nonce in the authorization request altered: the ID token carries the wrong one
    const nonce = new Browser();
    const wrongNonce = await untilCallback(nonce, 'sam', (authorize) => authorize.searchParams.set('nonce', 'attacker-chosen-nonce'));
    expect(await callback(nonce, wrongNonce)).toBe('/console/?auth_error=OIDC_CODE_REJECTED');
    expect(nonce.cookie(host, SESSION)).toBeUndefined();

    // the PKCE challenge altered: the IdP refuses the code for our verifier
    const pkce = new Browser();
    const wrongChallenge = await untilCallback(pkce, 'sam', (authorize) =>
      authorize.searchParams.set('code_challenge', 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM'),
    );
    expect(await callback(pkce, wrongChallenge)).toBe('/console/?auth_error=OIDC_CODE_REJECTED');

    // more than ten minutes at the IdP
    const slow = new Browser();
    const late = await untilCallback(slow, 'sam');
    const start = cp.clock.now();
    try {
      cp.clock.advance(10 * MINUTE_MS + 1);
      expect(await callback(slow, late)).toBe('/console/?auth_error=OIDC_STATE_INVALID');
    } finally {
      cp.clock.set(start);
    }

    // the person cancels at the IdP
    const canceled = new Browser();
    const login = await canceled.request(loginUrl);
    idp.signInAs = { deny: true };
    const back = await canceled.follow(login.headers.get('location')!, callbackUrl);
    expect(new URL(back.url).searchParams.get('error')).toBe('access_denied');
    expect(await callback(canceled, back.url)).toBe('/console/?auth_error=OIDC_DENIED');

    // return_to must be a path on this origin
    const open = await signIn('vic', 'https://evil.example/phish');
    expect(open.cookie(host, SESSION)).toBeDefined();
    const protocolRelative = new Browser();
    const login2 = await protocolRelative.request(`${loginUrl}?return_to=${encodeURIComponent('//evil.example/')}`);
    idp.signInAs = 'vic';
    const landed = await protocolRelative.follow(login2.headers.get('location')!);
    expect(landed.url).toBe(`http://${host}/console/`);
  });

  it('ends a session after the idle timeout, and after the absolute timeout however active the person is', async () => {
    const start = cp.clock.now();
    try {
      const idle = await signIn('vic');
      cp.clock.advance(29 * MINUTE_MS);
      expect((await api(idle, 'GET', '/api/v1/tenants')).status).toBe(200);
      cp.clock.advance(29 * MINUTE_MS);
      expect((await api(idle, 'GET', '/api/v1/tenants')).status).toBe(200);
      cp.clock.advance(30 * MINUTE_MS);
      expect(await api(idle, 'GET', '/api/v1/tenants')).toMatchObject({ status: 401, body: { error: { code: 'SESSION_EXPIRED' } } });
      expect((await api(idle, 'GET', '/api/v1/auth/session')).body).toMatchObject({ authenticated: false, reason: 'SESSION_EXPIRED' });

      cp.clock.set(start);
      const busy = await signIn('vic');
      for (let minute = 25; minute < 120; minute += 25) {
        cp.clock.set(new Date(start.getTime() + minute * MINUTE_MS));
        expect((await api(busy, 'GET', '/api/v1/tenants')).status).toBe(200);
      }
      // At 100 minutes the idle deadline is capped by the absolute one (120), not 130.
      const late = await api(busy, 'GET', '/api/v1/auth/session');
      expect(late.body.session.idle_expires_at).toBe(late.body.session.absolute_expires_at);
      cp.clock.set(new Date(start.getTime() + 120 * MINUTE_MS - 1));
      expect((await api(busy, 'GET', '/api/v1/tenants')).status).toBe(200);
      cp.clock.advance(1);
      expect(await api(busy, 'GET', '/api/v1/tenants')).toMatchObject({ status: 401, body: { error: { code: 'SESSION_EXPIRED' } } });
    } finally {
      cp.clock.set(start);
    }
  });

  it('lets an admin list live sessions and revoke one: its next request is 401, and the audit log says who did it', async () => {
    const ada = await signIn('ada');
    const sam = await signIn('sam');
    const samSession = (await api(sam, 'GET', '/api/v1/auth/session')).body.session.id as string;

    const listed = await api(ada, 'GET', '/api/v1/sessions');
    expect(listed.status).toBe(200);
    expect(listed.body.items).toContainEqual(
      expect.objectContaining({ id: samSession, subject: 'sam', email: 'sam@atlas.example', name: 'Sam Support', role: 'support', revoked_at: null }),
    );
    expect(await api(sam, 'POST', `/api/v1/sessions/${samSession}/revoke`)).toMatchObject({ status: 403, body: { error: { code: 'FORBIDDEN' } } });
    expect(await api(ada, 'POST', `/api/v1/sessions/${samSession}/revoke`, { csrf: false })).toMatchObject({
      status: 403,
      body: { error: { code: 'CSRF_TOKEN_INVALID' } },
    });

    const revoked = await api(ada, 'POST', `/api/v1/sessions/${samSession}/revoke`);
    expect(revoked).toMatchObject({ status: 200, body: { id: samSession, revoked_by: 'oidc:ada@atlas.example' } });
    expect(await api(sam, 'GET', '/api/v1/tenants')).toMatchObject({ status: 401, body: { error: { code: 'UNAUTHENTICATED' } } });
    expect((await api(sam, 'GET', '/api/v1/auth/session')).body).toMatchObject({ authenticated: false });
    expect(await api(ada, 'POST', `/api/v1/sessions/${samSession}/revoke`)).toMatchObject({ status: 409, body: { error: { code: 'SESSION_ALREADY_ENDED' } } });
    expect((await api(ada, 'GET', '/api/v1/sessions')).body.items.map((item: { id: string }) => item.id)).not.toContain(samSession);

    const audit = await api(ada, 'GET', `/api/v1/audit-events?action=session.revoked&target_id=${samSession}`);
    expect(audit.body.items).toEqual([
      expect.objectContaining({
        actor: 'oidc:ada@atlas.example',
        details: { subject: 'sam', email: 'sam@atlas.example' },
        actor_details: expect.objectContaining({ type: 'oidc', subject: 'ada', name: 'Ada Admin' }),
      }),
    ]);
  });

  it('signs out: the cookie is cleared and the old secret is dead; a token cannot "sign out"', async () => {
    const vic = await signIn('vic');
    const secret = vic.cookie(host, SESSION)!;
    const sessionId = (await api(vic, 'GET', '/api/v1/auth/session')).body.session.id as string;
    expect(await api(vic, 'POST', '/api/v1/auth/logout', { csrf: false })).toMatchObject({ status: 403, body: { error: { code: 'CSRF_TOKEN_INVALID' } } });
    expect(await api(vic, 'POST', '/api/v1/auth/logout')).toMatchObject({ status: 200, body: { signed_out: true } });
    expect(vic.cookie(host, SESSION)).toBeUndefined();
    expect(vic.cookie(host, CSRF)).toBeUndefined();

    const stolen = new Browser();
    stolen.setCookie(host, SESSION, secret);
    expect(await api(stolen, 'GET', '/api/v1/tenants')).toMatchObject({ status: 401, body: { error: { code: 'UNAUTHENTICATED' } } });
    const admin = await cp.token('admin');
    const audit = await cp.http('GET', `/api/v1/audit-events?action=session.signed_out&target_id=${sessionId}`, { token: admin });
    expect(audit.body.items).toEqual([expect.objectContaining({ actor: 'oidc:vic@atlas.example' })]);
    expect((await cp.http('GET', '/api/v1/sessions', { token: admin })).body.items.map((item: { id: string }) => item.id)).not.toContain(sessionId);

    expect(await cp.http('POST', '/api/v1/auth/logout', { token: admin })).toMatchObject({ status: 400, body: { error: { code: 'NOT_A_SESSION' } } });
    expect(await cp.http('GET', '/api/v1/auth/session', { token: admin })).toMatchObject({
      status: 200,
      body: { authenticated: true, via: 'token', user: { role: 'admin' } },
    });
  });
  // Last in this block: it stops the identity provider.
  it('sends the browser back to the console with a reason when the identity provider goes down between login and callback', async () => {
    const browser = new Browser();
    const url = await untilCallback(browser, 'ada');
    await idp.close();
    expect(await callback(browser, url)).toBe('/console/?auth_error=OIDC_UNAVAILABLE');
    expect(browser.cookie(host, SESSION)).toBeUndefined();
  });
});

describe('staff sign-in while the identity provider is down', () => {
  let cp: TestApp;

  beforeAll(async () => {
    const [port, deadIdpPort] = await Promise.all([freePort(), freePort()]);
    cp = await startTestApp('staff-oidc-down', {
      port,
      env: {
        OIDC_ISSUER_URL: `http://127.0.0.1:${deadIdpPort}`,
        OIDC_CLIENT_ID: 'license-authority',
        OIDC_REDIRECT_URL: `http://127.0.0.1:${port}/api/v1/auth/oidc/callback`,
        OIDC_ROLE_MAPPING: 'atlas-admins=admin',
      },
    });
  });

  afterAll(async () => {
    await cp?.destroy();
  });

  it('sends the browser back to the console with a reason instead of showing it a JSON error', async () => {
    const login = await fetch(`${cp.baseUrl}/api/v1/auth/oidc/login`, { redirect: 'manual' });
    expect(login.status).toBe(303);
    expect(login.headers.get('location')).toBe('/console/?auth_error=OIDC_UNAVAILABLE');
    expect(login.headers.getSetCookie()).toEqual([]);
    expect((await cp.http('GET', '/api/v1/auth/session')).body).toMatchObject({ authenticated: false, oidc: { enabled: true } });
    // A callback reaching a replica that has not discovered the IdP yet (it restarted after the login).
    const callback = await fetch(`${cp.baseUrl}/api/v1/auth/oidc/callback?code=abc&state=def`, { redirect: 'manual' });
    expect(callback.status).toBe(303);
    expect(callback.headers.get('location')).toBe('/console/?auth_error=OIDC_UNAVAILABLE');
  });
});
