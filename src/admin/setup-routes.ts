/**
 * The first run: creating the first admin user with the bootstrap token (logic: Accounts.createFirstAdmin;
 * docs/security.md).
 *   GET  /api/setup                              public → {firstAdminNeeded}: true while RXBRIDGE_ADMIN_TOKEN is set
 *                                                and no enabled admin user exists
 *   POST /api/setup {token, username, password}  public (small body) → 201 {username, role, tokenId, expiresAt} and
 *                                                the console's session cookies (as POST /api/login {cookie: true});
 *                                                401 wrong token; 409 CONFLICT once an admin exists (log in);
 *                                                429 LOGIN_LOCKED when the address made too many login or setup
 *                                                attempts; 400 for a user name or password the users API refuses
 * The creation is audited as `user.create` by the bootstrap token's actor, followed by the new admin's
 * `login.success`; a wrong token is audited as `setup.failure`. Neither the token nor the password is ever logged.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { EngineError } from '../core/errors';
import { BOOTSTRAP_ACTOR, type Accounts } from './accounts';
import { auditAs, role } from './auth';
import { cameOverHttps, sessionCookies } from './session-cookies';
import { parse } from './validate';
import { sends } from './wire/json';
import type { FirstAdminCreated, SetupState } from './wire/setup';

export type SetupApi = Pick<Accounts, 'firstAdminNeeded' | 'createFirstAdmin'>;

const firstAdminBody = z.strictObject({
  token: z.string().min(1).max(1024),
  username: z.string().min(1).max(64),
  password: z.string().min(1).max(1024),
});

export function registerSetupRoutes(api: FastifyInstance, accounts: SetupApi): void {
  api.get('/api/setup', role('public'), async () => sends<SetupState>()({ firstAdminNeeded: await accounts.firstAdminNeeded() }));

  api.post('/api/setup', role('public'), async (req, reply) => {
    const body = parse(firstAdminBody, req.body, 'body');
    const outcome = await accounts.createFirstAdmin(body, req.ip);
    switch (outcome.kind) {
      case 'wrong-token':
        await auditAs(req, { actor: 'unknown', role: null }, 'setup.failure', undefined, { reason: 'token' });
        throw new EngineError('UNAUTHORIZED', 'wrong bootstrap token: give the value of RXBRIDGE_ADMIN_TOKEN the engine runs with');
      case 'throttled':
        await auditAs(req, { actor: 'unknown', role: null }, 'login.locked', undefined, {
          reason: 'address',
          lockedUntil: outcome.until.toISOString(),
        });
        reply.header('retry-after', String(Math.max(1, Math.ceil((outcome.until.getTime() - Date.now()) / 1000))));
        throw new EngineError('LOGIN_LOCKED', `too many login attempts from this address: try again after ${outcome.until.toISOString()}`);
      case 'admin-exists':
        throw new EngineError('CONFLICT', 'an admin user exists: log in');
      case 'ok': {
        const { user } = outcome;
        await auditAs(
          req,
          { actor: BOOTSTRAP_ACTOR, role: 'admin' },
          'user.create',
          { type: 'user', id: user.username },
          { role: user.role, firstAdmin: true },
        );
        await auditAs(
          req,
          { actor: user.username, role: user.role },
          'login.success',
          { type: 'user', id: user.username },
          { tokenId: outcome.tokenId, cookie: true, firstAdmin: true },
        );
        const maxAge = (outcome.expiresAt.getTime() - Date.now()) / 1000;
        reply.header('set-cookie', sessionCookies(outcome.token, maxAge, cameOverHttps(req)));
        return reply.status(201).send(
          sends<FirstAdminCreated>()({
            username: user.username,
            role: user.role,
            tokenId: outcome.tokenId,
            expiresAt: outcome.expiresAt,
          }),
        );
      }
    }
  });
}
