import { createParamDecorator, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';
import { bearerToken } from '../auth/auth.guard.js';
import { AppError } from '../common/app-error.js';
import { LoginLinks, type CustomerSession } from '../billing/login-links.service.js';

type SessionRequest = Request & { customerSession?: CustomerSession; id?: string };

/**
 * The portal's routes take a customer's billing session token (`lcs_…`, from a redeemed login link),
 * never a staff token: they are @Public() to the global staff guard and checked here instead.
 */
@Injectable()
export class CustomerSessionGuard implements CanActivate {
  constructor(private readonly loginLinks: LoginLinks) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<SessionRequest>();
    const presented = bearerToken(request.header('authorization'));
    const session = presented && LoginLinks.isSessionToken(presented) ? await this.loginLinks.session(presented) : undefined;
    if (!session) throw new AppError(401, 'UNAUTHENTICATED', 'The billing session is unknown or expired; open a new login link.');
    request.customerSession = session;
    return true;
  }
}

/** The session behind a request that passed the CustomerSessionGuard. */
export const Session = createParamDecorator((_data: unknown, context: ExecutionContext): CustomerSession & { requestId: string | null } => {
  const request = context.switchToHttp().getRequest<SessionRequest>();
  return { ...request.customerSession!, requestId: request.id ?? null };
});
