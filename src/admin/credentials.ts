/**
 * Credentials, with node:crypto only: password hashes (scrypt, per-user random salt, parameters stored in the
 * hash so they can rise later), API tokens (`rxb_<id>_<secret>`, stored as SHA-256 only) and the rules names and
 * passwords must follow. No I/O; the store keeps what these functions produce.
 *
 * Hash format: `scrypt$<N>$<r>$<p>$<salt base64url>$<key base64url>`. Verification recomputes with the stored
 * parameters and compares in constant time.
 */
import { createHash, randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

export interface ScryptParams {
  /** CPU/memory cost, a power of two. */
  N: number;
  r: number;
  p: number;
}

/**
 * One of OWASP's equivalent scrypt minimums (N=2^17 r=8 p=1, …, N=2^15 r=8 p=3): 32 MiB per hash rather than
 * 128 MiB, so a burst of logins does not exhaust memory.
 */
export const DEFAULT_SCRYPT: ScryptParams = { N: 2 ** 15, r: 8, p: 3 };
const KEY_BYTES = 32;
const SALT_BYTES = 16;

export const PASSWORD_MIN_LENGTH = 12;
const PASSWORD_MAX_LENGTH = 1024;

function derive(password: string, salt: Buffer, params: ScryptParams): Promise<Buffer> {
  const options: ScryptOptions = { N: params.N, r: params.r, p: params.p, maxmem: 256 * params.N * params.r + 1024 * 1024 };
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFC'), salt, KEY_BYTES, options, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

export async function hashPassword(password: string, params: ScryptParams = DEFAULT_SCRYPT): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const key = await derive(password, salt, params);
  return ['scrypt', params.N, params.r, params.p, salt.toString('base64url'), key.toString('base64url')].join('$');
}

/** True when `password` matches `stored`; false for a wrong password and for a hash this code cannot read. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [N, r, p] = parts.slice(1, 4).map(Number) as [number, number, number];
  if (![N, r, p].every((n) => Number.isInteger(n) && n > 0) || N > 2 ** 20 || r > 32 || p > 16) return false;
  const expected = Buffer.from(parts[5]!, 'base64url');
  if (expected.length !== KEY_BYTES) return false;
  const key = await derive(password, Buffer.from(parts[4]!, 'base64url'), { N, r, p });
  return timingSafeEqual(key, expected);
}

let dummy: Promise<string> | undefined;
/**
 * Spends the time of one verification against a throw-away hash: a login for an unknown or disabled user
 * takes as long as one with a wrong password, so timing does not tell which names exist.
 */
export async function spendVerificationTime(password: string): Promise<void> {
  dummy ??= hashPassword(randomBytes(16).toString('hex'));
  await verifyPassword(password, await dummy);
}

/** Why a password is refused, or undefined when it is acceptable. */
export function passwordProblem(password: string): string | undefined {
  if (password.length < PASSWORD_MIN_LENGTH) return `a password has at least ${PASSWORD_MIN_LENGTH} characters`;
  if (password.length > PASSWORD_MAX_LENGTH) return `a password has at most ${PASSWORD_MAX_LENGTH} characters`;
  if (/^(.)\1*$/.test(password)) return 'a password is not one character repeated';
  return undefined;
}

const USERNAME = /^[a-z][a-z0-9._-]{1,63}$/;
/** Why a user name is refused, or undefined: 2-64 of lower-case letters, digits, dot, dash, underscore; a letter first. */
export function usernameProblem(name: string): string | undefined {
  return USERNAME.test(name)
    ? undefined
    : 'a user name is 2-64 lower-case letters, digits, dots, dashes or underscores, starting with a letter';
}

const TOKEN = /^rxb_([1-9][0-9]{0,17})_([A-Za-z0-9_-]{43})$/;

/** A new token for the api_tokens row `id`: `rxb_<id>_<43 base64url chars = 256 random bits>`. */
export function newApiToken(id: string): string {
  return `rxb_${id}_${randomBytes(32).toString('base64url')}`;
}

/** The row id a token names, or undefined when the text is not shaped like a token. */
export function apiTokenId(token: string): string | undefined {
  return TOKEN.exec(token)?.[1];
}

/** What the store keeps of a token: SHA-256, hex. (A token has 256 random bits: no salt or stretching needed.) */
export function tokenHash(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** Constant-time equality of two secrets of any length (compares their SHA-256). */
export function secretsEqual(a: string, b: string): boolean {
  const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();
  return timingSafeEqual(digest(a), digest(b));
}
