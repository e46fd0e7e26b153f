import createClient, { type Middleware } from 'openapi-fetch';
import type { components, paths } from '../api/schema';

export type Schemas = components['schemas'];
export type ApiClient = ReturnType<typeof createClient<paths>>;

/** The error body every endpoint answers with: `{error: {code, message, details, request_id}}`. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** A typed client of this origin's API; `token` is read on each request so signing in or out needs no new client. */
export function createApiClient(token: () => string | null, onUnauthenticated: () => void): ApiClient {
  const client = createClient<paths>({ baseUrl: window.location.origin });
  const auth: Middleware = {
    onRequest({ request }) {
      const value = token();
      if (value) request.headers.set('Authorization', `Bearer ${value}`);
      return request;
    },
    onResponse({ response }) {
      if (response.status === 401) onUnauthenticated();
      return response;
    },
  };
  client.use(auth);
  return client;
}

/** The data of an openapi-fetch result, or an ApiError with the API's own code and message. */
export function unwrap<T>(result: { data?: T; error?: unknown; response: Response }): T {
  if (result.error !== undefined || !result.response.ok) {
    const body = result.error as { error?: { code?: string; message?: string } } | undefined;
    throw new ApiError(result.response.status, body?.error?.code ?? `HTTP_${result.response.status}`, body?.error?.message ?? result.response.statusText);
  }
  return result.data as T;
}
