/**
 * Login throttling rows (migration 015). Every login attempt first *reserves* itself, atomically, on two
 * subjects: the user name from this address, and the address itself. A reservation is one `insert … on conflict
 * do update … returning` statement, so concurrent attempts are numbered one by one by Postgres and no burst can
 * slip past the limit while password hashes are being checked (a lock read before a 0.3 s scrypt and not
 * after was how a burst of 200 guesses got through). The policy — limits, what a reservation allows — is the
 * caller's (src/admin/login-throttle.ts); this module only counts.
 *
 * - scope `user`: attempts since the last success for (user name, address). Unknown user names are counted the
 *   same way, so a 429 says nothing about whether a user exists. The name is stored as `subjectKey(name)`.
 * - scope `address`: attempts from one address for any user name inside a rolling window.
 */
import crypto from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type { Database } from './types';

export type ThrottleScope = 'user' | 'address';

export interface Reservation {
  /** This attempt's number since the subject's count last started (1 = the first). */
  attempt: number;
  /** Set when the subject is locked (before or by this reservation). */
  lockedUntil: Date | null;
}

export interface ReserveOptions {
  /** Reservations past this number lock the subject for lockMs (the attempt itself is refused by the caller). */
  maxAttempts: number;
  lockMs: number;
  /** A count older than this starts again (address scope); undefined = the count lasts until a success. */
  windowMs?: number;
}

/** The stored form of a user name: a hash, never the text (it may be a mistyped password). */
export function subjectKey(username: string): string {
  return crypto.createHash('sha256').update(`rxbridge-login\u0000${username.trim().toLowerCase()}`).digest('base64url');
}

/**
 * Reserves one attempt on a subject. While locked, the count does not move and the lock is returned; otherwise
 * the count goes up by one (starting again after windowMs, when given) and a count past maxAttempts locks.
 */
export async function reserveAttempt(
  db: Kysely<Database>,
  scope: ThrottleScope,
  subject: string,
  address: string,
  o: ReserveOptions,
): Promise<Reservation> {
  const lock = sql`now() + ${`${o.lockMs} milliseconds`}::interval`;
  const locked = sql`t.locked_until > now()`;
  // The stored count has run out (its lock ended, or its window passed) and starts again at 1.
  const expired =
    o.windowMs === undefined
      ? sql`t.locked_until is not null`
      : sql`(t.locked_until is not null or t.window_start < now() - ${`${o.windowMs} milliseconds`}::interval)`;
  const next = sql`(case when ${expired} then 1 else t.attempts + 1 end)`;
  const r = await sql<{ attempts: number; locked_until: Date | string | null }>`
    insert into login_throttle as t (scope, subject, address, attempts, window_start, locked_until, updated_at)
    values (${scope}, ${subject}, ${address}, 1, now(), ${o.maxAttempts < 1 ? lock : null}, now())
    on conflict (scope, subject, address) do update set
      attempts = case when ${locked} then t.attempts else ${next} end,
      window_start = case when ${locked} then t.window_start when ${expired} then now() else t.window_start end,
      locked_until = case when ${locked} then t.locked_until when ${next} > ${o.maxAttempts} then ${lock} else null end,
      updated_at = now()
    returning attempts, locked_until`.execute(db);
  const row = r.rows[0]!;
  return { attempt: Number(row.attempts), lockedUntil: row.locked_until === null ? null : new Date(row.locked_until) };
}

/** Locks a subject now for lockMs (the attempt that used the last allowed try failed). Returns the lock. */
export async function lockSubject(
  db: Kysely<Database>,
  scope: ThrottleScope,
  subject: string,
  address: string,
  lockMs: number,
): Promise<Date> {
  const r = await sql<{ locked_until: Date | string }>`
    update login_throttle set locked_until = greatest(coalesce(locked_until, now()), now() + ${`${lockMs} milliseconds`}::interval),
           updated_at = now()
     where scope = ${scope} and subject = ${subject} and address = ${address}
    returning locked_until`.execute(db);
  const row = r.rows[0];
  return row ? new Date(row.locked_until) : new Date(Date.now() + lockMs);
}

/** A successful login: the user's count from this address starts again; the address gets its attempt back. */
export async function recordThrottledSuccess(db: Kysely<Database>, subject: string, address: string): Promise<void> {
  await db
    .deleteFrom('login_throttle')
    .where('scope', '=', 'user')
    .where('subject', '=', subject)
    .where('address', '=', address)
    .where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<=', sql<Date>`now()`)]))
    .execute();
  await db
    .updateTable('login_throttle')
    .set({ attempts: sql`greatest(attempts - 1, 0)`, updated_at: sql`now()` })
    .where('scope', '=', 'address')
    .where('subject', '=', '')
    .where('address', '=', address)
    .execute();
}

/** An administrator's unlock (or a password change): every count and lock of this user name, from every address. */
export async function clearUserThrottle(db: Kysely<Database>, username: string): Promise<void> {
  await db.deleteFrom('login_throttle').where('scope', '=', 'user').where('subject', '=', subjectKey(username)).execute();
}

/** The latest lock of a user name from any address (shown in the user list), or null. */
export async function userLockedUntil(db: Kysely<Database>, username: string): Promise<Date | null> {
  const r = await db
    .selectFrom('login_throttle')
    .select((eb) => eb.fn.max('locked_until').as('until'))
    .where('scope', '=', 'user')
    .where('subject', '=', subjectKey(username))
    .where('locked_until', '>', sql<Date>`now()`)
    .executeTakeFirst();
  return r?.until ? new Date(r.until) : null;
}
