/**
 * Cookie sessions and CSRF for the web console, on a real engine (Postgres, Redis, a real HTTP port, fetch):
 * `POST /api/login {cookie: true}` sets `rxb_session` (HttpOnly, SameSite=Strict, Path=/) and `rxb_csrf`, and
 * keeps the token out of the body; a GET with the cookie works; an unsafe request with the cookie needs
 * `X-CSRF-Token` equal to the session's value (else 403 CSRF); bearer requests need none; Secure is set when the
 * request came over HTTPS (a TLS proxy's X-Forwarded-Proto); logout clears both cookies and the session stops
 * working; login and logout are audited as before.
 */
import { startHarness, type Harness } from './engine-harness';

jest.setTimeout(120_000);

const OPERATOR = { username: 'olga', password: 'olga-operator-password-1' };

interface Answer { status: number; json: any; setCookies: string[] }

describe('console cookie sessions and CSRF', () => {
  let h: Harness;
  let base: string;

  async function call(method: string, url: string, opts: { cookie?: string; csrf?: string; bearer?: string; body?: unknown; headers?: Record<string, string> } = {}): Promise<Answer> {
    const res = await fetch(`${base}${url}`, {
      method,
      headers: {
        ...(opts.cookie ? { cookie: opts.cookie } : {}),
        ...(opts.csrf !== undefined ? { 'x-csrf-token': opts.csrf } : {}),
        ...(opts.bearer ? { authorization: `Bearer ${opts.bearer}` } : {}),
        ...(opts.body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...opts.headers,
      },
      body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
    });
    const text = await res.text();
    let json: any = null;
    try { json = JSON.parse(text); } catch { /* empty or not JSON */ }
    return { status: res.status, json, setCookies: res.headers.getSetCookie() };
  }

  /** name → { value, attributes (lower-case name → value or true) } of a Set-Cookie list. */
  function cookies(setCookies: string[]) {
    const out = new Map<string, { value: string; attrs: Map<string, string | true> }>();
    for (const line of setCookies) {
      const [pair = '', ...attrs] = line.split(';').map((s) => s.trim());
      const eq = pair.indexOf('=');
      out.set(pair.slice(0, eq), {
        value: decodeURIComponent(pair.slice(eq + 1)),
        attrs: new Map<string, string | true>(attrs.map((a): [string, string | true] => {
          const i = a.indexOf('=');
          return i < 0 ? [a.toLowerCase(), true] : [a.slice(0, i).toLowerCase(), a.slice(i + 1)];
        })),
      });
    }
    return out;
  }

  async function cookieLogin(extraHeaders: Record<string, string> = {}) {
    const res = await call('POST', '/api/login', { body: { ...OPERATOR, cookie: true }, headers: extraHeaders });
    expect(res.status).toBe(200);
    const jar = cookies(res.setCookies);
    const session = jar.get('rxb_session');
    const csrf = jar.get('rxb_csrf');
    if (!session || !csrf) throw new Error(`login set no session cookies: ${res.setCookies.join(' | ')}`);
    return { res, session, csrf, cookie: `rxb_session=${encodeURIComponent(session.value)}; rxb_csrf=${encodeURIComponent(csrf.value)}` };
  }

  beforeAll(async () => {
    h = await startHarness({ store: 'postgres' });
    base = `http://127.0.0.1:${h.engine.httpAddress()!.port}`;
    const created = await h.api('POST', '/api/users', { ...OPERATOR, role: 'operator' });
    expect(created.status).toBe(201);
  });
  afterAll(() => h?.close());

  test('login with cookie:true sets both cookies with the right attributes and keeps the token out of the body', async () => {
    const { res, session, csrf } = await cookieLogin();
    expect(res.json).toMatchObject({ username: 'olga', role: 'operator', tokenId: expect.any(String) });
    expect(res.json.token).toBeUndefined();
    expect(session.value).toMatch(/^rxb_\d+_/);
    expect(Object.fromEntries(session.attrs)).toMatchObject({ path: '/', httponly: true, samesite: 'Strict' });
    expect(session.attrs.has('secure')).toBe(false); // plain HTTP
    const maxAge = Number(session.attrs.get('max-age'));
    expect(maxAge).toBeGreaterThan(8 * 3600 - 60);
    expect(maxAge).toBeLessThanOrEqual(8 * 3600);
    expect(Object.fromEntries(csrf.attrs)).toMatchObject({ path: '/', samesite: 'Strict' });
    expect(csrf.attrs.has('httponly')).toBe(false); // the page reads it
    expect(csrf.value).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(csrf.value).not.toContain(session.value);

    // without cookie:true the answer is as before: the token in the body, no cookies
    const plain = await call('POST', '/api/login', { body: OPERATOR });
    expect(plain.status).toBe(200);
    expect(plain.json.token).toMatch(/^rxb_/);
    expect(plain.setCookies).toEqual([]);
  });

  test('cookies are Secure when the request came over HTTPS (X-Forwarded-Proto from a TLS proxy)', async () => {
    const { session, csrf } = await cookieLogin({ 'x-forwarded-proto': 'https' });
    expect(session.attrs.get('secure')).toBe(true);
    expect(csrf.attrs.get('secure')).toBe(true);
  });

  test('a GET with the session cookie works; without it, 401', async () => {
    const { cookie } = await cookieLogin();
    const me = await call('GET', '/api/me', { cookie });
    expect(me.status).toBe(200);
    expect(me.json).toMatchObject({ username: 'olga', role: 'operator', kind: 'session' });
    expect((await call('GET', '/api/dead-letters', { cookie })).status).toBe(200);
    const none = await call('GET', '/api/me');
    expect(none.status).toBe(401);
    expect(none.json.error.code).toBe('UNAUTHORIZED');
    const forged = await call('GET', '/api/me', { cookie: 'rxb_session=rxb_1_notarealtokennotarealtokennotarealtokenxx' });
    expect(forged.status).toBe(401);
  });

  test('an unsafe request with the cookie needs X-CSRF-Token equal to the session value (403 CSRF otherwise)', async () => {
    const { cookie, csrf } = await cookieLogin();
    const other = await cookieLogin(); // another session of the same user: its CSRF value does not fit
    expect(other.csrf.value).not.toBe(csrf.value);

    const missing = await call('POST', '/api/messages/999999/replay', { cookie, body: {} });
    expect(missing.status).toBe(403);
    expect(missing.json.error.code).toBe('CSRF');
    const wrong = await call('POST', '/api/messages/999999/replay', { cookie, csrf: other.csrf.value, body: {} });
    expect(wrong.status).toBe(403);
    expect(wrong.json.error.code).toBe('CSRF');
    const garbage = await call('POST', '/api/messages/999999/replay', { cookie, csrf: 'x', body: {} });
    expect(garbage.json.error.code).toBe('CSRF');

    // with it, the request passes the guard and reaches the route (no such message: 404)
    const right = await call('POST', '/api/messages/999999/replay', { cookie, csrf: csrf.value, body: {} });
    expect(right.status).toBe(404);
    expect(right.json.error.code).toBe('NOT_FOUND');

    // the role check still applies after CSRF: an operator may not save a mapping
    const tooLow = await call('PUT', '/api/mappings/dft-p03', { cookie, csrf: csrf.value, body: { content: 'x' } });
    expect(tooLow.status).toBe(403);
    expect(tooLow.json.error.code).toBe('FORBIDDEN');
  });

  test('a bearer request needs no CSRF token, and the bearer header wins over a cookie', async () => {
    const plain = await call('POST', '/api/login', { body: OPERATOR });
    const token = plain.json.token as string;
    const res = await call('POST', '/api/messages/999999/replay', { bearer: token, body: {} });
    expect(res.status).toBe(404);
    // a valid cookie does not rescue a wrong bearer header
    const { cookie } = await cookieLogin();
    expect((await call('GET', '/api/me', { bearer: 'not-a-token', cookie })).status).toBe(401);
    // an API or bootstrap token in the cookie is refused: the cookie carries login sessions only
    const bootstrapInCookie = await call('GET', '/api/me', { cookie: `rxb_session=${encodeURIComponent('test-admin-token-0123456789')}` });
    expect(bootstrapInCookie.status).toBe(401);
  });

  test('logout clears both cookies (Max-Age=0) and revokes the session: the cookie no longer works', async () => {
    const { cookie, csrf, res: loginRes } = await cookieLogin();
    const noCsrf = await call('POST', '/api/logout', { cookie });
    expect(noCsrf.status).toBe(403);
    expect(noCsrf.json.error.code).toBe('CSRF');
    const out = await call('POST', '/api/logout', { cookie, csrf: csrf.value });
    expect(out.status).toBe(204);
    const cleared = cookies(out.setCookies);
    expect(cleared.get('rxb_session')).toMatchObject({ value: '' });
    expect(cleared.get('rxb_session')!.attrs.get('max-age')).toBe('0');
    expect(cleared.get('rxb_csrf')!.attrs.get('max-age')).toBe('0');
    const after = await call('GET', '/api/me', { cookie });
    expect(after.status).toBe(401);
    expect(after.json.error.message).toMatch(/revoked/);

    const events = await h.engine.store.db.selectFrom('audit_events').selectAll().orderBy('id').execute();
    const tokenId = loginRes.json.tokenId as string;
    expect(events.find((e) => e.action === 'login.success' && (e.detail as any).tokenId === tokenId))
      .toMatchObject({ actor: 'olga', role: 'operator', detail: { tokenId, cookie: true } });
    expect(events.find((e) => e.action === 'logout' && e.target_id === tokenId)).toMatchObject({ actor: 'olga', target_type: 'token' });
  });
});
