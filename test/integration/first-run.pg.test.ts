/**
 * The first run on a real engine (Postgres, Redis, a real HTTP port, fetch): GET /api/setup says whether the first
 * admin is still to be made; POST /api/setup with the bootstrap token creates that admin once — a wrong token is
 * 401 and counted by the address throttle, the right one answers 201 with the console's session cookies that work
 * on an admin route, a second POST (or after any admin exists) is 409, and of concurrent first-admin requests
 * exactly one succeeds — and the creation is audited as user.create by the bootstrap token's actor.
 */
import { ADDRESS_MAX_ATTEMPTS } from '../../src/admin/accounts';
import { startHarness, TOKEN, type Harness } from './engine-harness';

jest.setTimeout(120_000);

interface Answer { status: number; json: any; setCookies: string[] }

describe('first run: creating the first admin with the bootstrap token', () => {
  let h: Harness;
  let base: string;

  async function call(method: string, url: string, body?: unknown, headers: Record<string, string> = {}): Promise<Answer> {
    const res = await fetch(`${base}${url}`, {
      method,
      headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    let json: any = null;
    try { json = JSON.parse(text); } catch { /* empty */ }
    return { status: res.status, json, setCookies: res.headers.getSetCookie() };
  }

  /** The Cookie header and CSRF value a browser would send back after `setCookies`. */
  function jar(setCookies: string[]) {
    const pairs = new Map(setCookies.map((line) => {
      const pair = line.split(';')[0]!;
      const eq = pair.indexOf('=');
      return [pair.slice(0, eq), pair.slice(eq + 1)] as const;
    }));
    const session = pairs.get('rxb_session');
    const csrf = pairs.get('rxb_csrf');
    if (!session || !csrf) throw new Error(`no session cookies: ${setCookies.join(' | ')}`);
    return { cookie: `rxb_session=${session}; rxb_csrf=${csrf}`, csrf: decodeURIComponent(csrf) };
  }

  beforeAll(async () => {
    h = await startHarness({ store: 'postgres' });
    base = `http://127.0.0.1:${h.engine.httpAddress()!.port}`;
  });
  afterAll(() => h?.close());

  test('GET /api/setup needs no login and says the first admin is needed; a wrong token is 401 and audited', async () => {
    expect(await call('GET', '/api/setup')).toMatchObject({ status: 200, json: { firstAdminNeeded: true } });
    // A user that is not an admin does not end the first run.
    expect((await h.api('POST', '/api/users', { username: 'otto', password: 'otto-operator-password-1', role: 'operator' })).status).toBe(201);
    expect((await call('GET', '/api/setup')).json).toEqual({ firstAdminNeeded: true });

    const wrong = await call('POST', '/api/setup', { token: 'not-the-token', username: 'ada', password: 'ada-admin-password-1' });
    expect(wrong.status).toBe(401);
    expect(wrong.json.error.code).toBe('UNAUTHORIZED');
    expect(wrong.json.error.message).not.toMatch(/user|admin exists/i);
    expect(wrong.setCookies).toEqual([]);
    expect((await call('GET', '/api/setup')).json).toEqual({ firstAdminNeeded: true });
    const failures = await h.engine.store.db.selectFrom('audit_events').selectAll().where('action', '=', 'setup.failure').execute();
    expect(failures).toHaveLength(1);
    expect(JSON.stringify(failures)).not.toContain('not-the-token');
  });

  test('a bad password is refused by the users API\'s rules, and no admin is made', async () => {
    const weak = await call('POST', '/api/setup', { token: TOKEN, username: 'ada', password: 'short' });
    expect(weak.status).toBe(400);
    expect((await call('GET', '/api/setup')).json).toEqual({ firstAdminNeeded: true });
    // A body above the public limit is refused before it is read.
    const huge = await call('POST', '/api/setup', { token: TOKEN, username: 'ada', password: 'x'.repeat(8000) });
    expect(huge.status).toBe(413);
  });

  test('the right token: 201, the new admin is logged in by cookie (an admin route works), audited; then 409', async () => {
    const created = await call('POST', '/api/setup', { token: TOKEN, username: 'ada', password: 'ada-admin-password-1' });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({ username: 'ada', role: 'admin', tokenId: expect.any(String), expiresAt: expect.any(String) });
    expect(JSON.stringify(created.json)).not.toContain('rxb_');
    const { cookie, csrf } = jar(created.setCookies);

    const me = await call('GET', '/api/me', undefined, { cookie });
    expect(me).toMatchObject({ status: 200, json: { username: 'ada', role: 'admin', kind: 'session' } });
    const users = await call('GET', '/api/users', undefined, { cookie });
    expect(users.status).toBe(200);
    expect(users.json.users.map((u: { username: string }) => u.username)).toEqual(['ada', 'otto']);
    // An unsafe admin call with the cookie and its CSRF token.
    const token = await call('POST', '/api/tokens', { username: 'ada', name: 'cli' }, { cookie, 'x-csrf-token': csrf });
    expect(token.status).toBe(201);

    const audit = await h.engine.store.db.selectFrom('audit_events').selectAll().where('target_id', '=', 'ada').orderBy('id').execute();
    const create = audit.find((e) => e.action === 'user.create');
    expect(create).toMatchObject({ actor: 'bootstrap-token', role: 'admin', target_type: 'user' });
    expect(create?.detail).toMatchObject({ role: 'admin' });
    expect(audit.find((e) => e.action === 'login.success')).toMatchObject({ actor: 'ada' });
    expect(JSON.stringify(audit)).not.toContain('ada-admin-password-1');

    expect((await call('GET', '/api/setup')).json).toEqual({ firstAdminNeeded: false });
    const again = await call('POST', '/api/setup', { token: TOKEN, username: 'eve', password: 'eve-admin-password-1' });
    expect(again.status).toBe(409);
    expect(again.json.error).toMatchObject({ code: 'CONFLICT', message: 'an admin user exists: log in' });
    // The bootstrap token is retired, and the new admin logs in with the password.
    expect((await h.api('GET', '/api/users')).status).toBe(401);
    expect((await h.api('POST', '/api/login', { username: 'ada', password: 'ada-admin-password-1' }, null)).status).toBe(200);
  });
});

describe('first run under a race', () => {
  let h: Harness;
  afterAll(() => h?.close());

  test('concurrent first-admin requests: exactly one 201, the others 409, one admin exists', async () => {
    h = await startHarness({ store: 'postgres' });
    const base = `http://127.0.0.1:${h.engine.httpAddress()!.port}`;
    const answers = await Promise.all(Array.from({ length: 6 }, (_, i) => fetch(`${base}/api/setup`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token: TOKEN, username: `admin${i}`, password: `admin-${i}-password-long` }),
    }).then(async (r) => ({ status: r.status, json: await r.json() as any }))));
    const statuses = answers.map((a) => a.status).sort();
    expect(statuses).toEqual([201, 409, 409, 409, 409, 409]);
    for (const a of answers.filter((x) => x.status === 409)) expect(a.json.error.message).toBe('an admin user exists: log in');
    const admins = await h.engine.store.db.selectFrom('users').select('username').where('role', '=', 'admin').execute();
    expect(admins).toHaveLength(1);
    const creates = await h.engine.store.db.selectFrom('audit_events').select('actor').where('action', '=', 'user.create').execute();
    expect(creates).toEqual([{ actor: 'bootstrap-token' }]);
  });

  test('wrong tokens count against the address\'s login throttle: past the limit even login answers 429', async () => {
    const base = `http://127.0.0.1:${h.engine.httpAddress()!.port}`;
    const post = (url: string, body: unknown) => fetch(`${base}${url}`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body),
    }).then((r) => r.status);
    const statuses: number[] = [];
    for (let i = 0; i < ADDRESS_MAX_ATTEMPTS + 1; i++) {
      statuses.push(await post('/api/setup', { token: `guess-${i}`, username: 'mallory', password: 'mallory-password-1' }));
    }
    expect(statuses.slice(0, ADDRESS_MAX_ATTEMPTS).every((s) => s === 401)).toBe(true);
    expect(statuses[ADDRESS_MAX_ATTEMPTS]).toBe(429);
    expect(await post('/api/login', { username: 'admin0', password: 'admin-0-password-long' })).toBe(429);
  });
});
