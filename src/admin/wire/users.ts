/**
 * Users, tokens and the session as the admin API sends them (GET /api/me, /api/users, /api/tokens; docs/security.md).
 * Types only (and the role list): no Node modules, so the web console imports them too.
 */

/** Roles, least first: viewer < operator < billing < admin. */
export const ROLES = ['viewer', 'operator', 'billing', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** GET /api/me: who is logged in. */
export interface Me {
  username: string;
  role: Role;
}

/** A row of GET /api/users. */
export interface UserInfo {
  id: string;
  username: string;
  role: Role;
  disabled: boolean;
  createdAt: string;
  failedAttempts: number;
  lockedUntil: string | null;
}

/** A row of GET /api/tokens: never the token's text. */
export interface TokenInfo {
  id: string;
  username: string;
  name: string;
  kind: 'api' | 'session';
  createdAt: string;
  expiresAt: string | null;
  revokedAt: string | null;
  lastUsedAt: string | null;
}

/** POST /api/tokens: the only answer that carries the token's text. */
export interface CreatedToken {
  id: string;
  username: string;
  token: string;
  expiresAt: string | null;
}
