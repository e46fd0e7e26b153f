import type { AccessDecision } from './enforcement.js';
import type { TenantLicense } from './tenant-license.js';

/** The HTTP status of every license refusal: the caller is known, the license forbids the call. */
export const LICENSE_DENIED_STATUS = 403;

/** Who is using the tenant plane, for active-use counting; undefined skips counting (anonymous routes). */
export type IdentifyRequest<Request> = (request: Request) => { machine: string; user: string } | undefined;

export interface LicenseMiddlewareOptions<Request> {
  identify?: IdentifyRequest<Request>;
}

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

/** The JSON body of a refusal, the same in every adapter. */
export function denialBody(decision: Extract<AccessDecision, { allow: false }>): { statusCode: number; code: string; message: string } {
  return { statusCode: LICENSE_DENIED_STATUS, code: decision.code, message: decision.message };
}

/**
 * Connect-style middleware `(req, res, next)` for Express (`app.use(...)`) and Fastify through
 * `@fastify/middie`. It uses only Node's request/response API, so it needs no framework import.
 */
export function licenseMiddleware<Request extends NodeLikeRequest>(license: TenantLicense, options: LicenseMiddlewareOptions<Request> = {}) {
  return (request: Request, response: NodeLikeResponse, next: (error?: unknown) => void): void => {
    const decision = license.authorize({ method: request.method ?? 'GET', path: request.originalUrl ?? request.url ?? '/', ...options.identify?.(request) });
    if (decision.allow) return next();
    response.statusCode = LICENSE_DENIED_STATUS;
    response.setHeader('content-type', 'application/json; charset=utf-8');
    response.end(JSON.stringify(denialBody(decision)));
  };
}

interface FastifyLikeReply {
  code(status: number): { send(body: unknown): unknown };
}

/** A Fastify `onRequest` hook: `fastify.addHook('onRequest', licenseHook(license))`. */
export function licenseHook<Request extends { method: string; url: string }>(license: TenantLicense, options: LicenseMiddlewareOptions<Request> = {}) {
  return async (request: Request, reply: FastifyLikeReply): Promise<void> => {
    const decision = license.authorize({ method: request.method, path: request.url, ...options.identify?.(request) });
    if (!decision.allow) await reply.code(LICENSE_DENIED_STATUS).send(denialBody(decision));
  };
}
