/**
 * The console's one way to the engine's admin API. Same origin, session cookie (HttpOnly, set by
 * POST /api/login with `cookie: true`), and the CSRF token from the readable `rxb_csrf` cookie sent as
 * `X-CSRF-Token` on every unsafe request. Errors come back as ApiError with the API's code and message
 * (`{ error: { code, message } }`); a 401 also tells the app to show the login page.
 */

export class ApiError extends Error {
  /** `details`: the whole `error` object of the answer (e.g. `issues` of a 422 CONFIG_INVALID). */
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

type Listener = () => void;
const unauthorizedListeners = new Set<Listener>();

/** Called whenever the API answers 401 (session expired, logged out elsewhere). */
export function onUnauthorized(listener: Listener): () => void {
  unauthorizedListeners.add(listener);
  return () => unauthorizedListeners.delete(listener);
}

function csrfToken(): string | undefined {
  const match = /(?:^|;\s*)rxb_csrf=([^;]+)/.exec(document.cookie);
  return match ? decodeURIComponent(match[1] ?? '') : undefined;
}

export type Query = Record<string, string | number | undefined | null>;

/** `path` + the defined, non-empty values of `query`. */
export function withQuery(path: string, query: Query = {}): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== null && v !== '') params.set(k, String(v));
  const qs = params.toString();
  return qs ? `${path}?${qs}` : path;
}

export async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && method !== 'HEAD') {
    const csrf = csrfToken();
    if (csrf) headers['x-csrf-token'] = csrf;
  }
  const res = await fetch(path, {
    method,
    headers,
    credentials: 'same-origin',
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const type = res.headers.get('content-type') ?? '';
  const payload: unknown = type.includes('application/json') ? await res.json() : await res.text();
  if (!res.ok) {
    const err = (payload as { error?: { code?: string; message?: string } & Record<string, unknown> } | null)?.error;
    if (res.status === 401) for (const l of unauthorizedListeners) l();
    throw new ApiError(res.status, err?.code ?? `HTTP_${res.status}`, err?.message ?? res.statusText, err ?? {});
  }
  return payload as T;
}

export const api = {
  get: <T>(path: string, query?: Query) => request<T>('GET', withQuery(path, query)),
  post: <T>(path: string, body?: unknown) => request<T>('POST', path, body ?? {}),
  put: <T>(path: string, body?: unknown) => request<T>('PUT', path, body ?? {}),
  patch: <T>(path: string, body?: unknown) => request<T>('PATCH', path, body ?? {}),
  del: <T>(path: string) => request<T>('DELETE', path),
};
