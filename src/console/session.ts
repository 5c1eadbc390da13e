/**
 * Who is logged in: GET /api/me on start, POST /api/login (cookie session) and POST /api/logout.
 * Roles are ordered viewer < operator < billing < admin, as on the server (src/admin/auth.ts); the console hides
 * what a role cannot do, and the server refuses it anyway.
 */
import { ROLES, type Me, type Role } from '../admin/wire/users';
import { api } from './api';

export { ROLES, type Role };

/** Who is logged in (GET /api/me). */
export type User = Me;

export function hasRole(user: User | null, need: Role): boolean {
  return !!user && ROLES.indexOf(user.role) >= ROLES.indexOf(need);
}

export async function currentUser(): Promise<User | null> {
  try {
    return await api.get<User>('/api/me');
  } catch {
    return null;
  }
}

export async function login(username: string, password: string): Promise<User> {
  await api.post('/api/login', { username, password, cookie: true });
  return api.get<User>('/api/me');
}

export async function logout(): Promise<void> {
  await api.post('/api/logout').catch(() => undefined);
}
