/**
 * Login, logout and the management of users and tokens (logic: accounts.ts; docs/security.md):
 *   POST   /api/login {username, password}   public → 200 {token, tokenId, expiresAt, username, role};
 *                                             401 wrong name or password (one answer for every cause);
 *                                             429 LOGIN_LOCKED after 5 failures in a row (Retry-After)
 *          {username, password, cookie: true} the web console: the session token goes into the HttpOnly
 *                                             `rxb_session` cookie (and `rxb_csrf` beside it), not into the body
 *                                             → 200 {tokenId, expiresAt, username, role} (session-cookies.ts)
 *   POST   /api/logout                        viewer: revokes the token of the request, clears both cookies
 *   GET    /api/me                            viewer: who the token belongs to and its role
 *   GET    /api/users                         admin
 *   POST   /api/users {username, password, role}                       admin → 201
 *   PATCH  /api/users/:username {role?, disabled?, password?, unlock?} admin
 *   GET    /api/tokens?username=&all=true     admin (no token text, ever)
 *   POST   /api/tokens {username, name?, expiresDays?}                 admin → 201 with the token, shown once
 *   DELETE /api/tokens/:id                    admin: revokes
 * Every login outcome and every change is audited; passwords and tokens never reach the log or the trail.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { EngineError } from '../core/errors';
import type { Accounts } from './accounts';
import { ROLES, audit, auditAs, principalOf, role } from './auth';
import { cameOverHttps, clearedSessionCookies, sessionCookies } from './session-cookies';
import { parse, rowIdParams } from './validate';
import { sends } from './wire/json';
import type { CreatedToken, Me, TokenInfo, UserInfo } from './wire/users';

export type AccountsApi = Pick<
  Accounts,
  'login' | 'logout' | 'listUsers' | 'createUser' | 'updateUser' | 'listTokens' | 'createToken' | 'revokeToken'
>;

const username = z.string().min(1).max(64);
const password = z.string().min(1).max(1024);
const loginBody = z.strictObject({ username, password, cookie: z.boolean().optional() });
const newUserBody = z.strictObject({ username, password, role: z.enum(ROLES) });
const userChangeBody = z
  .strictObject({
    role: z.enum(ROLES).optional(),
    disabled: z.boolean().optional(),
    password: password.optional(),
    unlock: z.literal(true).optional(),
  })
  .refine((b) => Object.keys(b).length > 0, { message: 'give role, disabled, password or unlock' });
const usernameParams = z.strictObject({ username });
const tokensQuery = z.strictObject({ username: username.optional(), all: z.enum(['true', 'false']).optional() });
const newTokenBody = z.strictObject({
  username,
  name: z.string().trim().min(1).max(100).optional(),
  expiresDays: z.number().int().min(1).max(3650).optional(),
});

function retryAfterSeconds(until: Date): number {
  return Math.max(1, Math.ceil((until.getTime() - Date.now()) / 1000));
}

export function registerUserRoutes(api: FastifyInstance, accounts: AccountsApi): void {
  api.post('/api/login', role('public'), async (req, reply) => {
    const body = parse(loginBody, req.body, 'body');
    const outcome = await accounts.login(body.username, body.password, req.ip);
    const target = 'user' in outcome && outcome.user ? { type: 'user', id: outcome.user.username } : undefined;
    switch (outcome.kind) {
      case 'ok':
        await auditAs(req, { actor: outcome.user.username, role: outcome.user.role }, 'login.success', target, {
          tokenId: outcome.tokenId,
          ...(body.cookie ? { cookie: true } : {}),
        });
        if (body.cookie) {
          // The token stays out of the body: page scripts never see it (HttpOnly cookie).
          const maxAge = (outcome.expiresAt.getTime() - Date.now()) / 1000;
          reply.header('set-cookie', sessionCookies(outcome.token, maxAge, cameOverHttps(req)));
          return { tokenId: outcome.tokenId, expiresAt: outcome.expiresAt, username: outcome.user.username, role: outcome.user.role };
        }
        return {
          token: outcome.token,
          tokenId: outcome.tokenId,
          expiresAt: outcome.expiresAt,
          username: outcome.user.username,
          role: outcome.user.role,
        };
      case 'locked': {
        // Worded the same for a name that is no user: a 429 must not tell whether the user exists.
        await auditAs(
          req,
          { actor: outcome.user?.username ?? 'unknown', role: null },
          outcome.justLocked ? 'login.failure' : 'login.locked',
          target,
          { reason: outcome.justLocked ? 'password' : 'locked', lockedUntil: outcome.until.toISOString() },
        );
        reply.header('retry-after', String(retryAfterSeconds(outcome.until)));
        throw new EngineError('LOGIN_LOCKED', `too many failed logins: this user is locked until ${outcome.until.toISOString()}`);
      }
      case 'throttled': {
        await auditAs(req, { actor: 'unknown', role: null }, 'login.locked', undefined, {
          reason: 'address',
          lockedUntil: outcome.until.toISOString(),
        });
        reply.header('retry-after', String(retryAfterSeconds(outcome.until)));
        throw new EngineError('LOGIN_LOCKED', `too many login attempts from this address: try again after ${outcome.until.toISOString()}`);
      }
      case 'failed':
        // The name of an unknown user is not recorded: it may be a password typed in the wrong field.
        await auditAs(req, { actor: outcome.user?.username ?? 'unknown', role: null }, 'login.failure', target, { reason: outcome.reason });
        throw new EngineError('UNAUTHORIZED', 'wrong user name or password');
    }
  });

  api.post('/api/logout', role('viewer'), async (req, reply) => {
    const principal = principalOf(req);
    await accounts.logout(principal);
    await audit(req, 'logout', principal.tokenId ? { type: 'token', id: principal.tokenId } : undefined);
    return reply
      .status(204)
      .header('set-cookie', clearedSessionCookies(cameOverHttps(req)))
      .send();
  });

  api.get('/api/me', role('viewer'), async (req) => {
    const { actor, role: callerRole, kind, tokenId } = principalOf(req);
    return sends<Me>()({ username: actor, role: callerRole, kind, tokenId });
  });

  api.get('/api/users', role('admin'), async () => ({ users: sends<UserInfo[]>()(await accounts.listUsers()) }));

  api.post('/api/users', role('admin'), async (req, reply) => {
    const body = parse(newUserBody, req.body, 'body');
    const user = await accounts.createUser(body);
    await audit(req, 'user.create', { type: 'user', id: user.username }, { role: user.role });
    return reply.status(201).send(user);
  });

  api.patch('/api/users/:username', role('admin'), async (req) => {
    const { username: name } = parse(usernameParams, req.params, 'user name');
    const change = parse(userChangeBody, req.body, 'body');
    const { revokedTokens, ...user } = await accounts.updateUser(name, change);
    await audit(
      req,
      'user.update',
      { type: 'user', id: user.username },
      {
        ...(change.role !== undefined ? { role: change.role } : {}),
        ...(change.disabled !== undefined ? { disabled: change.disabled } : {}),
        ...(change.password !== undefined ? { passwordChanged: true } : {}),
        ...(change.unlock ? { unlocked: true } : {}),
        ...(revokedTokens > 0 ? { revokedTokens } : {}),
      },
    );
    return user;
  });

  api.get('/api/tokens', role('admin'), async (req) => {
    const q = parse(tokensQuery, req.query, 'query');
    return { tokens: sends<TokenInfo[]>()(await accounts.listTokens({ username: q.username, all: q.all === 'true' })) };
  });

  api.post('/api/tokens', role('admin'), async (req, reply) => {
    const body = parse(newTokenBody, req.body, 'body');
    const created = sends<CreatedToken>()(await accounts.createToken(body));
    await audit(
      req,
      'token.create',
      { type: 'token', id: created.id },
      { username: created.username, name: created.name, expiresAt: created.expiresAt?.toISOString() ?? null },
    );
    return reply.status(201).send(created);
  });

  api.delete('/api/tokens/:id', role('admin'), async (req) => {
    const { id } = parse(rowIdParams, req.params, 'token id');
    const revoked = await accounts.revokeToken(id);
    await audit(req, 'token.revoke', { type: 'token', id }, { username: revoked.username, kind: revoked.kind });
    return revoked;
  });
}
