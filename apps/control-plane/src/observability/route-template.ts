import type { IncomingMessage } from 'node:http';

/** A request that matched no route is labelled so, never by its raw URL (unbounded cardinality, and tokens in query strings). */
export const UNMATCHED_ROUTE = '(unmatched)';

/**
 * The route template a request matched (`/api/v1/licenses/:id`). Express sets `req.route` once a
 * route matched; Nest answers unknown paths from a wildcard route, and no controller of ours uses one.
 */
export function routeTemplate(request: IncomingMessage): string {
  const template = ((request as { route?: { path?: unknown } }).route as { path?: unknown } | undefined)?.path;
  return typeof template === 'string' && !template.includes('*') ? template : UNMATCHED_ROUTE;
}
