/**
 * Cookie sessions for the web console (docs/security.md, "Cookie sessions and CSRF"). Pure helpers, no I/O:
 *
 * - `rxb_session`: the login session token; HttpOnly, SameSite=Strict, Path=/, Max-Age = the session's
 *   remaining life, Secure when the request came over HTTPS. Scripts in the page cannot read it.
 * - `rxb_csrf`: readable by the page, sent back as the `X-CSRF-Token` header on every unsafe request
 *   (POST, PUT, PATCH, DELETE) authenticated by the cookie. Its value is HMAC-SHA256 keyed by the session
 *   token (a "signed double submit"): it is bound to that session, cannot be computed without the session
 *   token (which scripts cannot read), needs no server secret and no store column, and reveals nothing about
 *   the session token. A cookie planted by another site or subdomain does not help: the server compares the
 *   header with the HMAC of the session token, not with the cookie.
 *
 * The Cookie header is parsed here (RFC 6265 `name=value; name2=value2`) rather than with @fastify/cookie:
 * two names are read, and no dependency is needed for that.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const SESSION_COOKIE = 'rxb_session';
export const CSRF_COOKIE = 'rxb_csrf';
/** Header names as Node presents them (lower case). */
export const CSRF_HEADER = 'x-csrf-token';

/** Methods that change nothing: no CSRF token needed. Every other method is unsafe. */
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export function isUnsafeMethod(method: string): boolean {
  return !SAFE_METHODS.has(method.toUpperCase());
}

/** The value of cookie `name` in a Cookie header (first occurrence), or undefined. Percent-decoding is lenient. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0 || part.slice(0, eq).trim() !== name) continue;
    let value = part.slice(eq + 1).trim();
    if (value.startsWith('"') && value.endsWith('"') && value.length >= 2) value = value.slice(1, -1);
    try {
      return decodeURIComponent(value);
    } catch {
      return value;
    }
  }
  return undefined;
}

/** The CSRF token bound to a session token. */
export function csrfTokenFor(sessionToken: string): string {
  return createHmac('sha256', sessionToken).update('rxbridge-csrf-v1').digest('base64url');
}

/** True when `presented` is the CSRF token of `sessionToken` (constant time). */
export function csrfMatches(sessionToken: string, presented: string | undefined): boolean {
  if (!presented) return false;
  const expected = Buffer.from(csrfTokenFor(sessionToken), 'utf8');
  const given = Buffer.from(presented, 'utf8');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

interface CookieOptions {
  maxAgeSeconds: number;
  httpOnly: boolean;
  secure: boolean;
}

function setCookie(name: string, value: string, o: CookieOptions): string {
  return [
    `${name}=${encodeURIComponent(value)}`,
    'Path=/',
    `Max-Age=${Math.max(0, Math.floor(o.maxAgeSeconds))}`,
    'SameSite=Strict',
    ...(o.httpOnly ? ['HttpOnly'] : []),
    ...(o.secure ? ['Secure'] : []),
  ].join('; ');
}

/** The two Set-Cookie values of a new cookie session. */
export function sessionCookies(sessionToken: string, maxAgeSeconds: number, secure: boolean): string[] {
  return [
    setCookie(SESSION_COOKIE, sessionToken, { maxAgeSeconds, httpOnly: true, secure }),
    setCookie(CSRF_COOKIE, csrfTokenFor(sessionToken), { maxAgeSeconds, httpOnly: false, secure }),
  ];
}

/** Set-Cookie values that remove both cookies (Max-Age=0). */
export function clearedSessionCookies(secure: boolean): string[] {
  return [
    setCookie(SESSION_COOKIE, '', { maxAgeSeconds: 0, httpOnly: true, secure }),
    setCookie(CSRF_COOKIE, '', { maxAgeSeconds: 0, httpOnly: false, secure }),
  ];
}

/**
 * Whether the browser reached us over HTTPS: the connection itself, or a TLS-terminating proxy saying so in
 * `X-Forwarded-Proto`. Trusting that header here is safe: it only adds the Secure flag, which can only make a
 * cookie stricter.
 */
export function cameOverHttps(req: { protocol: string; headers: Record<string, string | string[] | undefined> }): boolean {
  if (req.protocol === 'https') return true;
  const forwarded = req.headers['x-forwarded-proto'];
  const first = (Array.isArray(forwarded) ? forwarded[0] : forwarded)?.split(',')[0]?.trim().toLowerCase();
  return first === 'https';
}
