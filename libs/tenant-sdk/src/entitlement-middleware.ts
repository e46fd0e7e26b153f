import type { EntitlementSource, LimitName } from './plan-entitlements.js';
import { limitDenial, moduleDenial } from './plan-entitlements.js';
import type { TenantEntitlements } from './tenant-entitlements.js';

interface NodeLikeRequest {
  method?: string;
  url?: string;
  originalUrl?: string;
}

interface NodeLikeResponse {
  statusCode: number;
  setHeader(name: string, value: string): unknown;
  end(body: string): unknown;
}

type Next = (error?: unknown) => void;

function reject(response: NodeLikeResponse, body: { statusCode: number }): void {
  response.statusCode = body.statusCode;
  response.setHeader('content-type', 'application/json; charset=utf-8');
  response.end(JSON.stringify(body));
}

/** Connect-style middleware (Express, `@fastify/middie`) for routes of one module: `403 MODULE_NOT_LICENSED` outside the plan. */
export function requireModule(source: EntitlementSource, module: string) {
  return (_request: NodeLikeRequest, response: NodeLikeResponse, next: Next): void => {
    const denial = moduleDenial(source, module);
    if (denial) return reject(response, denial);
    next();
  };
}

/**
 * For create routes: `403 LIMIT_EXCEEDED` once `count(request)` (how many exist before this one)
 * has reached the plan's limit, e.g. `app.post('/api/users', requireWithinLimit(license, 'users', () => users.count()), ...)`.
 */
export function requireWithinLimit<Request extends NodeLikeRequest>(
  source: EntitlementSource,
  name: LimitName,
  count: (request: Request) => number | Promise<number>,
) {
  return (request: Request, response: NodeLikeResponse, next: Next): void => {
    Promise.resolve()
      .then(() => count(request))
      .then((current) => {
        const denial = limitDenial(source, name, current);
        if (denial) return reject(response, denial);
        next();
      }, next);
  };
}

/** SaaS and dedicated planes: the subscription's access level (full, read_only, blocked) on every request. */
export function entitlementsMiddleware(entitlements: TenantEntitlements) {
  return (request: NodeLikeRequest, response: NodeLikeResponse, next: Next): void => {
    const decision = entitlements.authorize({ method: request.method ?? 'GET', path: request.originalUrl ?? request.url ?? '/' });
    if (!decision.allow) return reject(response, decision.denial);
    next();
  };
}
