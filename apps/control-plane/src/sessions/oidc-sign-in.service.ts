import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { DataSource, LessThan } from 'typeorm';
import * as oidc from 'openid-client';
import { hashSecret } from '../auth/secret-hash.js';
import { AppError } from '../common/app-error.js';
import { isNetworkErrorCode } from '../common/network-errors.js';
import { CLOCK, type Clock } from '../common/clock.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { OidcLoginAttemptEntity } from './oidc-login-attempt.entity.js';
import { groupsOf, mapRole } from './oidc-role-mapping.js';
import type { SignedInPerson } from './staff-sessions.service.js';

/** How long a person may take at the IdP between leaving and coming back. */
export const LOGIN_ATTEMPT_TTL_MS = 10 * 60_000;
export const DEFAULT_RETURN_TO = '/console/';

/** A sign-in that did not produce a session; `code` goes back to the console as `?auth_error=`. */
export class SignInRefused extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * OIDC authorization code flow with PKCE (openid-client). The verifier, nonce and return path stay
 * on the server, keyed by the hash of `state`; each attempt is also bound to the browser that
 * started it, and is deleted when its callback arrives, so a forged state or a replayed callback
 * finds nothing.
 */
@Injectable()
export class OidcSignInService {
  private readonly logger = new Logger(OidcSignInService.name);
  private readonly clientSecret: string | undefined;
  private discovered: Promise<oidc.Configuration> | undefined;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly dataSource: DataSource,
  ) {
    this.clientSecret = config.OIDC_CLIENT_SECRET_FILE ? readSecretFile(config.OIDC_CLIENT_SECRET_FILE) : config.OIDC_CLIENT_SECRET;
  }

  get enabled(): boolean {
    return this.config.OIDC_ISSUER_URL !== undefined;
  }

  /** Starts a sign-in: where to send the browser, and the value of its binding cookie. */
  async begin(returnTo: string | undefined): Promise<{ url: string; browserSecret: string }> {
    const client = await this.client();
    const state = oidc.randomState();
    const nonce = oidc.randomNonce();
    const codeVerifier = oidc.randomPKCECodeVerifier();
    const browserSecret = randomBytes(32).toString('base64url');
    const now = this.clock.now();
    const attempts = this.dataSource.getRepository(OidcLoginAttemptEntity);
    await attempts.delete({ expiresAt: LessThan(now) });
    await attempts.insert({
      stateHash: hashSecret(state),
      browserHash: hashSecret(browserSecret),
      codeVerifier,
      nonce,
      returnTo: safeReturnPath(returnTo),
      createdAt: now,
      expiresAt: new Date(now.getTime() + LOGIN_ATTEMPT_TTL_MS),
    });
    const url = oidc.buildAuthorizationUrl(client, {
      redirect_uri: this.config.OIDC_REDIRECT_URL!,
      scope: this.config.OIDC_SCOPES,
      code_challenge: await oidc.calculatePKCECodeChallenge(codeVerifier),
      code_challenge_method: 'S256',
      state,
      nonce,
    });
    return { url: url.href, browserSecret };
  }

  /**
   * Finishes a sign-in from the callback's query string: the person and where to send them.
   * Throws SignInRefused for anything the person or an attacker can cause.
   */
  async complete(query: string, browserSecret: string | undefined): Promise<{ person: SignedInPerson; returnTo: string }> {
    // Discovery is cached from the login; a restart in between needs it again, and the IdP may be gone by then.
    const client = await this.client().catch((error: unknown) => {
      throw error instanceof AppError && error.code === 'OIDC_UNAVAILABLE' ? new SignInRefused(error.code, error.message) : error;
    });
    const parameters = new URLSearchParams(query);
    const state = parameters.get('state');
    if (parameters.get('error')) throw new SignInRefused('OIDC_DENIED', `The identity provider refused the sign-in: ${parameters.get('error')}.`);
    if (!state || state.length > 256) throw new SignInRefused('OIDC_STATE_INVALID', 'The sign-in callback has no state.');
    const attempt = await this.claim(state);
    // Fails closed: an expiry that is not a date (a column missing from the row) is an expired attempt.
    if (!attempt || !(attempt.expiresAt > this.clock.now())) {
      throw new SignInRefused('OIDC_STATE_INVALID', 'This sign-in is unknown, already used or expired; start again.');
    }
    if (!browserSecret || hashSecret(browserSecret) !== attempt.browserHash) {
      throw new SignInRefused('OIDC_STATE_INVALID', 'This sign-in was started in another browser; start again.');
    }
    // The redirect URI as registered with the IdP (behind a proxy, the URL this process sees differs).
    const currentUrl = new URL(this.config.OIDC_REDIRECT_URL!);
    currentUrl.search = parameters.toString();
    let tokens: Awaited<ReturnType<typeof oidc.authorizationCodeGrant>>;
    try {
      tokens = await oidc.authorizationCodeGrant(client, currentUrl, {
        pkceCodeVerifier: attempt.codeVerifier,
        expectedState: state,
        expectedNonce: attempt.nonce,
        idTokenExpected: true,
      });
    } catch (error) {
      if (unreachable(error)) throw idpUnavailable(error, this.logger);
      this.logger.warn(`OIDC code exchange refused: ${(error as Error).message}`);
      throw new SignInRefused(
        'OIDC_CODE_REJECTED',
        "The identity provider's answer was not accepted (a used or expired code, or an ID token that failed verification); start again.",
      );
    }
    const claims = tokens.claims()!;
    const userInfo = () =>
      oidc.fetchUserInfo(client, tokens.access_token, claims.sub).catch((error: unknown) => {
        throw unreachable(error) ? idpUnavailable(error, this.logger) : error;
      });
    const profile: Record<string, unknown> = claims[this.config.OIDC_ROLE_CLAIM] === undefined ? { ...(await userInfo()), ...claims } : claims;
    const groups = groupsOf(profile[this.config.OIDC_ROLE_CLAIM]);
    const role = mapRole(groups, this.config.OIDC_ROLE_MAPPING);
    if (!role) {
      throw new SignInRefused('OIDC_NO_ROLE', `None of your groups (${groups.join(', ') || 'none'}) is mapped to a console role; ask an admin.`);
    }
    return {
      person: {
        subject: claims.sub,
        email: stringClaim(profile.email),
        name: stringClaim(profile.name) ?? stringClaim(profile.preferred_username),
        role,
        groups,
      },
      returnTo: attempt.returnTo,
    };
  }

  /** Deletes and returns the attempt in one statement, so two callbacks with one state cannot both use it. */
  private async claim(state: string): Promise<OidcLoginAttemptEntity | undefined> {
    const result = await this.dataSource
      .createQueryBuilder()
      .delete()
      .from(OidcLoginAttemptEntity)
      .where('state_hash = :stateHash', { stateHash: hashSecret(state) })
      // Column names as SQL: an array here is read as property paths, and TypeORM silently drops the ones that are not.
      .returning('browser_hash, code_verifier, nonce, return_to, expires_at')
      .execute();
    const row = (result.raw as Record<string, string | Date>[])[0];
    if (!row) return undefined;
    return Object.assign(new OidcLoginAttemptEntity(), {
      browserHash: row.browser_hash as string,
      codeVerifier: row.code_verifier as string,
      nonce: row.nonce as string,
      returnTo: row.return_to as string,
      expiresAt: new Date(row.expires_at),
    });
  }

  /** Discovers the issuer on first use (and again after a failure), not at boot: an IdP outage must not stop the API. */
  private client(): Promise<oidc.Configuration> {
    // 404, not 503: this deployment has no single sign-on, which is no outage, and any anonymous caller
    // could otherwise raise the 5xx rate that dashboards and alerts watch.
    if (!this.enabled) throw new AppError(404, 'OIDC_NOT_CONFIGURED', 'Single sign-on is not configured here; sign in with an API token.');
    this.discovered ??= oidc
      .discovery(
        new URL(this.config.OIDC_ISSUER_URL!),
        this.config.OIDC_CLIENT_ID!,
        undefined,
        this.clientSecret ? oidc.ClientSecretPost(this.clientSecret) : oidc.None(),
        {
          // http issuers are refused in production by the configuration schema; tests run a local IdP.
          execute: this.config.OIDC_ISSUER_URL!.startsWith('http:') ? [oidc.allowInsecureRequests] : [],
          timeout: 10,
        },
      )
      .catch((error: unknown) => {
        this.discovered = undefined;
        this.logger.error(`OIDC discovery of ${this.config.OIDC_ISSUER_URL} failed: ${(error as Error).message}`);
        throw new AppError(503, 'OIDC_UNAVAILABLE', 'The identity provider cannot be reached; try again shortly.');
      });
    return this.discovered;
  }
}

/** Only a path on this origin: `return_to=https://evil.example` or `//evil.example` would be an open redirect. */
export function safeReturnPath(returnTo: string | undefined): string {
  if (!returnTo || returnTo.length > 512 || !returnTo.startsWith('/') || returnTo.startsWith('//') || returnTo.includes('\\')) return DEFAULT_RETURN_TO;
  return returnTo;
}

function stringClaim(value: unknown): string | null {
  return typeof value === 'string' && value.length > 0 ? value.slice(0, 320) : null;
}

function readSecretFile(path: string): string {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch (error) {
    throw new Error(`OIDC_CLIENT_SECRET_FILE: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? 'error'})`, { cause: error });
  }
}

/**
 * The identity provider could not be reached at all (fetch's own failure, which openid-client wraps in its
 * ClientError as the `cause`), as opposed to answering with a refusal. Read by name, not `instanceof`: fetch's
 * errors come from Node's own realm.
 */
function unreachable(error: unknown, depth = 0): boolean {
  if (typeof error !== 'object' || error === null || depth > 3) return false;
  const { name, message, code, cause } = error as { name?: unknown; message?: unknown; code?: unknown; cause?: unknown };
  if (name === 'TimeoutError' || name === 'AbortError' || (name === 'TypeError' && message === 'fetch failed')) return true;
  return isNetworkErrorCode(code) || unreachable(cause, depth + 1);
}

/** A browser in the middle of signing in lands on the console with a reason, as when the outage starts before login. */
function idpUnavailable(error: unknown, logger: Logger): SignInRefused {
  logger.warn(`identity provider unreachable during sign-in: ${(error as Error).message}`);
  return new SignInRefused('OIDC_UNAVAILABLE', 'The identity provider cannot be reached; try again shortly.');
}
