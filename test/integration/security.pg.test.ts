/**
 * Users, roles, tokens and the audit trail end to end, on a real engine (real Postgres, Redis, sockets):
 * the bootstrap token until an admin exists; login (with its throttle), message view, replay, mapping save and
 * preview, API tokens, logout; each leaves its audit event; `rxbridge audit verify` passes; the table refuses
 * UPDATE/DELETE; and a row changed behind the trigger's back (as the table owner) makes verify fail naming it.
 * Also: many concurrent appends from several store pools never fork the chain; the trigger works on PGlite.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { Redis } from 'ioredis';
import { sql } from 'kysely';
import pg from 'pg';
import { usersCommand, type UsersIo } from '../../src/cli/users';
import { createLogger } from '../../src/core/logger';
import { startEngine, type Engine } from '../../src/main';
import { AuditTrail } from '../../src/store/audit';
import { openStore, type Store } from '../../src/store/db';
import { connectMllp, type MllpTestClient } from './mllp-client';
import { createTestDatabase, dftMessage, freePort, REDIS_URL, ROOT, tempProject, waitFor, type ProjectDirs } from './support';

jest.setTimeout(120_000);

const BOOTSTRAP = 'test-bootstrap-token-security-0123456789';
const PASSWORDS = { alice: 'alice-admin-password-1', bob: 'bob-operator-password-1', carol: 'carol-viewer-password-1' };
const SHIPPED = fs.readFileSync(path.join(ROOT, 'mappings/dft-p03.yaml'), 'utf8');

interface Answer { status: number; json: any; text: string; headers: Headers }

describe('users, roles, tokens and the audit trail', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let project: ProjectDirs;
  let engine: Engine;
  let client: MllpTestClient;
  const prefix = `rxbt${crypto.randomBytes(4).toString('hex')}`;
  /** Session tokens by user, and every secret handed out (none may reach the audit trail). */
  const sessions: Record<string, string> = {};
  const secrets: string[] = [...Object.values(PASSWORDS), BOOTSTRAP];
  let messageId: string;

  async function api(method: string, url: string, opts: { token?: string | null; body?: unknown } = {}): Promise<Answer> {
    const res = await fetch(`http://127.0.0.1:${engine.httpAddress()!.port}${url}`, {
      method,
      headers: {
        ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}),
        ...(opts.body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
    });
    const text = await res.text();
    let json: any = null;
    try { json = JSON.parse(text); } catch { /* not JSON */ }
    return { status: res.status, json, text, headers: res.headers };
  }

  async function login(user: keyof typeof PASSWORDS): Promise<string> {
    const res = await api('POST', '/api/login', { body: { username: user, password: PASSWORDS[user] } });
    expect(res.status).toBe(200);
    sessions[user] = res.json.token;
    secrets.push(res.json.token);
    return res.json.token;
  }

  async function cli(group: 'users' | 'tokens' | 'audit', args: string[], extraEnv: Record<string, string> = {}) {
    const out: string[] = [];
    const err: string[] = [];
    const io: UsersIo = { out: (l) => out.push(l), err: (l) => err.push(l), password: async (env) => env.RXBRIDGE_PASSWORD };
    const code = await usersCommand(group, args, { DATABASE_URL: db.url, ...extraEnv }, io);
    return { code, out: out.join('\n'), err: err.join('\n') };
  }

  async function events() {
    return engine.store.db.selectFrom('audit_events').selectAll().orderBy('id').execute();
  }

  async function statusOf(id: string) {
    return (await engine.store.db.selectFrom('messages').select('status').where('id', '=', id as never).executeTakeFirst())?.status;
  }

  beforeAll(async () => {
    db = await createTestDatabase();
    const mllpPort = await freePort();
    project = tempProject({ mllpPort });
    const logs = new PassThrough();
    logs.resume();
    engine = await startEngine({
      channelsDir: project.channelsDir, mappingsDir: project.mappingsDir, dataDir: project.dataDir,
      databaseUrl: db.url, redisUrl: REDIS_URL, httpHost: '127.0.0.1', httpPort: 0, adminToken: BOOTSTRAP, env: {},
      logger: createLogger({ stream: logs, level: 'debug' }), queuePrefix: prefix, sweepIntervalMs: 500, sweepOlderThanMs: 3000,
    });
    client = await connectMllp(mllpPort);
  });

  afterAll(async () => {
    await client?.close();
    await engine?.stop();
    const redis = new Redis(REDIS_URL);
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
    await db?.drop();
    project?.cleanup();
  });

  test('the bootstrap token is admin while no admin user exists, and is retired once one does', async () => {
    const me = await api('GET', '/api/me', { token: BOOTSTRAP });
    expect(me.json).toEqual({ username: 'bootstrap-token', role: 'admin', kind: 'bootstrap', tokenId: null });
    for (const [username, role] of [['bob', 'operator'], ['carol', 'viewer'], ['alice', 'admin']] as const) {
      const created = await api('POST', '/api/users', { token: BOOTSTRAP, body: { username, password: PASSWORDS[username], role } });
      expect(created.status).toBe(201);
      expect(created.json).toMatchObject({ username, role, disabled: false });
      expect(created.text).not.toContain('scrypt');
    }
    const retired = await api('GET', '/api/channels', { token: BOOTSTRAP });
    expect(retired.status).toBe(401);
    expect(retired.json.error).toMatchObject({ code: 'UNAUTHORIZED', message: expect.stringContaining('retired') });
    // Only hashes are stored: scrypt with its parameters.
    const stored = await engine.store.db.selectFrom('users').select(['username', 'password_hash']).execute();
    expect(stored.every((u) => u.password_hash.startsWith('scrypt$32768$8$3$') && !u.password_hash.includes(PASSWORDS[u.username as 'bob']))).toBe(true);
  });

  test('login gives a session token; a wrong password or an unknown name gets one and the same 401', async () => {
    const wrong = await api('POST', '/api/login', { body: { username: 'alice', password: 'not-her-password' } });
    const unknown = await api('POST', '/api/login', { body: { username: 'nobody', password: 'whatever-password' } });
    expect([wrong.status, unknown.status]).toEqual([401, 401]);
    expect(wrong.json).toEqual(unknown.json);
    const token = await login('alice');
    expect(token).toMatch(/^rxb_\d+_[A-Za-z0-9_-]{43}$/);
    expect((await api('GET', '/api/me', { token })).json).toMatchObject({ username: 'alice', role: 'admin', kind: 'session' });
    await login('bob');
    await login('carol');
    const row = await engine.store.db.selectFrom('api_tokens').selectAll().where('id', '=', token.split('_')[1]!).executeTakeFirstOrThrow();
    expect(row.token_hash).toBe(crypto.createHash('sha256').update(token).digest('hex'));
    expect(row.kind).toBe('session');
    const hours = (new Date(row.expires_at!).getTime() - Date.now()) / 3600_000;
    expect(hours).toBeGreaterThan(7.9);
    expect(hours).toBeLessThanOrEqual(8);
  });

  test('a viewer lists messages but may not read one; an operator reads it and replays it, as himself', async () => {
    client.sendFrame(dftMessage({ controlId: 'SEC-1', patientId: 'PSEC1', lines: [{ txn: 'TSEC1', code: '90471', amount: '25' }] }));
    expect(await client.nextReply(10_000)).toContain('MSA|AA|');
    messageId = String((await engine.store.db.selectFrom('messages').select('id').where('control_id', '=', 'SEC-1').executeTakeFirstOrThrow()).id);
    await waitFor(async () => (await statusOf(messageId)) === 'processed', 15_000, 'SEC-1 processed');

    expect((await api('GET', '/api/messages', { token: sessions.carol })).status).toBe(200);
    const refused = await api('GET', `/api/messages/${messageId}`, { token: sessions.carol });
    expect(refused.status).toBe(403);
    expect(refused.json.error).toEqual({ code: 'FORBIDDEN', message: 'this needs role operator or higher; the caller has role viewer' });
    expect((await api('POST', `/api/messages/${messageId}/replay`, { token: sessions.carol })).status).toBe(403);

    const detail = await api('GET', `/api/messages/${messageId}`, { token: sessions.bob });
    expect(detail.status).toBe(200);
    expect(detail.json.raw).toContain('PSEC1');
    expect((await api('POST', `/api/messages/${messageId}/replay`, { token: sessions.bob })).status).toBe(202);
    await waitFor(async () => (await statusOf(messageId)) === 'processed', 15_000, 'SEC-1 processed after replay');
    const replayEvent = await engine.store.db.selectFrom('message_events').select('actor').where('message_id', '=', messageId as never)
      .where('actor', 'is not', null).executeTakeFirst();
    expect(replayEvent?.actor).toBe('bob');
  });

  test('saving and previewing a mapping need admin, and the saved version names who saved it', async () => {
    const content = `${SHIPPED}\n# saved by the security test\n`;
    expect((await api('PUT', '/api/mappings/dft-p03', { token: sessions.bob, body: { content } })).status).toBe(403);
    const saved = await api('PUT', '/api/mappings/dft-p03', { token: sessions.alice, body: { content } });
    expect(saved.status).toBe(200);
    const version = await engine.store.db.selectFrom('mapping_versions').select(['version', 'actor'])
      .where('mapping', '=', 'dft-p03').orderBy('version', 'desc').executeTakeFirstOrThrow();
    expect(version).toEqual({ version: saved.json.version, actor: 'alice' });
    const preview = await api('POST', '/api/mappings/dft-p03/preview', { token: sessions.alice, body: { lastMessages: 5 } });
    expect(preview.status).toBe(200);
    expect(preview.json.messages.map((m: any) => m.messageId)).toContain(messageId);
  });

  test('an API token works until it is revoked; its text is shown once and never stored or listed', async () => {
    const created = await api('POST', '/api/tokens', { token: sessions.alice, body: { username: 'bob', name: 'ci', expiresDays: 30 } });
    expect(created.status).toBe(201);
    const { id, token } = created.json;
    secrets.push(token);
    expect(token).toMatch(new RegExp(`^rxb_${id}_`));
    expect((await api('GET', '/api/dead-letters', { token })).status).toBe(200);
    const listed = await api('GET', '/api/tokens?username=bob', { token: sessions.alice });
    expect(listed.json.tokens.map((t: any) => [t.id, t.name, t.kind])).toContainEqual([id, 'ci', 'api']);
    // rxb_<id>_<secret>: the secret is base64url and may itself hold '_'.
    const secret = token.split('_').slice(2).join('_');
    expect(secret).toHaveLength(43);
    expect(listed.text).not.toContain(secret);
    const row = await engine.store.db.selectFrom('api_tokens').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    expect(JSON.stringify(row)).not.toContain(secret);
    expect((await api('DELETE', `/api/tokens/${id}`, { token: sessions.bob })).status).toBe(403);
    expect((await api('DELETE', `/api/tokens/${id}`, { token: sessions.alice })).status).toBe(200);
    const after = await api('GET', '/api/dead-letters', { token });
    expect(after.status).toBe(401);
    expect(after.json.error.message).toMatch(/revoked/);
    expect((await api('DELETE', `/api/tokens/${id}`, { token: sessions.alice })).status).toBe(404);
  });

  test('logout revokes the session it was called with', async () => {
    expect((await api('POST', '/api/logout', { token: sessions.bob })).status).toBe(204);
    expect((await api('GET', '/api/me', { token: sessions.bob })).status).toBe(401);
    expect((await api('GET', '/api/me', { token: sessions.alice })).status).toBe(200);
  });

  test('five failed logins in a row lock the user for 15 minutes (429, even with the right password) until unlocked', async () => {
    const codes: number[] = [];
    for (let i = 0; i < 5; i++) codes.push((await api('POST', '/api/login', { body: { username: 'carol', password: `wrong-password-${i}` } })).status);
    expect(codes).toEqual([401, 401, 401, 401, 429]);
    const locked = await api('POST', '/api/login', { body: { username: 'carol', password: PASSWORDS.carol } });
    expect(locked.status).toBe(429);
    expect(locked.json.error.code).toBe('LOGIN_LOCKED');
    expect(locked.json.error.message).toMatch(/locked until \d{4}-\d\d-\d\dT/);
    const retryAfter = Number(locked.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(14 * 60);
    expect(retryAfter).toBeLessThanOrEqual(15 * 60);
    // A session issued before the lock still works: the lock is on passwords.
    expect((await api('GET', '/api/me', { token: sessions.carol })).status).toBe(200);
    expect((await api('PATCH', '/api/users/carol', { token: sessions.alice, body: { unlock: true } })).status).toBe(200);
    await login('carol');
  });

  test('a disabled user can neither log in nor use a token', async () => {
    expect((await api('PATCH', '/api/users/carol', { token: sessions.alice, body: { disabled: true } })).json).toMatchObject({ disabled: true });
    const refused = await api('GET', '/api/me', { token: sessions.carol });
    expect(refused.status).toBe(401);
    expect(refused.json.error.message).toMatch(/disabled/);
    expect((await api('POST', '/api/login', { body: { username: 'carol', password: PASSWORDS.carol } })).status).toBe(401);
  });

  test('a new password ends the user\'s sessions; disabling ends every token of theirs, and enabling again revives none', async () => {
    const erin = { username: 'erin', password: 'erin-operator-password-1' };
    const newPassword = 'erin-operator-password-2';
    secrets.push(erin.password, newPassword);
    expect((await api('POST', '/api/users', { token: sessions.alice, body: { ...erin, role: 'operator' } })).status).toBe(201);
    const loginAs = async (password: string) => (await api('POST', '/api/login', { body: { username: 'erin', password } })).json.token as string;
    const oldSession = await loginAs(erin.password);
    const made = await api('POST', '/api/tokens', { token: sessions.alice, body: { username: 'erin', name: 'robot' } });
    expect(made.status).toBe(201);
    const apiToken = made.json.token as string;
    secrets.push(oldSession, apiToken);
    const me = async (token: string) => (await api('GET', '/api/me', { token })).status;
    expect(await me(oldSession)).toBe(200);

    // A password change: whoever logged in with the old password is out; the integration's API token is not.
    const changed = await api('PATCH', '/api/users/erin', { token: sessions.alice, body: { password: newPassword } });
    expect(changed.status).toBe(200);
    expect(changed.json).not.toHaveProperty('revokedTokens');
    expect(await me(oldSession)).toBe(401);
    expect(await me(apiToken)).toBe(200);
    const newSession = await loginAs(newPassword);
    secrets.push(newSession);
    expect(await me(newSession)).toBe(200);

    // Disable, then enable: the session and the API token stay dead; a new login works.
    expect((await api('PATCH', '/api/users/erin', { token: sessions.alice, body: { disabled: true } })).status).toBe(200);
    expect((await api('PATCH', '/api/users/erin', { token: sessions.alice, body: { disabled: false } })).status).toBe(200);
    expect(await me(newSession)).toBe(401);
    expect(await me(apiToken)).toBe(401);
    expect((await api('GET', '/api/me', { token: apiToken })).json.error.message).toMatch(/revoked/);
    const afterEnable = await loginAs(newPassword);
    secrets.push(afterEnable);
    expect(await me(afterEnable)).toBe(200);

    const updates = (await events()).filter((e) => e.action === 'user.update' && e.target_id === 'erin').map((e) => e.detail);
    expect(updates).toEqual([
      { passwordChanged: true, revokedTokens: 1 },
      { disabled: true, revokedTokens: 2 },
      { disabled: false },
    ]);
  });

  test('a NUL in MSH-10 gets a permanent AR and is kept as rejected; a NUL in an API filter or body is a 400', async () => {
    for (let attempt = 0; attempt < 2; attempt++) { // resending the same bytes gets the same answer, not "resend later"
      client.sendFrame(dftMessage({ controlId: 'NUL\u0000CTL', patientId: 'PNUL1', lines: [{ txn: 'TNUL1', code: '90471', amount: '25' }] }));
      const reply = await client.nextReply(10_000);
      expect(reply).toContain('MSA|AR|NUL\uFFFDCTL');
      expect(reply).toMatch(/NUL characters/);
      expect(reply).not.toMatch(/unavailable|resend/i);
      expect(reply).not.toContain('\u0000');
    }
    const rows = await engine.store.db.selectFrom('messages').select(['status', 'error_code', 'control_id'])
      .where('control_id', '=', 'NUL\uFFFDCTL').execute();
    expect(rows.length).toBeGreaterThanOrEqual(1);
    expect(rows.every((r) => r.status === 'rejected' && r.error_code === 'FRAME_NUL')).toBe(true);

    for (const url of ['/api/messages?controlId=A%00B', '/api/charges?status=active&channel=x%00', '/api/audit?actor=a%00']) {
      const res = await api('GET', url, { token: sessions.alice });
      expect(res.status).toBe(400);
      expect(res.json.error.message).toMatch(/NUL/);
    }
    const body = await api('PATCH', '/api/users/bob', { token: sessions.alice, body: { password: 'twelve-chars\u0000x' } });
    expect(body.status).toBe(400);
  });

  test('an answer with a message body is neither cached nor sniffed; plain HTTP sends no HSTS', async () => {
    const view = await api('GET', `/api/messages/${messageId}`, { token: await login('bob') });
    expect(view.status).toBe(200);
    expect(view.headers.get('cache-control')).toBe('no-store');
    expect(view.headers.get('x-content-type-options')).toBe('nosniff');
    expect(view.headers.get('strict-transport-security')).toBeNull();
    expect((await api('GET', '/api/health')).headers.get('cache-control')).toBe('no-store');
  });

  test('before anyone is authenticated only a small body is read: a 1 MiB login is refused unread, an unknown route answers 404 unread', async () => {
    const padding = 'x'.repeat(1024 * 1024);
    const big = await api('POST', '/api/login', { body: { username: 'alice', password: PASSWORDS.alice, padding } });
    expect(big.status).toBe(413);
    const justOver = await api('POST', '/api/login', { body: { username: 'alice', password: 'p'.repeat(4100) } });
    expect(justOver.status).toBe(413);
    // Not parsed at all: a broken JSON body to no route is a 404, not a parse error.
    const res = await fetch(`http://127.0.0.1:${engine.httpAddress()!.port}/api/nowhere`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: `{${padding}`,
    });
    expect(res.status).toBe(404);
    expect((await api('POST', '/api/login', { body: { username: 'alice', password: PASSWORDS.alice } })).status).toBe(200);
    // Authenticated routes keep their larger limit.
    expect((await api('PUT', '/api/mappings/dft-p03', { token: sessions.alice, body: { content: SHIPPED, padding } })).status).toBe(400);
  });

  test('a mapping preview is bounded: mapping text over 256 KiB and messages over 1 MiB are refused before any work', async () => {
    const huge = `${SHIPPED}\n# ${'x'.repeat(300 * 1024)}\n`;
    const big = await api('POST', '/api/mappings/dft-p03/preview', { token: sessions.alice, body: { content: huge } });
    expect(big.status).toBe(400);
    expect(big.json.error.message).toMatch(/a mapping is at most 256 KiB/);
    expect((await api('PUT', '/api/mappings/dft-p03', { token: sessions.alice, body: { content: huge } })).status).toBe(400);
    const raw = await api('POST', '/api/mappings/dft-p03/preview', { token: sessions.alice, body: { raw: `MSH|^~\\&|${'y'.repeat(1100 * 1024)}` } });
    expect(raw.status).toBe(400);
    expect(raw.json.error.message).toMatch(/a previewed message is at most 1024 KiB/);
  });

  test('the audit API is for admins; it filters, and its CSV export is itself audited', async () => {
    await login('bob');
    expect((await api('GET', '/api/audit', { token: sessions.bob })).status).toBe(403);
    const bobs = await api('GET', '/api/audit?actor=bob', { token: sessions.alice });
    expect(bobs.status).toBe(200);
    expect(bobs.json.events.length).toBeGreaterThan(2);
    expect(new Set(bobs.json.events.map((e: any) => e.actor))).toEqual(new Set(['bob']));
    const views = await api('GET', '/api/audit?action=message.view&limit=1', { token: sessions.alice });
    expect(views.json.events).toEqual([expect.objectContaining({ actor: 'bob', role: 'operator', action: 'message.view', targetType: 'message', targetId: messageId, sourceIp: '127.0.0.1' })]);
    expect((await api('GET', `/api/audit?since=${new Date(Date.now() + 60_000).toISOString()}`, { token: sessions.alice })).json.events).toEqual([]);
    expect((await api('GET', '/api/audit?since=yesterday', { token: sessions.alice })).status).toBe(400);

    const csv = await api('GET', '/api/audit.csv?action=login.success', { token: sessions.alice });
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    const lines = csv.text.trimEnd().split('\r\n');
    expect(lines[0]).toBe('id,at,actor,role,action,target_type,target_id,source_ip,detail,prev_hash,hash');
    expect(lines.slice(1).every((l) => l.includes(',login.success,'))).toBe(true);
    const exportEvent = (await events()).at(-1)!;
    expect(exportEvent).toMatchObject({ actor: 'alice', action: 'audit.export', detail: expect.objectContaining({ rows: lines.length - 1, action: 'login.success' }) });
  });

  test('every audited action of the flow is in the trail, with no password or token in it', async () => {
    const all = await events();
    const seen = (action: string, actor?: string) => all.some((e) => e.action === action && (actor === undefined || e.actor === actor));
    expect({
      bootstrapUserCreate: seen('user.create', 'bootstrap-token'),
      loginSuccess: seen('login.success', 'alice'),
      loginFailureKnown: all.some((e) => e.action === 'login.failure' && e.actor === 'alice' && (e.detail as any).reason === 'password'),
      loginFailureUnknown: all.some((e) => e.action === 'login.failure' && e.actor === 'unknown' && (e.detail as any).reason === 'unknown-user'),
      loginLocked: seen('login.locked', 'carol'),
      messageView: seen('message.view', 'bob'),
      messageReplay: seen('message.replay', 'bob'),
      mappingSave: seen('mapping.save', 'alice'),
      mappingPreview: all.some((e) => e.action === 'mapping.preview' && (e.detail as any).messageIds.includes(messageId)),
      tokenCreate: seen('token.create', 'alice'),
      tokenRevoke: seen('token.revoke', 'alice'),
      logout: seen('logout', 'bob'),
      userUpdate: seen('user.update', 'alice'),
      auditExport: seen('audit.export', 'alice'),
    }).toEqual({
      bootstrapUserCreate: true, loginSuccess: true, loginFailureKnown: true, loginFailureUnknown: true, loginLocked: true,
      messageView: true, messageReplay: true, mappingSave: true, mappingPreview: true, tokenCreate: true, tokenRevoke: true,
      logout: true, userUpdate: true, auditExport: true,
    });
    const text = JSON.stringify(all);
    for (const secret of secrets) expect(text).not.toContain(secret);
    expect(text).not.toContain('nobody'); // the name of an unknown user is not recorded
    expect(text).not.toContain('PSEC1'); // no patient data: ids only
  });

  test('the CLI manages users and tokens as cli:<os user>, and audit verify passes', async () => {
    expect((await cli('users', ['add', 'dave', '--role', 'billing'], { RXBRIDGE_PASSWORD: 'dave-billing-password-1' })).code).toBe(0);
    expect((await cli('users', ['add', 'erin', '--role', 'superuser'], { RXBRIDGE_PASSWORD: 'erin-password-12345' })).code).toBe(2);
    const noPassword = await cli('users', ['add', 'erin', '--role', 'viewer']);
    expect(noPassword.code).toBe(2);
    expect(noPassword.err).toMatch(/RXBRIDGE_PASSWORD/);
    expect((await cli('users', ['add', 'dave', '--role', 'viewer'], { RXBRIDGE_PASSWORD: 'dave-billing-password-1' })).code).toBe(1);
    expect((await cli('users', ['list'])).out).toMatch(/^dave\tbilling\tenabled\t/m);

    const created = await cli('tokens', ['create', 'dave', '--name', 'nightly', '--expires-days', '2']);
    expect(created.code).toBe(0);
    const token = created.out.trim();
    secrets.push(token);
    expect(token).toMatch(/^rxb_\d+_/);
    expect(created.err).toMatch(/shown this once/);
    expect((await api('GET', '/api/me', { token })).json).toMatchObject({ username: 'dave', role: 'billing', kind: 'api' });
    expect((await api('PUT', '/api/mappings/dft-p03', { token, body: { content: SHIPPED } })).status).toBe(403);
    const id = token.split('_')[1]!;
    expect((await cli('tokens', ['list', 'dave'])).out).toContain(`${id}\tdave\tnightly\tapi\t`);
    expect((await cli('tokens', ['revoke', id])).code).toBe(0);
    expect((await api('GET', '/api/me', { token })).status).toBe(401);
    expect((await cli('users', ['disable', 'dave'])).out).toBe('user dave disabled');

    const cliEvents = (await events()).filter((e) => e.actor.startsWith('cli:'));
    expect(cliEvents.map((e) => [e.action, e.target_id])).toEqual([['user.create', 'dave'], ['token.create', id], ['token.revoke', id], ['user.update', 'dave']]);
    expect(cliEvents.every((e) => e.role === null && e.actor.length > 4)).toBe(true);

    const verify = await cli('audit', ['verify']);
    expect(verify.code).toBe(0);
    expect(verify.out).toMatch(new RegExp(`^audit trail ok: ${(await events()).length} events; head [0-9a-f]{64}$`));
  });

  test('many appends at once from several store pools (engine processes) never fork the chain', async () => {
    const stores: Store[] = [await openStore({ databaseUrl: db.url, poolSize: 4 }), await openStore({ databaseUrl: db.url, poolSize: 4 })];
    try {
      const trails = [engine.store, ...stores].map((s) => new AuditTrail(s.db));
      const before = (await events()).length;
      await Promise.all(Array.from({ length: 60 }, (_, i) => trails[i % trails.length]!.append({
        actor: `load-${i % trails.length}`, role: 'admin', action: 'test.concurrent', targetType: 'n', targetId: String(i), detail: { i },
      })));
      const all = await events();
      expect(all.length).toBe(before + 60);
      expect(new Set(all.map((e) => e.prev_hash)).size).toBe(all.length);
      expect(await trails[1]!.verify()).toEqual({ ok: true, count: all.length, head: all.at(-1)!.hash });
    } finally {
      for (const s of stores) await s.close();
    }
  });

  test('a signed checkpoint kept outside the store shows rows deleted from the tail, which the chain alone cannot', async () => {
    const KEY = { RXBRIDGE_AUDIT_CHECKPOINT_KEY: 'checkpoint-key-kept-by-the-operators-0123456789' };
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rxb-checkpoint-'));
    const file = path.join(dir, 'audit.checkpoints');
    try {
      expect((await cli('audit', ['checkpoint'])).code).toBe(2); // no key: a usage error naming the variable
      const trail = new AuditTrail(engine.store.db);
      for (const i of [1, 2, 3]) await trail.append({ actor: 'system', role: null, action: 'test.tail', detail: { i } });
      const taken = await cli('audit', ['checkpoint', '--out', file], KEY);
      expect(taken.code).toBe(0);
      const checkpoint = JSON.parse(taken.out);
      expect(checkpoint).toMatchObject({ kind: 'rxbridge-audit-checkpoint', count: (await events()).length, head: (await events()).at(-1)!.hash });
      expect(fs.statSync(file).mode & 0o777).toBe(0o600);
      expect((await cli('audit', ['verify', '--checkpoint', file], KEY)).out).toMatch(/^audit trail ok: .*; holds the 1 checkpoint\(s\) in /);

      // The table owner deletes the newest rows: the chain that is left is consistent...
      const owner = new pg.Client({ connectionString: db.url });
      await owner.connect();
      try {
        await owner.query('alter table audit_events disable trigger audit_events_no_change');
        const deleted = await owner.query(`delete from audit_events where id in (select id from audit_events order by id desc limit 2)`);
        expect(deleted.rowCount).toBe(2);
        await owner.query('alter table audit_events enable trigger audit_events_no_change');
      } finally {
        await owner.end();
      }
      expect((await cli('audit', ['verify'])).code).toBe(0);
      // ... but not the checkpoint.
      const against = await cli('audit', ['verify', '--checkpoint', file], KEY);
      expect(against.code).toBe(1);
      expect(against.out).toContain(`event ${checkpoint.lastId}, the newest at the checkpoint`);
      expect(against.out).toMatch(/is gone: rows were deleted/);

      // A checkpoint edited to match the shortened trail does not carry the key's signature.
      const forged = { ...checkpoint, count: checkpoint.count - 2, lastId: String(Number(checkpoint.lastId) - 2), head: (await events()).at(-1)!.hash };
      fs.writeFileSync(file, `${JSON.stringify(forged)}\n`);
      const refused = await cli('audit', ['verify', '--checkpoint', file], KEY);
      expect(refused.code).toBe(1);
      expect(refused.err).toMatch(/signature does not match/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('audit_events refuses UPDATE, DELETE and TRUNCATE; a row changed behind the trigger makes verify fail naming it', async () => {
    const view = (await events()).find((e) => e.action === 'message.view')!;
    for (const statement of [
      sql`update audit_events set actor = 'mallory' where id = ${view.id}`,
      sql`delete from audit_events where id = ${view.id}`,
      sql`truncate audit_events`,
    ]) {
      await expect(statement.execute(engine.store.db)).rejects.toThrow(/audit_events is append-only/);
    }

    // The table owner can disable the trigger: the chain is what shows the change.
    const owner = new pg.Client({ connectionString: db.url });
    await owner.connect();
    try {
      await owner.query('alter table audit_events disable trigger audit_events_no_change');
      // Someone hides who read the message.
      const changed = await owner.query(`update audit_events set actor = 'carol', role = 'viewer' where id = $1`, [view.id]);
      expect(changed.rowCount).toBe(1);
      await owner.query('alter table audit_events enable trigger audit_events_no_change');
    } finally {
      await owner.end();
    }
    const verify = await cli('audit', ['verify']);
    expect(verify.code).toBe(1);
    expect(verify.out).toContain(`BROKEN at event ${view.id}`);
    expect(verify.out).toContain('does not match its hash');
    const result = await new AuditTrail(engine.store.db).verify();
    expect(result.ok === false && result.break).toMatchObject({ id: view.id, reason: 'hash' });
  });
});

describe('the audit trail on PGlite', () => {
  it('chains, verifies and refuses UPDATE and DELETE there too', async () => {
    const store = await openStore({ dataDir: 'memory://' });
    try {
      const trail = new AuditTrail(store.db);
      for (const action of ['login.success', 'message.view', 'logout']) await trail.append({ actor: 'alice', role: 'admin', action, detail: { n: 1 } });
      expect(await trail.verify()).toMatchObject({ ok: true, count: 3 });
      await expect(sql`update audit_events set actor = 'mallory'`.execute(store.db)).rejects.toThrow(/append-only/);
      await expect(sql`delete from audit_events`.execute(store.db)).rejects.toThrow(/append-only/);
      expect((await trail.list({ limit: 10, action: 'message.view' })).map((e) => e.actor)).toEqual(['alice']);
    } finally {
      await store.close();
    }
  });
});
