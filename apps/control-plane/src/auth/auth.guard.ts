import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { AppError } from '../common/app-error.js';
import { StaffSessionsService } from '../sessions/staff-sessions.service.js';
import { CSRF_COOKIE, CSRF_HEADER, csrfTokenMatches, readCookie, SESSION_COOKIE } from '../sessions/session-cookies.js';
import { ApiTokenService } from './api-token.service.js';
import type { StaffRole } from './api-token.entity.js';
import { PUBLIC_ROUTE, REQUIRED_ROLE, roleSatisfies, type Actor, type AuthenticatedRequest } from './auth.decorators.js';
import { requiredScope } from './token-scopes.js';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Global guard: every route needs a caller with a sufficient role unless marked @Public(). The caller
 * is an API token (`Authorization: Bearer`) or a console session (cookie); a bearer token wins when
 * both are sent. Session requests that change state must carry the CSRF token.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly tokens: ApiTokenService,
    private readonly sessions: StaffSessionsService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, targets)) return true;
    const required = this.reflector.getAllAndOverride<StaffRole[]>(REQUIRED_ROLE, targets);
    const request = context.switchToHttp().getRequest<Request & AuthenticatedRequest>();
    const actor = await this.identify(request);
    request.actor = actor;
    // A route that forgot to declare a role is refused rather than left open.
    if (!required?.some((role) => roleSatisfies(actor.role, role))) {
      throw new AppError(403, 'FORBIDDEN', `This action needs the ${required?.join(' or ') ?? 'admin'} role; you have "${actor.role}".`);
    }
    if (actor.scopes) {
      const scope = requiredScope(request.method, (request.route as { path?: string } | undefined)?.path ?? request.path);
      if (!scope || !actor.scopes.includes(scope)) {
        throw new AppError(403, 'FORBIDDEN', `This token is limited to ${actor.scopes.join(', ')}; this action needs ${scope ?? 'an unscoped token'}.`, {
          required_scope: scope ?? null,
        });
      }
    }
    return true;
  }

  /** The caller of `request`, or a 401 saying what to send. */
  async identify(request: Request): Promise<Actor> {
    const presented = bearerToken(request.header('authorization'));
    if (presented) {
      const token = await this.tokens.authenticate(presented, { address: request.ip ?? null });
      if (!token) throw new AppError(401, 'UNAUTHENTICATED', 'The API token is unknown, revoked or replaced by a rotation.');
      return {
        kind: 'token',
        id: token.id,
        name: token.name,
        role: token.role,
        tenantId: token.tenantId,
        scopes: token.scopes,
        subject: null,
        email: token.createdByEmail,
        createdBy: token.createdBy,
      };
    }
    const secret = readCookie(request, SESSION_COOKIE);
    if (!secret) throw new AppError(401, 'UNAUTHENTICATED', 'Sign in to the console, or send a staff API token as "Authorization: Bearer <token>".');
    const session = await this.sessions.authenticate(secret);
    if (!session) throw new AppError(401, 'UNAUTHENTICATED', 'Your console session has ended; sign in again.');
    // A cookie rides along with any request the browser makes, including one a hostile page triggers.
    if (!SAFE_METHODS.has(request.method) && !csrfTokenMatches(secret, request.header(CSRF_HEADER))) {
      throw new AppError(
        403,
        'CSRF_TOKEN_INVALID',
        `Send the session's CSRF token (the ${CSRF_COOKIE} cookie, or csrf_token of GET /api/v1/auth/session) in the X-CSRF-Token header.`,
      );
    }
    return {
      kind: 'session',
      id: session.id,
      name: session.name ?? session.email ?? session.subject,
      role: session.role,
      tenantId: null,
      scopes: null,
      subject: session.subject,
      email: session.email,
      createdBy: null,
    };
  }
}

export function bearerToken(header: string | undefined): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return match?.[1];
}
