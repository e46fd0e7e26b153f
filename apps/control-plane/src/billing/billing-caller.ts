import { Injectable } from '@nestjs/common';
import { ApiTokenService } from '../auth/api-token.service.js';
import { bearerToken } from '../auth/auth.guard.js';
import { roleSatisfies } from '../auth/auth.decorators.js';
import type { AuditActor } from '../auth/auth.decorators.js';
import { AppError } from '../common/app-error.js';
import { LoginLinks } from './login-links.service.js';

/**
 * Who may open Checkout or the Customer Portal for a tenant: support staff (any tenant), or a
 * customer holding a billing session from a login link (that tenant only).
 */
@Injectable()
export class BillingCaller {
  constructor(
    private readonly tokens: ApiTokenService,
    private readonly loginLinks: LoginLinks,
  ) {}

  async authorize(authorization: string | undefined, tenantId: string, requestId: string | null): Promise<AuditActor> {
    const presented = bearerToken(authorization);
    if (!presented) throw new AppError(401, 'UNAUTHENTICATED', 'Send a staff API token or a billing session token as "Authorization: Bearer <token>".');
    if (LoginLinks.isSessionToken(presented)) {
      const session = await this.loginLinks.session(presented);
      if (!session) throw new AppError(401, 'UNAUTHENTICATED', 'The billing session is unknown or expired; open a new login link.');
      if (session.tenantId !== tenantId) throw new AppError(403, 'FORBIDDEN', 'This billing session belongs to another tenant.');
      return { actor: `login_link:${session.linkId}`, requestId };
    }
    const token = await this.tokens.authenticate(presented);
    if (!token) throw new AppError(401, 'UNAUTHENTICATED', 'The API token is unknown or revoked.');
    if (!roleSatisfies(token.role, 'support')) throw new AppError(403, 'FORBIDDEN', `This action needs the support role; the token has "${token.role}".`);
    return { actor: `token:${token.name}`, requestId };
  }
}
