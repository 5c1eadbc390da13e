/**
 * Users and API tokens in the store (tables users, api_tokens; migration 005). Hashes come in ready-made
 * (src/admin/credentials.ts): this module never sees a password or a token. Reads that leave the store for
 * the API (UserInfo, TokenInfo) carry no hash.
 *
 * Login throttling lives in src/store/login-throttle.ts; users.locked_until only shows its latest lock of the user.
 */
import { sql, type Kysely } from 'kysely';
import { EngineError } from '../core/errors';
import type { Database, UsersTable } from './types';

export type UserRole = UsersTable['role'];

export interface UserInfo {
  id: string;
  username: string;
  role: UserRole;
  disabled: boolean;
  createdAt: Date;
  failedAttempts: number;
  lockedUntil: Date | null;
}

export interface UserRecord extends UserInfo {
  passwordHash: string;
}

export interface TokenInfo {
  id: string;
  username: string;
  name: string;
  kind: 'api' | 'session';
  createdAt: Date;
  expiresAt: Date | null;
  revokedAt: Date | null;
  lastUsedAt: Date | null;
}

/** A token row with its owner, for authentication. */
export interface TokenOwner {
  tokenId: string;
  tokenHash: string;
  kind: 'api' | 'session';
  expiresAt: Date | null;
  revokedAt: Date | null;
  lastUsedAt: Date | null;
  userId: string;
  username: string;
  role: UserRole;
  disabled: boolean;
}

const date = (v: unknown): Date => (v instanceof Date ? v : new Date(String(v)));
const dateOrNull = (v: unknown): Date | null => (v === null || v === undefined ? null : date(v));

const USER_COLUMNS = ['id', 'username', 'role', 'disabled', 'created_at', 'failed_attempts', 'locked_until'] as const;
type UserRow = {
  id: string;
  username: string;
  role: UserRole;
  disabled: boolean;
  created_at: unknown;
  failed_attempts: number;
  locked_until: unknown;
};

function userInfo(r: UserRow): UserInfo {
  return {
    id: String(r.id),
    username: r.username,
    role: r.role,
    disabled: r.disabled,
    createdAt: date(r.created_at),
    failedAttempts: r.failed_attempts,
    lockedUntil: dateOrNull(r.locked_until),
  };
}

export async function createUser(db: Kysely<Database>, u: { username: string; passwordHash: string; role: UserRole }): Promise<UserInfo> {
  const row = await db
    .insertInto('users')
    .values({ username: u.username, password_hash: u.passwordHash, role: u.role })
    .onConflict((oc) => oc.column('username').doNothing())
    .returning(USER_COLUMNS)
    .executeTakeFirst();
  if (!row) throw new EngineError('CONFLICT', `user ${u.username} exists`);
  return userInfo(row);
}

export async function listUsers(db: Kysely<Database>): Promise<UserInfo[]> {
  return (await db.selectFrom('users').select(USER_COLUMNS).orderBy('username').execute()).map(userInfo);
}

export async function findUser(db: Kysely<Database>, username: string): Promise<UserRecord | undefined> {
  const r = await db
    .selectFrom('users')
    .select([...USER_COLUMNS, 'password_hash'])
    .where('username', '=', username)
    .executeTakeFirst();
  return r && { ...userInfo(r), passwordHash: r.password_hash };
}

export interface UserChanges {
  role?: UserRole;
  disabled?: boolean;
  /** A new password hash; also clears the failure count and any lock. */
  passwordHash?: string;
  /** Clears the failure count and any lock. */
  unlock?: boolean;
}

/**
 * Applies `c` to the user and, in the same transaction, ends the tokens the change must end: a new password
 * revokes the user's login sessions (whoever logged in with the old one is out), and disabling the user revokes
 * every token of theirs, sessions and API tokens alike, so enabling the user again revives none of them (new API
 * tokens must be made). `revokedTokens` counts the tokens revoked.
 */
export async function updateUser(
  db: Kysely<Database>,
  username: string,
  c: UserChanges,
): Promise<(UserInfo & { revokedTokens: number }) | undefined> {
  return db.transaction().execute(async (trx) => {
    const user = await updateUserRow(trx, username, c);
    if (!user) return undefined;
    let revokedTokens = 0;
    if (c.disabled === true || c.passwordHash !== undefined) {
      let q = trx
        .updateTable('api_tokens')
        .set({ revoked_at: sql`now()` })
        .where('user_id', '=', user.id)
        .where('revoked_at', 'is', null);
      if (c.disabled !== true) q = q.where('kind', '=', 'session');
      revokedTokens = (await q.returning('id').execute()).length;
    }
    return { ...user, revokedTokens };
  });
}

async function updateUserRow(db: Kysely<Database>, username: string, c: UserChanges): Promise<UserInfo | undefined> {
  const set: Record<string, unknown> = {};
  if (c.role !== undefined) set.role = c.role;
  if (c.disabled !== undefined) set.disabled = c.disabled;
  if (c.passwordHash !== undefined) set.password_hash = c.passwordHash;
  if (c.passwordHash !== undefined || c.unlock) Object.assign(set, { failed_attempts: 0, locked_until: null });
  if (Object.keys(set).length === 0) {
    const r = await db.selectFrom('users').select(USER_COLUMNS).where('username', '=', username).executeTakeFirst();
    return r && userInfo(r);
  }
  const r = await db.updateTable('users').set(set).where('username', '=', username).returning(USER_COLUMNS).executeTakeFirst();
  return r && userInfo(r);
}

/** True when at least one enabled user has role admin (the bootstrap token then retires). */
export async function enabledAdminExists(db: Kysely<Database>): Promise<boolean> {
  const r = await db.selectFrom('users').select('id').where('role', '=', 'admin').where('disabled', '=', false).limit(1).executeTakeFirst();
  return r !== undefined;
}

/**
 * Creates the first admin user, only while no enabled admin exists; undefined when one does. The check and the
 * insert run in one transaction holding the users table's EXCLUSIVE lock (plain reads go on), so of two concurrent
 * calls exactly one creates its admin: the second waits, then sees the first's. A taken user name is CONFLICT.
 */
export async function createFirstAdmin(db: Kysely<Database>, u: { username: string; passwordHash: string }): Promise<UserInfo | undefined> {
  return db.transaction().execute(async (trx) => {
    await sql`lock table users in exclusive mode`.execute(trx);
    if (await enabledAdminExists(trx)) return undefined;
    return createUser(trx, { ...u, role: 'admin' });
  });
}

/**
 * Shows a user as locked in the user list (the lock itself is the login throttle's, per user name and address:
 * src/store/login-throttle.ts); the count is reset by the next success, an unlock or a new password.
 */
export async function markUserLocked(db: Kysely<Database>, userId: string, until: Date): Promise<void> {
  await db
    .updateTable('users')
    .set({ locked_until: sql`greatest(coalesce(locked_until, ${until}::timestamptz), ${until}::timestamptz)` })
    .where('id', '=', userId)
    .execute();
}

export async function recordLoginSuccess(db: Kysely<Database>, userId: string): Promise<void> {
  await db.updateTable('users').set({ failed_attempts: 0, locked_until: null }).where('id', '=', userId).execute();
}

/**
 * Inserts a token for `userId`. The token text embeds its row id, so the id is taken first and the caller's
 * `make(id)` returns the token and its hash; only the hash is written. Returns the token (to show once).
 */
export async function createToken(
  db: Kysely<Database>,
  t: { userId: string; name: string; kind: 'api' | 'session'; expiresAt: Date | null },
  make: (id: string) => { token: string; hash: string },
): Promise<{ id: string; token: string; expiresAt: Date | null }> {
  const next = await sql<{ id: string }>`select nextval(pg_get_serial_sequence('api_tokens', 'id'))::text as id`.execute(db);
  const id = next.rows[0]!.id;
  const { token, hash } = make(id);
  await db
    .insertInto('api_tokens')
    .values({ id, user_id: t.userId, name: t.name, kind: t.kind, token_hash: hash, expires_at: t.expiresAt })
    .execute();
  return { id, token, expiresAt: t.expiresAt };
}

export async function findTokenOwner(db: Kysely<Database>, tokenId: string): Promise<TokenOwner | undefined> {
  const r = await db
    .selectFrom('api_tokens as t')
    .innerJoin('users as u', 'u.id', 't.user_id')
    .select([
      't.id as token_id',
      't.token_hash',
      't.kind',
      't.expires_at',
      't.revoked_at',
      't.last_used_at',
      'u.id as user_id',
      'u.username',
      'u.role',
      'u.disabled',
    ])
    .where('t.id', '=', tokenId)
    .executeTakeFirst();
  return (
    r && {
      tokenId: String(r.token_id),
      tokenHash: r.token_hash,
      kind: r.kind,
      expiresAt: dateOrNull(r.expires_at),
      revokedAt: dateOrNull(r.revoked_at),
      lastUsedAt: dateOrNull(r.last_used_at),
      userId: String(r.user_id),
      username: r.username,
      role: r.role,
      disabled: r.disabled,
    }
  );
}

export async function touchToken(db: Kysely<Database>, tokenId: string): Promise<void> {
  await db
    .updateTable('api_tokens')
    .set({ last_used_at: sql`now()` })
    .where('id', '=', tokenId)
    .execute();
}

/** Revokes a token that is not revoked yet; returns its owner's username, or undefined when there is no such live token. */
export async function revokeToken(
  db: Kysely<Database>,
  tokenId: string,
): Promise<{ username: string; kind: 'api' | 'session' } | undefined> {
  const r = await db
    .updateTable('api_tokens')
    .set({ revoked_at: sql`now()` })
    .where('id', '=', tokenId)
    .where('revoked_at', 'is', null)
    .returning(['user_id', 'kind'])
    .executeTakeFirst();
  if (!r) return undefined;
  const u = await db.selectFrom('users').select('username').where('id', '=', r.user_id).executeTakeFirstOrThrow();
  return { username: u.username, kind: r.kind };
}

/** Tokens, newest first: all, or one user's. Sessions that ended (expired or revoked) are left out unless `all`. */
export async function listTokens(db: Kysely<Database>, f: { username?: string; all?: boolean }): Promise<TokenInfo[]> {
  let q = db
    .selectFrom('api_tokens as t')
    .innerJoin('users as u', 'u.id', 't.user_id')
    .select(['t.id', 'u.username', 't.name', 't.kind', 't.created_at', 't.expires_at', 't.revoked_at', 't.last_used_at'])
    .orderBy('t.id', 'desc');
  if (f.username) q = q.where('u.username', '=', f.username);
  if (!f.all) {
    q = q.where((eb) =>
      eb.or([eb('t.kind', '=', 'api'), eb.and([eb('t.revoked_at', 'is', null), eb('t.expires_at', '>', sql<Date>`now()`)])]),
    );
  }
  return (await q.execute()).map((r) => ({
    id: String(r.id),
    username: r.username,
    name: r.name,
    kind: r.kind,
    createdAt: date(r.created_at),
    expiresAt: dateOrNull(r.expires_at),
    revokedAt: dateOrNull(r.revoked_at),
    lastUsedAt: dateOrNull(r.last_used_at),
  }));
}
