/**
 * User accounts: who may call the API, and how they prove it. Used by the API (users-routes.ts, and as the
 * Authenticator of auth.ts) and by the CLI (src/cli/users.ts), over the store (src/store/users.ts).
 *
 * - authenticate: `Authorization: Bearer <token>` (auth.ts passes the console's session cookie the same way,
 *   and accepts it only for a session token). A user token (`rxb_<id>_<secret>`, API or login session)
 *   grants its user's current role while it is not expired or revoked and the user is enabled. The bootstrap
 *   token (RXBRIDGE_ADMIN_TOKEN) grants admin only while no enabled admin user exists, or always when
 *   RXBRIDGE_ALLOW_BOOTSTRAP_TOKEN=true.
 * - login: username + password (+ the caller's address) → a session token valid for `sessionTtlMs` (default 8 h).
 *   Every attempt first reserves itself atomically in the store (src/store/login-throttle.ts), before any
 *   password hash is checked, so a burst of concurrent guesses is counted one by one: a user name gets
 *   MAX_LOGIN_FAILURES tries in a row *from one address* (the last failing one locks that name from that address
 *   for LOGIN_LOCK_MS: an attacker elsewhere cannot lock a user out for good), and an address gets
 *   ADDRESS_MAX_ATTEMPTS tries per ADDRESS_WINDOW_MS for any user names (successes give theirs back). While
 *   locked, even the right password is refused (outcome `locked`, or `throttled` for the address). Unknown user
 *   names are counted and locked exactly like known ones, and unknown and disabled users take as long as a wrong
 *   password, so neither the answers nor their timing tell whether a user exists. An admin unlock (or a new
 *   password) clears the user's locks from every address.
 * - users and tokens: create, list, change role / disable / password, create and revoke tokens. Tokens are
 *   returned once, at creation; the store keeps their SHA-256.
 * - first admin: while no enabled admin user exists and a bootstrap token is configured, whoever holds that token
 *   (compared in constant time) may create the first admin user once and is logged in as them. Each attempt counts
 *   against the address's login throttle first (a right token gives its attempt back, as a login success does), so
 *   the token cannot be guessed faster than passwords. Two concurrent attempts create exactly one admin.
 * Nothing here writes the audit trail: callers know who acted and from where, and record it.
 */
import type { Kysely } from 'kysely';
import { EngineError } from '../core/errors';
import { isRowId } from '../core/row-id';
import type { Database } from '../store/types';
import {
  createFirstAdmin,
  createToken,
  createUser,
  enabledAdminExists,
  findTokenOwner,
  findUser,
  listTokens,
  listUsers,
  markUserLocked,
  recordLoginSuccess,
  revokeToken,
  touchToken,
  updateUser,
  type TokenInfo,
  type UserInfo,
} from '../store/users';
import { clearUserThrottle, lockSubject, recordThrottledSuccess, reserveAttempt, subjectKey } from '../store/login-throttle';
import type { Authentication, Authenticator, Principal, Role } from './auth';
import {
  apiTokenId,
  hashPassword,
  newApiToken,
  passwordProblem,
  secretsEqual,
  spendVerificationTime,
  tokenHash,
  usernameProblem,
  verifyPassword,
  type ScryptParams,
} from './credentials';

export const MAX_LOGIN_FAILURES = 5;
export const LOGIN_LOCK_MS = 15 * 60_000;
/** Login attempts one address may make for any user names per ADDRESS_WINDOW_MS before it waits LOGIN_LOCK_MS. */
export const ADDRESS_MAX_ATTEMPTS = 30;
export const ADDRESS_WINDOW_MS = 15 * 60_000;
export const DEFAULT_SESSION_TTL_MS = 8 * 3600_000;
/** last_used_at is written at most this often per token (not on every request). */
const TOUCH_EVERY_MS = 60_000;
export const BOOTSTRAP_ACTOR = 'bootstrap-token';

export interface AccountsOptions {
  db: Kysely<Database>;
  /** RXBRIDGE_ADMIN_TOKEN. */
  bootstrapToken?: string;
  /** RXBRIDGE_ALLOW_BOOTSTRAP_TOKEN=true: the bootstrap token stays valid when admin users exist. */
  allowBootstrapToken?: boolean;
  sessionTtlMs?: number;
  /** Password hashing cost (tests lower it). */
  scrypt?: ScryptParams;
  now?: () => Date;
}

export type LoginOutcome =
  | { kind: 'ok'; user: UserInfo; token: string; tokenId: string; expiresAt: Date }
  | { kind: 'failed'; reason: 'unknown-user' | 'disabled' | 'password'; user?: UserInfo }
  /** The user name is locked from this address; `user` is undefined for a name that is no user. */
  | { kind: 'locked'; user?: UserInfo; until: Date; justLocked: boolean }
  /** The address made too many attempts for any user names. */
  | { kind: 'throttled'; until: Date };

export type FirstAdminOutcome =
  | { kind: 'ok'; user: UserInfo; token: string; tokenId: string; expiresAt: Date }
  /** The token is not the bootstrap token (or none is configured). */
  | { kind: 'wrong-token' }
  /** An enabled admin user exists already: log in instead. */
  | { kind: 'admin-exists' }
  /** The address made too many login or setup attempts. */
  | { kind: 'throttled'; until: Date };

export interface UserUpdate {
  role?: Role;
  disabled?: boolean;
  password?: string;
  unlock?: boolean;
}

export interface NewToken {
  id: string;
  username: string;
  name: string;
  /** Shown once; never stored. */
  token: string;
  expiresAt: Date | null;
}

function withoutHash(user: UserInfo & { passwordHash: string }): UserInfo {
  const { passwordHash: _hash, ...info } = user;
  return info;
}

function checkPassword(password: string): void {
  const problem = passwordProblem(password);
  if (problem) throw new EngineError('BAD_REQUEST', problem);
}

export class Accounts implements Authenticator {
  private readonly db: Kysely<Database>;
  private readonly now: () => Date;

  constructor(private readonly opts: AccountsOptions) {
    const ttl = opts.sessionTtlMs;
    if (ttl !== undefined && !(Number.isFinite(ttl) && ttl >= 60_000 && ttl <= 30 * 86_400_000)) {
      throw new Error('RXBRIDGE_SESSION_HOURS must be a number of hours between 1/60 and 720');
    }
    this.db = opts.db;
    this.now = opts.now ?? (() => new Date());
  }

  async authenticate(authorization: string | undefined): Promise<Authentication> {
    const match = /^Bearer +(\S+) *$/.exec(authorization ?? '');
    if (!match) return { reason: 'not logged in: send Authorization: Bearer <token>, or log in' };
    const token = match[1]!;
    const { bootstrapToken } = this.opts;
    if (bootstrapToken && secretsEqual(token, bootstrapToken)) return this.bootstrap();
    const id = apiTokenId(token);
    const owner = id === undefined ? undefined : await findTokenOwner(this.db, id);
    if (!owner || !secretsEqual(tokenHash(token), owner.tokenHash)) return { reason: 'wrong bearer token' };
    const now = this.now();
    if (owner.disabled) return { reason: 'the user of this token is disabled' };
    if (owner.revokedAt) return { reason: 'this token was revoked' };
    if (owner.expiresAt && owner.expiresAt <= now) return { reason: 'this token has expired' };
    if (!owner.lastUsedAt || now.getTime() - owner.lastUsedAt.getTime() > TOUCH_EVERY_MS) {
      await touchToken(this.db, owner.tokenId);
    }
    return { principal: { actor: owner.username, role: owner.role, kind: owner.kind, userId: owner.userId, tokenId: owner.tokenId } };
  }

  private async bootstrap(): Promise<Authentication> {
    if (!this.opts.allowBootstrapToken && (await enabledAdminExists(this.db))) {
      return {
        reason: 'the bootstrap token is retired: an enabled admin user exists (log in, or set RXBRIDGE_ALLOW_BOOTSTRAP_TOKEN=true)',
      };
    }
    const principal: Principal = { actor: BOOTSTRAP_ACTOR, role: 'admin', kind: 'bootstrap', userId: null, tokenId: null };
    return { principal };
  }

  /** `address`: the caller's IP address (one subject of the throttle); see the module comment. */
  async login(username: string, password: string, address = 'unknown'): Promise<LoginOutcome> {
    const byAddress = await reserveAttempt(this.db, 'address', '', address, {
      maxAttempts: ADDRESS_MAX_ATTEMPTS,
      lockMs: LOGIN_LOCK_MS,
      windowMs: ADDRESS_WINDOW_MS,
    });
    if (byAddress.lockedUntil) return { kind: 'throttled', until: byAddress.lockedUntil };
    const subject = subjectKey(username);
    const reservation = await reserveAttempt(this.db, 'user', subject, address, { maxAttempts: MAX_LOGIN_FAILURES, lockMs: LOGIN_LOCK_MS });
    const user = usernameProblem(username) ? undefined : await findUser(this.db, username);
    const info = user ? withoutHash(user) : undefined;
    if (reservation.lockedUntil)
      return { kind: 'locked', ...(info ? { user: info } : {}), until: reservation.lockedUntil, justLocked: false };

    const failed = async (reason: 'unknown-user' | 'disabled' | 'password'): Promise<LoginOutcome> => {
      if (reservation.attempt < MAX_LOGIN_FAILURES) return { kind: 'failed', reason, ...(info ? { user: info } : {}) };
      // This attempt used the last try: the name is locked from this address (an unknown name just the same).
      const until = await lockSubject(this.db, 'user', subject, address, LOGIN_LOCK_MS);
      if (user) await markUserLocked(this.db, user.id, until);
      return { kind: 'locked', ...(info ? { user: info } : {}), until, justLocked: true };
    };
    if (!user) {
      await spendVerificationTime(password);
      return failed('unknown-user');
    }
    if (user.disabled) {
      await spendVerificationTime(password);
      return failed('disabled');
    }
    if (!(await verifyPassword(password, user.passwordHash))) return failed('password');
    await recordThrottledSuccess(this.db, subject, address);
    await recordLoginSuccess(this.db, user.id);
    const now = this.now();
    const expiresAt = new Date(now.getTime() + (this.opts.sessionTtlMs ?? DEFAULT_SESSION_TTL_MS));
    const session = await this.issue(user.id, 'session', 'session', expiresAt);
    return { kind: 'ok', user: { ...info!, failedAttempts: 0, lockedUntil: null }, token: session.token, tokenId: session.id, expiresAt };
  }

  /** True while a bootstrap token is configured and no enabled admin user exists: the first admin is still to be made. */
  async firstAdminNeeded(): Promise<boolean> {
    return !!this.opts.bootstrapToken && !(await enabledAdminExists(this.db));
  }

  /**
   * Creates the first admin user for the holder of the bootstrap token and opens a login session for them (see the
   * module comment). The token is checked before anything else is said; the user name and password follow the
   * rules of createUser (BAD_REQUEST), and a taken user name is CONFLICT.
   */
  async createFirstAdmin(a: { token: string; username: string; password: string }, address = 'unknown'): Promise<FirstAdminOutcome> {
    const byAddress = await reserveAttempt(this.db, 'address', '', address, {
      maxAttempts: ADDRESS_MAX_ATTEMPTS,
      lockMs: LOGIN_LOCK_MS,
      windowMs: ADDRESS_WINDOW_MS,
    });
    if (byAddress.lockedUntil) return { kind: 'throttled', until: byAddress.lockedUntil };
    const { bootstrapToken } = this.opts;
    if (!bootstrapToken || !secretsEqual(a.token, bootstrapToken)) return { kind: 'wrong-token' };
    await recordThrottledSuccess(this.db, subjectKey(a.username), address);
    if (await enabledAdminExists(this.db)) return { kind: 'admin-exists' };
    const problem = usernameProblem(a.username);
    if (problem) throw new EngineError('BAD_REQUEST', problem);
    checkPassword(a.password);
    const user = await createFirstAdmin(this.db, { username: a.username, passwordHash: await hashPassword(a.password, this.opts.scrypt) });
    if (!user) return { kind: 'admin-exists' };
    const expiresAt = new Date(this.now().getTime() + (this.opts.sessionTtlMs ?? DEFAULT_SESSION_TTL_MS));
    const session = await this.issue(user.id, 'session', 'session', expiresAt);
    return { kind: 'ok', user, token: session.token, tokenId: session.id, expiresAt };
  }

  /** Revokes the token the principal called with. The bootstrap token cannot be revoked (unset it instead). */
  async logout(principal: Principal): Promise<void> {
    if (!principal.tokenId)
      throw new EngineError('BAD_REQUEST', 'the bootstrap token cannot be logged out: unset RXBRIDGE_ADMIN_TOKEN instead');
    await revokeToken(this.db, principal.tokenId);
  }

  listUsers(): Promise<UserInfo[]> {
    return listUsers(this.db);
  }

  async createUser(u: { username: string; password: string; role: Role }): Promise<UserInfo> {
    const problem = usernameProblem(u.username);
    if (problem) throw new EngineError('BAD_REQUEST', problem);
    checkPassword(u.password);
    return createUser(this.db, { username: u.username, role: u.role, passwordHash: await hashPassword(u.password, this.opts.scrypt) });
  }

  /**
   * Changes a user. A new password ends the user's login sessions; disabling the user revokes all their tokens
   * (sessions and API tokens: enabling them again revives none). `revokedTokens` says how many ended.
   */
  async updateUser(username: string, change: UserUpdate): Promise<UserInfo & { revokedTokens: number }> {
    if (change.password !== undefined) checkPassword(change.password);
    const passwordHash = change.password === undefined ? undefined : await hashPassword(change.password, this.opts.scrypt);
    const user = await updateUser(this.db, username, { role: change.role, disabled: change.disabled, unlock: change.unlock, passwordHash });
    if (user && (change.unlock || passwordHash !== undefined)) await clearUserThrottle(this.db, username);
    if (!user) throw new EngineError('NOT_FOUND', `no user ${username}`);
    return user;
  }

  listTokens(f: { username?: string; all?: boolean } = {}): Promise<TokenInfo[]> {
    return listTokens(this.db, f);
  }

  /** A long-lived API token for `username` (no expiry unless `expiresDays`). */
  async createToken(t: { username: string; name?: string; expiresDays?: number }): Promise<NewToken> {
    const user = await findUser(this.db, t.username);
    if (!user) throw new EngineError('NOT_FOUND', `no user ${t.username}`);
    if (user.disabled) throw new EngineError('CONFLICT', `user ${t.username} is disabled`);
    const expiresAt = t.expiresDays === undefined ? null : new Date(this.now().getTime() + t.expiresDays * 86_400_000);
    const name = t.name ?? 'api';
    const created = await this.issue(user.id, name, 'api', expiresAt);
    return { id: created.id, username: user.username, name, token: created.token, expiresAt };
  }

  /** Revokes a live token; NOT_FOUND when there is none with this id (or it is revoked already). */
  async revokeToken(id: string): Promise<{ id: string; username: string; kind: 'api' | 'session' }> {
    const revoked = isRowId(id) ? await revokeToken(this.db, id) : undefined;
    if (!revoked) throw new EngineError('NOT_FOUND', `no live token ${id}`);
    return { id, ...revoked };
  }

  private issue(userId: string, name: string, kind: 'api' | 'session', expiresAt: Date | null) {
    return createToken(this.db, { userId, name, kind, expiresAt }, (id) => {
      const token = newApiToken(id);
      return { token, hash: tokenHash(token) };
    });
  }
}
