import { Injectable } from '@nestjs/common';
import { ApiTokenService } from '../auth/api-token.service.js';
import type { StaffRole } from '../auth/api-token.entity.js';
import { bearerToken } from '../auth/auth.guard.js';
import { roleSatisfies } from '../auth/auth.decorators.js';
import type { AuditActor } from '../auth/auth.decorators.js';
import { AppError } from '../common/app-error.js';
import { LoginLinks } from './login-links.service.js';

/** Staff reach every tenant; a customer (billing session from a login link) only their own. */
export type Caller = { kind: 'staff'; by: AuditActor } | { kind: 'customer'; tenantId: string; by: AuditActor };

/**
 * Who calls a customer-facing route: support staff, or a customer holding a billing session from a
 * login link. Used by Checkout, the Customer Portal and license requests.
 */
@Injectable()
export class BillingCaller {
  constructor(
    private readonly tokens: ApiTokenService,
    private readonly loginLinks: LoginLinks,
  ) {}

  /** Authenticates either kind of caller; a staff token needs at least `staffRole`. */
  async identify(authorization: string | undefined, requestId: string | null, staffRole: StaffRole = 'support'): Promise<Caller> {
    const presented = bearerToken(authorization);
    if (!presented) throw new AppError(401, 'UNAUTHENTICATED', 'Send a staff API token or a billing session token as "Authorization: Bearer <token>".');
    if (LoginLinks.isSessionToken(presented)) {
      const session = await this.loginLinks.session(presented);
      if (!session) throw new AppError(401, 'UNAUTHENTICATED', 'The billing session is unknown or expired; open a new login link.');
      return { kind: 'customer', tenantId: session.tenantId, by: { actor: `login_link:${session.linkId}`, requestId } };
    }
    const token = await this.tokens.authenticate(presented);
    if (!token) throw new AppError(401, 'UNAUTHENTICATED', 'The API token is unknown or revoked.');
    if (!roleSatisfies(token.role, staffRole)) throw new AppError(403, 'FORBIDDEN', `This action needs the ${staffRole} role; the token has "${token.role}".`);
    return { kind: 'staff', by: { actor: `token:${token.name}`, requestId } };
  }

  /** A staff token (support or above) or a customer session of this very tenant. */
  async authorize(authorization: string | undefined, tenantId: string, requestId: string | null): Promise<AuditActor> {
    const caller = await this.identify(authorization, requestId);
    assertCallerTenant(caller, tenantId);
    return caller.by;
  }
}

export function assertCallerTenant(caller: Caller, tenantId: string): void {
  if (caller.kind === 'customer' && caller.tenantId !== tenantId) throw new AppError(403, 'FORBIDDEN', 'This billing session belongs to another tenant.');
}
