import { createParamDecorator, SetMetadata, type ExecutionContext } from '@nestjs/common';
import { AppError } from '../common/app-error.js';
import type { StaffRole } from './api-token.entity.js';

export const PUBLIC_ROUTE = 'auth:public';
export const REQUIRED_ROLE = 'auth:role';

/** No staff token needed (JWKS, health, phone-home, webhooks: they authenticate otherwise). */
export const Public = () => SetMetadata(PUBLIC_ROUTE, true);

/** The weakest role that may call the route; see `roleSatisfies`. */
export const RequireRole = (...roles: StaffRole[]) => SetMetadata(REQUIRED_ROLE, roles);

export interface Actor {
  tokenId: string;
  name: string;
  role: StaffRole;
  /** Set for `service` tokens: the one tenant they act for. */
  tenantId: string | null;
}

export type AuthenticatedRequest = { actor?: Actor; id?: string };

/** The authenticated caller and the request id, for audit records. */
export const CurrentActor = createParamDecorator((_data: unknown, context: ExecutionContext): AuditActor => {
  const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
  return { actor: request.actor ? `token:${request.actor.name}` : 'anonymous', requestId: request.id ?? null };
});

/** The authenticated token behind the request (routes behind the guard always have one). */
export const RequestActor = createParamDecorator((_data: unknown, context: ExecutionContext): Actor => {
  return context.switchToHttp().getRequest<AuthenticatedRequest>().actor!;
});

/** A `service` token reaches only its own tenant's data; staff tokens reach every tenant. */
export function assertTenantScope(actor: Actor, tenantId: string): void {
  if (actor.role === 'service' && actor.tenantId !== tenantId) {
    throw new AppError(403, 'FORBIDDEN', `This service token belongs to tenant "${actor.tenantId ?? 'none'}"; it cannot read tenant "${tenantId}".`);
  }
}

export interface AuditActor {
  actor: string;
  requestId: string | null;
}

const STAFF_RANK: Partial<Record<StaffRole, number>> = { viewer: 1, support: 2, admin: 3 };

/** admin > support > viewer; `service` (SaaS tenant planes) only satisfies routes that name it. */
export function roleSatisfies(role: StaffRole, required: StaffRole): boolean {
  if (role === required) return true;
  const have = STAFF_RANK[role];
  const need = STAFF_RANK[required];
  return have !== undefined && need !== undefined && have >= need;
}
