import type { StaffRole } from './api-token.entity.js';

/**
 * What a scoped API token may reach, narrower than its role. A scope is `<resource>:<read|write>`;
 * a token without scopes reaches everything its role does.
 */
export const TOKEN_SCOPES = [
  'tenants:read',
  'tenants:write',
  'licenses:read',
  'licenses:write',
  'plans:read',
  'plans:write',
  'billing:read',
  'entitlements:read',
  'notifications:read',
  'notifications:write',
  'audit:read',
  'tokens:read',
  'tokens:write',
  'sessions:read',
  'sessions:write',
] as const;
export type TokenScope = (typeof TOKEN_SCOPES)[number];

/** The roles that may hold each scope: a scope never grants more than the role behind it. */
const SCOPE_ROLES: Record<TokenScope, readonly StaffRole[]> = {
  'tenants:read': ['viewer', 'support', 'admin'],
  'tenants:write': ['support', 'admin'],
  'licenses:read': ['viewer', 'support', 'admin'],
  'licenses:write': ['support', 'admin'],
  'plans:read': ['viewer', 'support', 'admin'],
  'plans:write': ['support', 'admin'],
  'billing:read': ['viewer', 'support', 'admin'],
  'entitlements:read': ['viewer', 'support', 'admin', 'service'],
  'notifications:read': ['viewer', 'support', 'admin'],
  'notifications:write': ['support', 'admin'],
  'audit:read': ['viewer', 'support', 'admin'],
  'tokens:read': ['admin'],
  'tokens:write': ['admin'],
  'sessions:read': ['admin'],
  'sessions:write': ['admin'],
};

/** The scopes in `scopes` that a token of `role` cannot hold. */
export function scopesBeyondRole(role: StaffRole, scopes: readonly TokenScope[]): TokenScope[] {
  return scopes.filter((scope) => !SCOPE_ROLES[scope].includes(role));
}

/**
 * The resource of a route, from its template under /api/v1 (first match wins). Derived from the path
 * so every feature's routes are covered without each controller declaring a scope; a route matching
 * none is out of reach of every scoped token (fail closed).
 */
const ROUTE_RESOURCES: [RegExp, string][] = [
  [/^tenants\/[^/]+\/entitlements$/, 'entitlements'],
  [/^tenants\/[^/]+\/(phone-homes|active-uses)$/, 'licenses'],
  [/^(clone-alerts|silent-installations)$/, 'licenses'],
  [/^tenants(\/|$)/, 'tenants'],
  [/^licenses(\/|$)/, 'licenses'],
  [/^(plans|addons)(\/|$)/, 'plans'],
  [/^billing\/(prices|stripe-events)$/, 'billing'],
  [/^notifications(\/|$)/, 'notifications'],
  [/^audit-events$/, 'audit'],
  [/^tokens(\/|$)/, 'tokens'],
  [/^sessions(\/|$)/, 'sessions'],
];

/** POST routes that only read (a pasted token is inspected, nothing is stored). */
const READING_POSTS = new Set(['licenses/inspect']);

/** The scope a request needs: `licenses:write` for `POST /api/v1/licenses`; undefined when no scope covers it. */
export function requiredScope(method: string, routePath: string): string | undefined {
  const path = routePath.replace(/^\/?api\/v1\//, '');
  const resource = ROUTE_RESOURCES.find(([pattern]) => pattern.test(path))?.[1];
  if (!resource) return undefined;
  const reads = method === 'GET' || method === 'HEAD' || READING_POSTS.has(path);
  return `${resource}:${reads ? 'read' : 'write'}`;
}
