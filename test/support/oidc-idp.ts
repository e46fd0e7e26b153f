import { generateKeyPairSync } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import Provider from 'oidc-provider';

/** A person the IdP knows; `groups` is released as the `groups` claim (scope `groups`), as Okta, Entra ID and Keycloak can. */
export interface IdpUser {
  sub: string;
  email: string;
  name: string;
  groups: string[];
}

export interface TestIdpOptions {
  /** The control plane's callback, registered as the client's only redirect URI. */
  redirectUrl: string;
  users: IdpUser[];
  clientId?: string;
  clientSecret?: string;
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const escapeHtml = (value: string) => value.replace(/[&<>"']/g, (character) => ESCAPES[character]);

/**
 * A real OpenID provider (`oidc-provider`) on a loopback port, with one confidential client (PKCE
 * required) and a fixed directory of people. Its sign-in page lists the people with a button each;
 * a test that drives HTTP by hand sets `signInAs` instead and the interaction completes with no form.
 * Consent is granted for whatever the client asked (a first-party app).
 */
export class TestIdp {
  /** The next sign-in completes as this person (no page), or is refused as `access_denied`; undefined: show the page. */
  signInAs: string | { deny: true } | undefined;

  private constructor(
    private readonly server: Server,
    readonly issuer: string,
    private readonly provider: Provider,
    private readonly users: Map<string, IdpUser>,
    readonly clientId: string,
    readonly clientSecret: string,
  ) {}

  static async start(options: TestIdpOptions): Promise<TestIdp> {
    const server = createServer();
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    const issuer = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    const users = new Map(options.users.map((user) => [user.sub, user]));
    const clientId = options.clientId ?? 'license-authority';
    const clientSecret = options.clientSecret ?? 'test-client-secret-0123456789abcdef';
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const provider = new Provider(issuer, {
      clients: [
        {
          client_id: clientId,
          client_secret: clientSecret,
          redirect_uris: [options.redirectUrl],
          grant_types: ['authorization_code'],
          response_types: ['code'],
          token_endpoint_auth_method: 'client_secret_post',
        },
      ],
      jwks: { keys: [{ ...privateKey.export({ format: 'jwk' }), kid: 'test-idp', use: 'sig', alg: 'RS256' }] },
      cookies: { keys: ['test-idp-cookie-key'] },
      scopes: ['openid', 'email', 'profile', 'groups'],
      claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'], groups: ['groups'] },
      pkce: { required: () => true },
      features: { devInteractions: { enabled: false } },
      interactions: { url: (_ctx: unknown, interaction: { uid: string }) => `/interaction/${interaction.uid}` },
      findAccount: (_ctx: unknown, sub: string) => {
        const user = users.get(sub);
        if (!user) return undefined;
        return { accountId: sub, claims: () => ({ sub, email: user.email, email_verified: true, name: user.name, groups: user.groups }) };
      },
    });
    const idp = new TestIdp(server, issuer, provider, users, clientId, clientSecret);
    const handler = provider.callback();
    server.on('request', (request: IncomingMessage, response: ServerResponse) => {
      if (request.url?.startsWith('/interaction/')) {
        idp.interaction(request, response).catch((error: unknown) => {
          response.statusCode = 500;
          response.end(String(error));
        });
      } else {
        handler(request, response);
      }
    });
    return idp;
  }

  /** The control plane's OIDC_* settings for this IdP (the caller adds OIDC_REDIRECT_URL and the role mapping). */
  env(): Record<string, string> {
    return {
      OIDC_ISSUER_URL: this.issuer,
      OIDC_CLIENT_ID: this.clientId,
      OIDC_CLIENT_SECRET: this.clientSecret,
      OIDC_SCOPES: 'openid email profile groups',
    };
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((done) => this.server.close(() => done()));
  }

  private async interaction(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const details = await this.provider.interactionDetails(request, response);
    let choice: string | { deny: true } | undefined = this.signInAs;
    if (request.method === 'POST') {
      const form = new URLSearchParams(await readBody(request));
      choice = form.get('user') === 'cancel' ? { deny: true } : (form.get('user') ?? undefined);
    }
    if (choice === undefined) return this.chooser(response, details.uid);
    this.signInAs = undefined;
    if (typeof choice !== 'string') {
      const result = { error: 'access_denied', error_description: 'The person canceled the sign-in.' };
      return this.provider.interactionFinished(request, response, result, { mergeWithLastSubmission: false });
    }
    if (!this.users.has(choice)) throw new Error(`TestIdp: no user "${choice}"`);
    const grant = new this.provider.Grant({ accountId: choice, clientId: details.params.client_id as string });
    grant.addOIDCScope(details.params.scope as string);
    const grantId = await grant.save();
    await this.provider.interactionFinished(request, response, { login: { accountId: choice }, consent: { grantId } }, { mergeWithLastSubmission: false });
  }

  private chooser(response: ServerResponse, uid: string): void {
    const buttons = [...this.users.values()]
      .map((user) => `<button name="user" value="${escapeHtml(user.sub)}">${escapeHtml(user.name)} <small>${escapeHtml(user.email)}</small></button>`)
      .join('');
    response.setHeader('content-type', 'text/html; charset=utf-8');
    response.end(
      `<!doctype html><html lang="en"><head><title>Test IdP: sign in</title></head><body><main><h1>Test identity provider</h1>` +
        `<form method="post" action="/interaction/${escapeHtml(uid)}">${buttons}<button name="user" value="cancel">Cancel</button></form></main></body></html>`,
    );
  }
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((done, fail) => {
    let body = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => (body += chunk));
    request.on('end', () => done(body));
    request.on('error', fail);
  });
}
