import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { AppError } from '../common/app-error.js';
import { ApiTokenService } from './api-token.service.js';
import type { StaffRole } from './api-token.entity.js';
import { PUBLIC_ROUTE, REQUIRED_ROLE, roleSatisfies, type AuthenticatedRequest } from './auth.decorators.js';

/** Global guard: every route needs a staff token with a sufficient role unless marked @Public(). */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly tokens: ApiTokenService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, targets)) return true;
    const required = this.reflector.getAllAndOverride<StaffRole[]>(REQUIRED_ROLE, targets);
    const request = context.switchToHttp().getRequest<Request & AuthenticatedRequest>();
    const presented = bearerToken(request.header('authorization'));
    if (!presented) throw new AppError(401, 'UNAUTHENTICATED', 'Send a staff API token as "Authorization: Bearer <token>".');
    const token = await this.tokens.authenticate(presented);
    if (!token) throw new AppError(401, 'UNAUTHENTICATED', 'The API token is unknown or revoked.');
    request.actor = { tokenId: token.id, name: token.name, role: token.role, tenantId: token.tenantId };
    // A route that forgot to declare a role is refused rather than left open.
    if (!required?.some((role) => roleSatisfies(token.role, role))) {
      throw new AppError(403, 'FORBIDDEN', `This action needs the ${required?.join(' or ') ?? 'admin'} role; the token has "${token.role}".`);
    }
    return true;
  }
}

export function bearerToken(header: string | undefined): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return match?.[1];
}
