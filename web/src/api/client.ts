/** The console's API client: openapi-fetch typed by the service's own OpenAPI document
 * (web/openapi.json -> schema.d.ts by `npm run gen:client`), so a path or a parameter that the
 * service does not have fails the console's typecheck. Cookie session + CSRF header (CONSOLE.md 2). */
import createClient, { type Client, type Middleware } from 'openapi-fetch';
import type { paths } from './schema';
import { ApiError, type Problem } from '../lib/problems';

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** Session state the middleware reads: the CSRF token of the cookie session, or (only with a
 * service that predates cookie sessions) a bearer token kept in memory, never in storage. */
export const auth: { csrfToken: string | null; bearer: string | null; onExpired: () => void } = {
  csrfToken: null,
  bearer: null,
  onExpired: () => undefined,
};

const middleware: Middleware = {
  onRequest({ request }) {
    request.headers.set('X-Einvoice-Client', 'console');
    if (UNSAFE.has(request.method) && auth.csrfToken) request.headers.set('X-CSRF-Token', auth.csrfToken);
    if (auth.bearer) request.headers.set('Authorization', `Bearer ${auth.bearer}`);
    return request;
  },
  onResponse({ request, response }) {
    const url = new URL(request.url, location.href);
    if (response.status === 401 && !url.pathname.startsWith('/v1/auth/') && !url.pathname.startsWith('/v1/setup')) auth.onExpired();
    return response;
  },
};

export const client = createClient<paths>({ baseUrl: location.origin, credentials: 'same-origin' });
client.use(middleware);

/** For routes the committed OpenAPI document may not have yet (CONSOLE.md: built against the contract). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const loose = client as unknown as Client<any>;

type Answer = { data?: unknown; error?: unknown; response: Response };

/** The body of a successful answer as the console's view type, or throws ApiError with the problem. */
export async function ok<T>(call: Promise<Answer>): Promise<T> {
  let answer: Answer;
  try {
    answer = await call;
  } catch (e) {
    throw new ApiError({ status: 0, title: '无法连接服务', detail: e instanceof Error ? e.message : String(e) });
  }
  if (!answer.response.ok) throw new ApiError(asProblem(answer.error, answer.response));
  return answer.data as T;
}

function asProblem(error: unknown, response: Response): Problem {
  const p = (error && typeof error === 'object' ? error : {}) as Problem;
  const retry = Number(response.headers.get('Retry-After'));
  return { ...p, status: p.status ?? response.status, ...(p.retryAfter === undefined && retry > 0 ? { retryAfter: retry } : {}) };
}

/** Plain fetch with the same headers (streams, multipart, downloads). */
export async function rawFetch(path: string, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  headers.set('X-Einvoice-Client', 'console');
  const method = (init.method ?? 'GET').toUpperCase();
  if (UNSAFE.has(method) && auth.csrfToken) headers.set('X-CSRF-Token', auth.csrfToken);
  if (auth.bearer) headers.set('Authorization', `Bearer ${auth.bearer}`);
  const response = await fetch(path, { ...init, headers, credentials: 'same-origin' });
  if (response.status === 401) auth.onExpired();
  if (!response.ok) {
    let body: unknown = null;
    try {
      body = await response.json();
    } catch {
      /* not JSON */
    }
    throw new ApiError(asProblem(body, response));
  }
  return response;
}

export const newKey = () => crypto.randomUUID();
