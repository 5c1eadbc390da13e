/**
 * The first-run setup as the admin API sends it (GET/POST /api/setup; docs/security.md). Types only: the web
 * console imports them too.
 */
import type { Role } from './users';

/** GET /api/setup: true while a bootstrap token is configured and no enabled admin user exists. */
export interface SetupState {
  firstAdminNeeded: boolean;
}

/** POST /api/setup {token, username, password}. */
export interface FirstAdminRequest {
  /** The bootstrap token (RXBRIDGE_ADMIN_TOKEN). */
  token: string;
  username: string;
  password: string;
}

/** POST /api/setup → 201: the first admin, now logged in by the session cookie. */
export interface FirstAdminCreated {
  username: string;
  role: Role;
  tokenId: string;
  expiresAt: string;
}
