/**
 * Access control for the admin API: roles, the rule every route must declare, and the audit helper.
 *
 * Roles are ordered, viewer < operator < billing < admin; a role has every right of the roles below it
 * (docs/security.md has the table). Every route declares the least role it needs in its options —
 * `api.get(url, role('operator'), handler)`, i.e. `config: { role }` — or `role('public')`. installAccessControl
 * must run before any route is added: its onRoute hook throws for a route that declares no role (start-up
 * fails, naming the route), so no route exists without a rule. Its onRequest hook (before the body is read)
 * authenticates the caller and answers 401 UNAUTHORIZED (no or bad token) or 403 FORBIDDEN (role too low);
 * the handler finds the caller in `req.principal`.
 *
 * Credentials, in this order: the `Authorization: Bearer` header; else the `rxb_session` cookie of the web
 * console (session-cookies.ts), which must hold a login session token. A request authenticated by the cookie
 * with an unsafe method (POST, PUT, PATCH, DELETE) must also send `X-CSRF-Token` matching the session, else
 * 403 CSRF. Bearer requests need no CSRF token: browsers never send that header on their own.
 *
 * The metrics scrape (`GET /metrics`) declares `role('scrape')`: it takes no user at all, only the dedicated scrape
 * token (`RXBRIDGE_METRICS_TOKEN`, passed as `scrapeToken`) as a Bearer token — compared in constant time —, and
 * answers 401 UNAUTHORIZED to anything else, a user's token included, and to everyone while no scrape token is set.
 * So the credential a metrics system holds opens counts and nothing that could hold patient data.
 *
 * `audit(req, action, target, detail)` appends to the audit trail as the caller. `detail` must never hold
 * patient data: ids, counts, names of things, reasons.
 */
import crypto from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { EngineError } from '../core/errors';
import type { AuditEntry } from '../store/audit';
import type { AuditDetail } from '../store/audit-chain';
import { CSRF_HEADER, SESSION_COOKIE, csrfMatches, isUnsafeMethod, readCookie } from './session-cookies';
import { ROLES, type Role } from './wire/users';

/** The roles, least first (src/admin/wire/users.ts: the console reads the same list). */
export { ROLES, type Role };
/** `public`: anyone; `scrape`: the metrics scrape token only (see above). */
export type RouteRole = Role | 'public' | 'scrape';

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

/** True when `have` includes the rights of `need`. */
export function hasRole(have: Role, need: Role): boolean {
  return ROLES.indexOf(have) >= ROLES.indexOf(need);
}

/** The role just below `role`, or undefined for the lowest. */
export function roleBelow(role: Role): Role | undefined {
  return ROLES[ROLES.indexOf(role) - 1];
}

/** Who is calling: a user's token or login session, or the bootstrap token. */
export interface Principal {
  /** Recorded as the actor: the username, or `bootstrap-token`. */
  actor: string;
  role: Role;
  kind: 'bootstrap' | 'api' | 'session';
  userId: string | null;
  tokenId: string | null;
}

export type Authentication = { principal: Principal } | { reason: string };

export interface Authenticator {
  /**
   * Resolves an Authorization header (`Bearer <token>`; the session cookie's token is passed the same way);
   * `reason` (no PHI, no secret) explains a refusal.
   */
  authenticate(authorization: string | undefined): Promise<Authentication>;
}

export interface AuditSink {
  append(entry: AuditEntry): Promise<unknown>;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The least role the route needs (src/admin/auth.ts); every route must declare one. */
    role?: RouteRole;
  }
  interface FastifyRequest {
    /** The authenticated caller; null on public routes. */
    principal: Principal | null;
  }
  interface FastifyInstance {
    auditSink: AuditSink;
  }
}

/** The largest body a public route (login) reads, in bytes: larger ones get 413 before being parsed. */
export const PUBLIC_BODY_LIMIT = 4 * 1024;

/** A route's access rule as registered. */
export interface RouteRule {
  method: string;
  url: string;
  role: RouteRole;
}

/** Route options declaring the least role: `api.post(url, role('billing'), handler)`. */
export function role(r: RouteRole): { config: { role: RouteRole } } {
  return { config: { role: r } };
}

const rulesOf = new WeakMap<FastifyInstance, RouteRule[]>();

/** Every route registered on `app` so far, with its role (HEAD twins of GET routes included). */
export function routeRules(app: FastifyInstance): readonly RouteRule[] {
  const rules = rulesOf.get(app);
  if (!rules) throw new Error('routeRules: installAccessControl was not called on this app');
  return rules;
}

export function installAccessControl(
  app: FastifyInstance,
  deps: { authenticator: Authenticator; audit: AuditSink; scrapeToken?: string },
): void {
  const rules: RouteRule[] = [];
  rulesOf.set(app, rules);
  app.decorate('auditSink', deps.audit);
  app.decorateRequest('principal', null);

  app.addHook('onRoute', (route) => {
    const declared = (route.config as { role?: unknown } | undefined)?.role;
    const methods = [route.method].flat().map(String);
    if (declared !== 'public' && declared !== 'scrape' && !isRole(declared)) {
      throw new Error(
        `route ${methods.join(',')} ${route.url} declares no role: add role('public'|'scrape'|${ROLES.map((r) => `'${r}'`).join('|')}) ` +
          'to its options (src/admin/auth.ts)',
      );
    }
    for (const method of methods) rules.push({ method, url: route.url ?? route.path, role: declared });
    // A caller who proved nothing gets a small body: a public route's body is read before anyone is known.
    if (declared === 'public') route.bodyLimit = Math.min(route.bodyLimit ?? PUBLIC_BODY_LIMIT, PUBLIC_BODY_LIMIT);
  });

  app.addHook('onRequest', async (req) => {
    const need = req.routeOptions.config?.role;
    if (need === 'public') return;
    // No route: answered here, before any body is read.
    if (need === undefined && req.is404) throw new EngineError('NOT_FOUND', `no route ${req.method} ${req.url.split('?')[0]}`);
    if (need === 'scrape') {
      if (!scrapeTokenMatches(req.headers.authorization, deps.scrapeToken)) {
        throw refusal(
          'UNAUTHORIZED',
          deps.scrapeToken
            ? 'this route takes the metrics scrape token (RXBRIDGE_METRICS_TOKEN) as a Bearer token'
            : 'metrics scraping is off: set RXBRIDGE_METRICS_TOKEN and send it as a Bearer token',
        );
      }
      return;
    }
    if (!isRole(need)) throw refusal('FORBIDDEN', 'this route has no access rule');
    const header = req.headers.authorization;
    const cookieToken = header === undefined ? readCookie(req.headers.cookie, SESSION_COOKIE) : undefined;
    const result = await deps.authenticator.authenticate(cookieToken === undefined ? header : `Bearer ${cookieToken}`);
    if ('reason' in result)
      throw refusal('UNAUTHORIZED', cookieToken === undefined ? result.reason : `session cookie: ${result.reason}; log in again`);
    if (cookieToken !== undefined) {
      if (result.principal.kind !== 'session') throw refusal('UNAUTHORIZED', 'the session cookie holds no login session; log in again');
      const csrf = req.headers[CSRF_HEADER];
      if (isUnsafeMethod(req.method) && !csrfMatches(cookieToken, Array.isArray(csrf) ? csrf[0] : csrf)) {
        throw refusal(
          'CSRF',
          'a request authenticated by the session cookie must send the X-CSRF-Token header ' + 'with the value of the rxb_csrf cookie',
        );
      }
    }
    if (!hasRole(result.principal.role, need)) {
      throw refusal('FORBIDDEN', `this needs role ${need} or higher; the caller has role ${result.principal.role}`);
    }
    req.principal = result.principal;
  });
}

/** True when `authorization` is `Bearer <scrapeToken>`; compared as SHA-256 digests, in constant time. */
function scrapeTokenMatches(authorization: string | undefined, scrapeToken: string | undefined): boolean {
  if (!scrapeToken || !authorization?.startsWith('Bearer ')) return false;
  const digest = (text: string) => crypto.createHash('sha256').update(text).digest();
  return crypto.timingSafeEqual(digest(authorization.slice('Bearer '.length)), digest(scrapeToken));
}

/** An EngineError that also carries its HTTP status, so any Fastify error handler answers 401/403 rightly. */
function refusal(code: 'UNAUTHORIZED' | 'FORBIDDEN' | 'CSRF', message: string): EngineError {
  const err = new EngineError(code, message);
  return Object.assign(err, { statusCode: err.spec.http });
}

/** The caller of a route that is not public (its handler runs only after authentication). */
export function principalOf(req: FastifyRequest): Principal {
  if (!req.principal) throw new EngineError('UNAUTHORIZED', 'not authenticated');
  return req.principal;
}

/** The actor name recorded for what the caller does (mapping versions, message events, claim history). */
export function actorOf(req: FastifyRequest): string {
  return principalOf(req).actor;
}

export interface AuditTarget {
  type: string;
  id: string;
}

/** Appends an audit event for the caller's action. Await it: an action whose audit fails answers 500. */
export async function audit(req: FastifyRequest, action: string, target?: AuditTarget, detail?: AuditDetail): Promise<void> {
  const p = principalOf(req);
  await auditAs(req, { actor: p.actor, role: p.role }, action, target, detail);
}

/** Appends an audit event for someone who is not (yet) authenticated: login outcomes. */
export async function auditAs(
  req: FastifyRequest,
  who: { actor: string; role: string | null },
  action: string,
  target?: AuditTarget,
  detail?: AuditDetail,
): Promise<void> {
  await req.server.auditSink.append({
    actor: who.actor,
    role: who.role,
    action,
    targetType: target?.type ?? null,
    targetId: target?.id ?? null,
    sourceIp: req.ip,
    detail,
  });
}
