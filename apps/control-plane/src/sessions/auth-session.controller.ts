import { Controller, Get, HttpCode, Logger, Post, Query, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { CurrentActor, Public, RequestActor, RequireRole, type Actor, type AuditActor } from '../auth/auth.decorators.js';
import { AuthGuard } from '../auth/auth.guard.js';
import { AppError } from '../common/app-error.js';
import { DEFAULT_RETURN_TO, LOGIN_ATTEMPT_TTL_MS, OidcSignInService, SignInRefused } from './oidc-sign-in.service.js';
import {
  clearBrowserCookie,
  clearSessionCookies,
  csrfTokenFor,
  OIDC_BROWSER_COOKIE,
  readCookie,
  SESSION_COOKIE,
  setBrowserCookie,
  setSessionCookies,
} from './session-cookies.js';
import { StaffSessionsService } from './staff-sessions.service.js';
import { ApiReply } from '../openapi/api-reply.decorator.js';
import { authSessionResponse, signedOutResponse } from './sessions.responses.js';

export const OIDC_LOGIN_PATH = '/api/v1/auth/oidc/login';

/** Console sign-in: OIDC when configured, otherwise the console's API-token sign-in (GET session says which). */
@Controller('api/v1/auth')
export class AuthSessionController {
  private readonly logger = new Logger(AuthSessionController.name);

  constructor(
    private readonly signIn: OidcSignInService,
    private readonly sessions: StaffSessionsService,
    private readonly guard: AuthGuard,
  ) {}

  /** Sends the browser to the IdP; `return_to` is a path on this origin to land on afterwards. */
  @Get('oidc/login')
  @Public()
  @ApiReply({ summary: 'Start single sign-on: a redirect to the identity provider', status: 302 })
  async login(@Query('return_to') returnTo: unknown, @Res() response: Response): Promise<void> {
    let started: { url: string; browserSecret: string };
    try {
      started = await this.signIn.begin(typeof returnTo === 'string' ? returnTo : undefined);
    } catch (error) {
      // A browser followed a link here: an IdP outage is a message on the console's sign-in page, not a JSON body.
      if (!(error instanceof AppError) || error.status !== 503) throw error;
      this.logger.warn(`sign-in not started: ${error.code}: ${error.message}`);
      return response.redirect(303, `${DEFAULT_RETURN_TO}?auth_error=${error.code}`);
    }
    setBrowserCookie(response, started.browserSecret, LOGIN_ATTEMPT_TTL_MS);
    response.redirect(302, started.url);
  }

  /** Where the IdP sends the browser back: a session cookie and the console, or the console with `?auth_error=CODE`. */
  @Get('oidc/callback')
  @Public()
  @ApiReply({ summary: "The identity provider's return: a session cookie and a redirect to the console", status: 303 })
  async callback(@Req() request: Request & { id?: string }, @Res() response: Response): Promise<void> {
    clearBrowserCookie(response);
    try {
      const query = request.originalUrl.includes('?') ? request.originalUrl.slice(request.originalUrl.indexOf('?') + 1) : '';
      const { person, returnTo } = await this.signIn.complete(query, readCookie(request, OIDC_BROWSER_COOKIE));
      const { secret, maxAgeMs } = await this.sessions.start(person, {
        address: request.ip ?? null,
        userAgent: request.header('user-agent') ?? null,
        requestId: request.id ?? null,
      });
      setSessionCookies(response, secret, maxAgeMs);
      response.redirect(303, returnTo);
    } catch (error) {
      if (!(error instanceof SignInRefused)) throw error;
      this.logger.warn(`sign-in refused: ${error.code}: ${error.message}`);
      response.redirect(303, `${DEFAULT_RETURN_TO}?auth_error=${error.code}`);
    }
  }

  /** Ends the console session behind the cookie (CSRF-checked by the guard like any write). */
  @Post('logout')
  @HttpCode(200)
  @RequireRole('viewer')
  @ApiReply({ summary: 'Sign out of the console session', schema: signedOutResponse })
  async logout(@RequestActor() actor: Actor, @CurrentActor() by: AuditActor, @Res({ passthrough: true }) response: Response) {
    if (actor.kind !== 'session') throw new AppError(400, 'NOT_A_SESSION', 'Sign-out ends a console session; an API token is revoked instead.');
    await this.sessions.signOut(actor.id, by);
    clearSessionCookies(response);
    return { signed_out: true as const };
  }

  /**
   * Who the console is talking to. Always 200: `authenticated` says whether the cookie or bearer token
   * is good, `oidc.enabled` whether to offer single sign-on or fall back to pasting an API token.
   */
  @Get('session')
  @Public()
  @ApiReply({ summary: 'Who the console is signed in as, and how to sign in', schema: authSessionResponse })
  async session(@Req() request: Request) {
    const oidc = { enabled: this.signIn.enabled, login_url: this.signIn.enabled ? OIDC_LOGIN_PATH : null };
    const fallback = this.signIn.enabled ? null : 'Single sign-on is not configured: sign in with a staff API token.';
    let actor: Actor;
    try {
      actor = await this.guard.identify(request);
    } catch (error) {
      if (!(error instanceof AppError) || error.status !== 401) throw error;
      return { authenticated: false, reason: error.code, oidc, token_sign_in: !this.signIn.enabled, message: fallback };
    }
    const base = { authenticated: true, via: actor.kind, oidc, token_sign_in: !this.signIn.enabled, message: fallback };
    const user = { name: actor.name, email: actor.email, subject: actor.subject, role: actor.role, scopes: actor.scopes, tenant_id: actor.tenantId };
    if (actor.kind === 'token') return { ...base, user };
    const session = (await this.sessions.find(actor.id))!;
    return {
      ...base,
      user,
      session: { id: session.id, idle_expires_at: session.idle_expires_at, absolute_expires_at: session.absolute_expires_at },
      csrf_token: csrfTokenFor(readCookie(request, SESSION_COOKIE)!),
    };
  }
}
