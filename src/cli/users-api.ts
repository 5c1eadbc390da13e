/**
 * The user and token commands' way through a running engine's admin API, for when the engine holds the embedded
 * store (one process only) and the CLI cannot open it. Same operations and answers as Accounts (dates as Date,
 * refusals as EngineError with the API's code and message), so src/cli/users.ts prints the same lines either way.
 * The engine audits each change as the token's actor (the CLI's own `cli:<os user>` actor is not used).
 */
import type { Accounts } from '../admin/accounts';
import type { Role } from '../admin/auth';
import type { CreatedToken, TokenInfo as WireToken, UserInfo as WireUser } from '../admin/wire/users';
import { EngineError, isErrorCode } from '../core/errors';
import type { TokenInfo, UserInfo } from '../store/users';

/** What the user and token commands need from an account store: Accounts itself, or the engine's API. */
export type CliAccounts = Pick<Accounts, 'createUser' | 'listUsers' | 'updateUser' | 'createToken' | 'listTokens' | 'revokeToken'>;

/** The engine's API did not answer at all (not running there, or another address). */
export class ApiUnreachableError extends Error {}

const date = (s: string) => new Date(s);
const dateOrNull = (s: string | null) => (s === null ? null : new Date(s));

function user(u: WireUser): UserInfo {
  return { ...u, createdAt: date(u.createdAt), lockedUntil: dateOrNull(u.lockedUntil) };
}

function token(t: WireToken): TokenInfo {
  return {
    ...t,
    createdAt: date(t.createdAt),
    expiresAt: dateOrNull(t.expiresAt),
    revokedAt: dateOrNull(t.revokedAt),
    lastUsedAt: dateOrNull(t.lastUsedAt),
  };
}

/** One call to the API with the bearer token; an answer that is not 2xx becomes an EngineError. */
async function call<T>(baseUrl: string, bearer: string, method: string, path: string, body?: unknown): Promise<T> {
  let res: Response;
  try {
    res = await fetch(`${baseUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${bearer}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (err) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    throw new ApiUnreachableError(
      `cannot reach the engine's API at ${baseUrl} (${cause?.code ?? cause?.message ?? (err as Error).message})`,
    );
  }
  const json = (await res.json().catch(() => ({}))) as { error?: { code?: string; message?: string } };
  if (!res.ok) {
    const code = json.error?.code ?? '';
    const message = json.error?.message ?? res.statusText;
    const refused = res.status === 401 || res.status === 403 ? `the engine's API refused the token: ${message}` : message;
    if (isErrorCode(code) && res.status < 500) throw new EngineError(code, refused);
    throw new Error(`the engine's API answered ${res.status} ${code}: ${message}`.replace(/ +/g, ' '));
  }
  return json as T;
}

/** Whether anything answers GET /api/health at `baseUrl`; throws ApiUnreachableError when nothing does. */
export async function probeApi(baseUrl: string): Promise<void> {
  try {
    await fetch(`${baseUrl}/api/health`, { signal: AbortSignal.timeout(5000) });
  } catch (err) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    throw new ApiUnreachableError(
      `cannot reach the engine's API at ${baseUrl} (${cause?.code ?? cause?.message ?? (err as Error).message})`,
    );
  }
}

/** The account operations over the engine's admin API at `baseUrl`, as `bearer` (an admin's token). */
export function apiAccounts(baseUrl: string, bearer: string): CliAccounts {
  const api = <T>(method: string, path: string, body?: unknown) => call<T>(baseUrl, bearer, method, path, body);
  return {
    listUsers: async () => (await api<{ users: WireUser[] }>('GET', '/api/users')).users.map(user),
    createUser: async (u: { username: string; password: string; role: Role }) => user(await api<WireUser>('POST', '/api/users', u)),
    // The API reports no count of the tokens a change ended.
    updateUser: async (username, change) => ({
      ...user(await api<WireUser>('PATCH', `/api/users/${encodeURIComponent(username)}`, change)),
      revokedTokens: 0,
    }),
    listTokens: async (f = {}) => {
      const query = new URLSearchParams({ ...(f.username ? { username: f.username } : {}), ...(f.all ? { all: 'true' } : {}) }).toString();
      return (await api<{ tokens: WireToken[] }>('GET', `/api/tokens${query ? `?${query}` : ''}`)).tokens.map(token);
    },
    createToken: async (t) => {
      const created = await api<CreatedToken & { name: string }>('POST', '/api/tokens', t);
      return { ...created, expiresAt: dateOrNull(created.expiresAt) };
    },
    revokeToken: async (id) =>
      api<{ id: string; username: string; kind: 'api' | 'session' }>('DELETE', `/api/tokens/${encodeURIComponent(id)}`),
  };
}
