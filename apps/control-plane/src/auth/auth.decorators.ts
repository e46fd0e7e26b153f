import { createParamDecorator, SetMetadata, type ExecutionContext } from '@nestjs/common';
import { AppError } from '../common/app-error.js';
import type { StaffRole } from './api-token.entity.js';

export const PUBLIC_ROUTE = 'auth:public';
export const REQUIRED_ROLE = 'auth:role';

/** No staff token needed (JWKS, health, phone-home, webhooks: they authenticate otherwise). */
export const Public = () => SetMetadata(PUBLIC_ROUTE, true);

/** The weakest role that may call the route; see `roleSatisfies`. */
export const RequireRole = (...roles: StaffRole[]) => SetMetadata(REQUIRED_ROLE, roles);

/** Who is calling: an API token, or a person signed in through OIDC (a console session). */
export interface Actor {
  kind: 'token' | 'session';
  /** The token's or the session's id. */
  id: string;
  name: string;
  role: StaffRole;
  /** Set for `service` tokens: the one tenant they act for. */
  tenantId: string | null;
  /** A token's scopes (null: everything its role allows); sessions have none. */
  scopes: string[] | null;
  /** The OIDC subject of a session. */
  subject: string | null;
  /** A session's email, or the email of the person who created the token. */
  email: string | null;
  /** Who created the token (`oidc:…`, `token:…`, `cli:…`). */
  createdBy: string | null;
}

export type AuthenticatedRequest = { actor?: Actor; id?: string; ip?: string };

/** The audit identity of an authenticated caller: a label for people, and the facts behind it. */
export function auditActorOf(actor: Actor | undefined, requestId: string | null, sourceAddress: string | null): AuditActor {
  if (!actor) return { actor: 'anonymous', requestId, sourceAddress };
  if (actor.kind === 'session') {
    return {
      actor: `oidc:${actor.email ?? actor.subject ?? actor.id}`,
      requestId,
      sourceAddress,
      type: 'oidc',
      subject: actor.subject,
      email: actor.email,
      name: actor.name,
    };
  }
  return {
    actor: `token:${actor.name}`,
    requestId,
    sourceAddress,
    type: 'token',
    email: actor.email,
    name: actor.name,
    tokenId: actor.id,
    tokenCreatedBy: actor.createdBy,
  };
}

/** The authenticated caller, the request id and the source address, for audit records. */
export const CurrentActor = createParamDecorator((_data: unknown, context: ExecutionContext): AuditActor => {
  const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
  return auditActorOf(request.actor, request.id ?? null, request.ip ?? null);
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

/** Who did something, as the audit log records it. Only `actor` and `requestId` are required (jobs, the CLI). */
export interface AuditActor {
  /** A short label: `oidc:alice@example.com`, `token:deploy-bot`, `cli:root`, `billing-sweeper`. */
  actor: string;
  requestId: string | null;
  sourceAddress?: string | null;
  type?: 'oidc' | 'token' | 'cli' | 'system';
  subject?: string | null;
  email?: string | null;
  name?: string | null;
  tokenId?: string | null;
  tokenCreatedBy?: string | null;
}

const STAFF_RANK: Partial<Record<StaffRole, number>> = { viewer: 1, support: 2, admin: 3 };

/** admin > support > viewer; `service` (SaaS tenant planes) only satisfies routes that name it. */
export function roleSatisfies(role: StaffRole, required: StaffRole): boolean {
  if (role === required) return true;
  const have = STAFF_RANK[role];
  const need = STAFF_RANK[required];
  return have !== undefined && need !== undefined && have >= need;
}
