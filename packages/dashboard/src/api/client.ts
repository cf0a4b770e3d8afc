// The one way the dashboard talks to the server: same-origin fetch of the public HTTP API with
// a bearer token, JSON in and out, and every failure turned into an ApiError.
import { ApiError, problemFrom } from './problem.js';

export interface RequestOptions {
  /** Operator token, or an impersonation session's token for /v1/tenant/* routes. */
  readonly token: string;
  readonly method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  readonly body?: unknown;
  readonly signal?: AbortSignal;
}

/** Called when the operator token is refused, so the app can sign out. */
let onUnauthenticated: (() => void) | undefined;

/** @example setUnauthenticatedHandler(() => signOut('Your session ended.')); */
export function setUnauthenticatedHandler(handler: (() => void) | undefined): void {
  onUnauthenticated = handler;
}

/**
 * @example const tenant = await request<Tenant>(`/v1/tenants/${id}`, { token });
 */
export async function request<T>(path: string, options: RequestOptions): Promise<T> {
  const headers: Record<string, string> = { authorization: `Bearer ${options.token}`, accept: 'application/json' };
  const init: RequestInit = { method: options.method ?? 'GET', headers };
  if (options.body !== undefined) {
    headers['content-type'] = 'application/json';
    init.body = JSON.stringify(options.body);
  }
  if (options.signal) init.signal = options.signal;
  let response: Response;
  try {
    response = await fetch(path, init);
  } catch (cause) {
    if (cause instanceof DOMException && cause.name === 'AbortError') throw cause;
    throw new ApiError({ status: 0, title: 'Network error', code: 'NETWORK_ERROR', detail: 'The server could not be reached.' });
  }
  const text = await response.text();
  let body: unknown;
  try {
    body = text === '' ? undefined : JSON.parse(text);
  } catch {
    body = undefined;
  }
  if (!response.ok) {
    const error = new ApiError(problemFrom(response.status, body, response.statusText || 'Request failed'));
    // Only the operator's own routes sign out: an expired impersonation token is the panel's business.
    if (response.status === 401 && !path.startsWith('/v1/tenant/')) onUnauthenticated?.();
    throw error;
  }
  return body as T;
}
