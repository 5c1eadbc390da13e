/**
 * Route × role matrix on the real admin app (buildAdminApp, on an ephemeral local port: fastify's inject() cannot
 * load its ESM cookie dependency under this Jest on Node 20) with stand-in services: every route the onRoute
 * hook saw — not a hand-written list, so a route added later is covered by this test the day it lands — answers
 * 401 without a token or with a wrong one, 403 to the role just below its minimum, and lets its minimum role
 * through the guard. And a route without a declared role cannot be registered at all.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import { buildAdminApp, type AdminDeps } from '../../src/admin/app';
import { ROLES, hasRole, installAccessControl, isRole, role, roleBelow, routeRules, type Authenticator, type Principal, type Role, type RouteRule } from '../../src/admin/auth';
import { silentLogger } from '../../src/core/logger';

/** Bearer token `as-<role>` authenticates as a user with that role. */
const authenticator: Authenticator = {
  async authenticate(header) {
    const m = /^Bearer as-(\w+)$/.exec(header ?? '');
    if (!m || !isRole(m[1])) return { reason: 'wrong bearer token' };
    const principal: Principal = { actor: `user-${m[1]}`, role: m[1], kind: 'api', userId: '1', tokenId: '1' };
    return { principal };
  },
};

/** The metrics scrape token of these apps (RXBRIDGE_METRICS_TOKEN). */
const SCRAPE_TOKEN = 'scrape-token-0123456789';

/** A service whose every method fails: the matrix checks the guard, handlers only need to exist. */
function unusable<T>(): T {
  return new Proxy({}, { get: () => async () => { throw new Error('not used in this test'); } }) as T;
}

function deps(scrapeToken: string | undefined = SCRAPE_TOKEN): AdminDeps {
  const fail = async () => { throw new Error('not used in this test'); };
  return {
    logger: silentLogger,
    security: { authenticator, accounts: unusable(), audit: { append: fail, list: fail }, scrapeToken },
    observability: { metrics: { contentType: 'text/plain; version=0.0.4', render: async () => 'rxbridge_test 1\n' }, alerts: () => [] },
    health: async () => ({ store: true, queue: true }),
    channels: () => [],
    counts: async () => new Map(),
    listMessages: fail, getMessage: fail, listCharges: fail, replay: fail, reloadChannels: fail, setChannelPaused: fail,
    readChannelFile: fail, saveChannelFile: fail,
    mappings: unusable(),
    claims: unusable(),
    eligibility: unusable(),
    console: unusable(),
    fhir: unusable(),
  };
}

/** A concrete URL for a route pattern: every :param becomes 1. */
const concrete = (url: string) => url.replace(/:\w+/g, '1');

/** Starts `app` on an ephemeral port (once) and sends one request. */
async function request(app: FastifyInstance, method: string, url: string, token?: string) {
  if (!app.server.listening) await app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = app.server.address() as { port: number };
  const res = await fetch(`http://127.0.0.1:${port}${url}`, { method, headers: token ? { authorization: `Bearer ${token}` } : {} });
  const text = await res.text();
  return { status: res.status, text, body: text ? safeJson(text) : undefined };
}

const call = (app: FastifyInstance, rule: RouteRule, token?: string) => request(app, rule.method, concrete(rule.url), token);

/** The refusal's code: `{ error: { code } }` on /api, an OperationOutcome's issue code on /fhir (fhir-routes.ts). */
function refusalCode(body: any): string | undefined {
  const fhir: Record<string, string> = { login: 'UNAUTHORIZED', forbidden: 'FORBIDDEN' };
  return body?.error?.code ?? (body?.resourceType === 'OperationOutcome' ? fhir[body.issue?.[0]?.code] : undefined);
}

function safeJson(text: string): any {
  try { return JSON.parse(text); } catch { return text; }
}

describe('route × role matrix (every route the app registered)', () => {
  let app: FastifyInstance;
  let rules: readonly RouteRule[];

  beforeAll(async () => {
    app = buildAdminApp(deps());
    await app.ready();
    rules = routeRules(app);
  });
  afterAll(() => app.close());

  it('sees every route, including the claims, users and audit routes', () => {
    const keys = rules.map((r) => `${r.method} ${r.url}`);
    expect(new Set(keys).size).toBe(keys.length);
    for (const expected of [
      'GET /api/health', 'GET /api/messages/:id', 'POST /api/messages/:id/replay', 'PUT /api/mappings/:name',
      'POST /api/login', 'POST /api/users', 'DELETE /api/tokens/:id', 'GET /api/audit', 'GET /api/audit.csv',
      'POST /api/claims/:id/override', 'POST /api/remittances',
    ]) expect(keys).toContain(expected);
    expect(rules.length).toBeGreaterThan(35);
  });

  it('declares the roles of the access table (docs/security.md)', () => {
    const roleOf = (method: string, url: string) => rules.find((r) => r.method === method && r.url === url)?.role;
    expect(roleOf('GET', '/api/health')).toBe('public');
    expect(roleOf('POST', '/api/login')).toBe('public');
    expect(roleOf('GET', '/api/channels')).toBe('viewer');
    expect(roleOf('GET', '/api/alerts')).toBe('viewer');
    expect(roleOf('GET', '/metrics')).toBe('scrape');
    expect(roleOf('GET', '/api/charges')).toBe('viewer');
    expect(roleOf('GET', '/api/messages/:id')).toBe('operator');
    expect(roleOf('GET', '/fhir/R4/metadata')).toBe('viewer');
    expect(roleOf('GET', '/fhir/R4/:type')).toBe('operator');
    expect(roleOf('GET', '/fhir/R4/:type/:id')).toBe('operator');
    expect(roleOf('POST', '/api/messages/:id/replay')).toBe('operator');
    expect(roleOf('GET', '/api/dead-letters')).toBe('operator');
    expect(roleOf('GET', '/api/claims')).toBe('viewer');
    expect(roleOf('POST', '/api/claims/:id/override')).toBe('billing');
    expect(roleOf('PATCH', '/api/claims/:id')).toBe('billing');
    expect(roleOf('POST', '/api/claims/:id/replace')).toBe('billing');
    expect(roleOf('GET', '/api/acknowledgments/:id/x12')).toBe('billing');
    expect(roleOf('POST', '/api/claims/batches')).toBe('billing');
    for (const [method, url] of [['GET', '/api/eligibility'], ['POST', '/api/eligibility'], ['POST', '/api/eligibility/inquiries'],
      ['POST', '/api/eligibility/release'], ['GET', '/api/eligibility/files/:id/x12']] as const) {
      expect(roleOf(method, url)).toBe('billing');
    }
    expect(roleOf('PUT', '/api/mappings/:name')).toBe('admin');
    expect(roleOf('POST', '/api/mappings/:name/preview')).toBe('admin');
    expect(roleOf('GET', '/api/audit.csv')).toBe('admin');
    expect(roleOf('GET', '/api/dashboard')).toBe('viewer');
    expect(roleOf('GET', '/api/messages/:id/timeline')).toBe('viewer');
    expect(roleOf('GET', '/api/dead-letters/groups')).toBe('operator');
    expect(roleOf('POST', '/api/dead-letters/replay')).toBe('operator');
    expect(roleOf('GET', '/api/mappings/:name/versions')).toBe('operator');
    expect(roleOf('GET', '/api/mappings/:name/versions/:version')).toBe('operator');
    expect(roleOf('POST', '/api/mappings/:name/rollback')).toBe('admin');
  });

  it('answers 401 without a token and with a wrong token, for every route that is not public', async () => {
    const guarded = rules.filter((r) => r.role !== 'public');
    for (const rule of guarded) {
      const none = await call(app, rule);
      expect({ route: `${rule.method} ${rule.url}`, status: none.status }).toEqual({ route: `${rule.method} ${rule.url}`, status: 401 });
      if (rule.method !== 'HEAD') expect(refusalCode(none.body)).toBe('UNAUTHORIZED');
      const wrong = await call(app, rule, 'not-a-token');
      expect({ route: `${rule.method} ${rule.url}`, status: wrong.status }).toEqual({ route: `${rule.method} ${rule.url}`, status: 401 });
    }
  });

  it('answers 403 to the role just below each route minimum, and lets the minimum through the guard', async () => {
    let refusals = 0;
    for (const rule of rules) {
      if (rule.role === 'public' || rule.role === 'scrape') continue; // scrape: its own test below
      const route = `${rule.method} ${rule.url}`;
      const below = roleBelow(rule.role);
      if (below) {
        const res = await call(app, rule, `as-${below}`);
        expect({ route, role: below, status: res.status }).toEqual({ route, role: below, status: 403 });
        if (rule.method !== 'HEAD') expect(refusalCode(res.body)).toBe('FORBIDDEN');
        refusals++;
      }
      const at = await call(app, rule, `as-${rule.role}`);
      expect({ route, role: rule.role, passed: ![401, 403].includes(at.status) }).toEqual({ route, role: rule.role, passed: true });
    }
    expect(refusals).toBeGreaterThan(20);
  });

  it('opens the scrape route to the scrape token only: every user role is refused 401', async () => {
    const scrape = rules.filter((r) => r.role === 'scrape');
    expect(scrape.map((r) => `${r.method} ${r.url}`)).toEqual(expect.arrayContaining(['GET /metrics']));
    for (const rule of scrape) {
      for (const r of ROLES) expect({ role: r, status: (await call(app, rule, `as-${r}`)).status }).toEqual({ role: r, status: 401 });
      const ok = await call(app, rule, SCRAPE_TOKEN);
      expect(ok.status).toBe(200);
      if (rule.method === 'GET') expect(ok.text).toBe('rxbridge_test 1\n');
    }
    expect((await call(app, { method: 'GET', url: '/api/alerts', role: 'viewer' }, SCRAPE_TOKEN)).status).toBe(401);
  });

  it('keeps public routes public and answers unknown paths 404, not 401', async () => {
    expect((await request(app, 'GET', '/api/health')).status).toBe(200);
    const missing = await request(app, 'GET', '/api/no-such-route');
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('NOT_FOUND');
  });
});

describe('the scrape route without RXBRIDGE_METRICS_TOKEN', () => {
  it('answers 401 to everyone, naming the variable to set', async () => {
    const app = buildAdminApp(deps(undefined));
    try {
      const none = await request(app, 'GET', '/metrics', 'as-admin');
      expect(none.status).toBe(401);
      expect(none.body.error.message).toContain('RXBRIDGE_METRICS_TOKEN');
      expect((await request(app, 'GET', '/metrics', 'undefined')).status).toBe(401);
    } finally {
      await app.close();
    }
  });
});

describe('a route without a role', () => {
  const bare = () => {
    const app = Fastify();
    installAccessControl(app, { authenticator, audit: { append: async () => undefined } });
    return app;
  };

  it('cannot be registered on the app (throws at once, naming the route)', async () => {
    const app = bare();
    expect(() => app.get('/api/secret', async () => 'x')).toThrow(/GET \/api\/secret declares no role/);
    expect(() => app.post('/api/odd', { config: { role: 'superuser' as never } }, async () => 'x')).toThrow(/declares no role/);
    await app.close();
  });

  it('cannot be registered from a plugin either: start-up fails', async () => {
    const app = bare();
    app.register(async (api) => {
      api.get('/api/fine', role('viewer'), async () => 'ok');
      api.put('/api/forgotten', async () => 'x');
    });
    await expect(app.ready()).rejects.toThrow(/PUT \/api\/forgotten declares no role/);
    await app.close().catch(() => undefined);
  });

  it('while a route with a role registers and is guarded', async () => {
    const app = bare();
    app.get('/api/fine', role('billing'), async () => 'ok');
    try {
      await app.ready();
      expect(routeRules(app)).toEqual(expect.arrayContaining([{ method: 'GET', url: '/api/fine', role: 'billing' }]));
      expect((await request(app, 'GET', '/api/fine', 'as-operator')).status).toBe(403);
      expect((await request(app, 'GET', '/api/fine')).status).toBe(401);
      expect((await request(app, 'GET', '/api/fine', 'as-admin')).text).toBe('ok');
    } finally {
      await app.close();
    }
  });
});

describe('role order', () => {
  it('is viewer < operator < billing < admin, each having every lower right', () => {
    expect(ROLES).toEqual(['viewer', 'operator', 'billing', 'admin']);
    const pairs = ROLES.flatMap((have, i) => ROLES.map((need, j) => [have, need, i >= j] as [Role, Role, boolean]));
    for (const [have, need, expected] of pairs) expect({ have, need, ok: hasRole(have, need) }).toEqual({ have, need, ok: expected });
    expect(ROLES.map(roleBelow)).toEqual([undefined, 'viewer', 'operator', 'billing']);
  });
});
