/**
 * `rxbridge users` (the built bin/rxbridge.js) while an engine runs on the embedded PGlite store with the same
 * DATA_DIR: the store is held by the engine (one process only), so the command goes through the engine's admin
 * API — saying so in one line — and prints what it prints on the store; the user it adds can log in. Without a
 * token, or with no API answering, one error names both causes.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { startHarness, TOKEN, type Harness } from './engine-harness';
import { freePort, ROOT } from './support';

jest.setTimeout(120_000);

function rxbridge(args: string[], env: Record<string, string>): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [path.join(ROOT, 'bin/rxbridge.js'), ...args], { env: { ...process.env, ...env }, encoding: 'utf8', timeout: 30_000 },
      (err, stdout, stderr) => resolve({ code: err ? (typeof err.code === 'number' ? err.code : null) : 0, out: stdout, err: stderr }));
  });
}

describe('rxbridge users while the engine holds the embedded store', () => {
  let h: Harness;
  let env: Record<string, string>;

  beforeAll(async () => {
    h = await startHarness({ store: 'pglite' });
    env = {
      DATA_DIR: h.project.dataDir, DATABASE_URL: '', HTTP_HOST: '127.0.0.1', HTTP_PORT: String(h.engine.httpAddress()!.port),
      RXBRIDGE_HTTPS_CERT: '', RXBRIDGE_TOKEN: '', RXBRIDGE_ADMIN_TOKEN: TOKEN,
    };
  }, 60_000); // an engine on PGlite runs every migration at start: as engine.pglite.test.ts allows
  afterAll(() => h?.close());

  test('users add goes through the API, prints the same line, and the user can log in', async () => {
    const r = await rxbridge(['users', 'add', 'nina', '--role', 'operator'], { ...env, RXBRIDGE_PASSWORD: 'nina-operator-password-1' });
    expect(r.err).toContain(`holds the store: going through its API at http://127.0.0.1:${env.HTTP_PORT}`);
    expect(r.err.trim().split('\n')).toHaveLength(1);
    expect(r.out).toBe('user nina added with role operator\n');
    expect(r.code).toBe(0);
    const login = await h.api('POST', '/api/login', { username: 'nina', password: 'nina-operator-password-1' }, null);
    expect(login).toMatchObject({ status: 200, json: { username: 'nina', role: 'operator' } });
    // The engine audits the change as the token's actor.
    const audit = await h.engine.store.db.selectFrom('audit_events').select(['actor', 'action']).where('target_id', '=', 'nina').execute();
    expect(audit).toContainEqual({ actor: 'bootstrap-token', action: 'user.create' });
  });

  test('list, then with an admin\'s API token (RXBRIDGE_TOKEN) disable, once the bootstrap token is retired', async () => {
    const admin = await rxbridge(['users', 'add', 'ada', '--role', 'admin'], { ...env, RXBRIDGE_PASSWORD: 'ada-admin-password-1' });
    expect(admin.code).toBe(0);
    const refused = await rxbridge(['users', 'list'], env);
    expect(refused.code).toBe(1);
    expect(refused.err).toContain('the engine\'s API refused the token: the bootstrap token is retired');

    const session = await h.api('POST', '/api/login', { username: 'ada', password: 'ada-admin-password-1' }, null);
    const created = await h.api('POST', '/api/tokens', { username: 'ada', name: 'cli' }, session.json.token);
    expect(created.status).toBe(201);
    const withToken = { ...env, RXBRIDGE_TOKEN: created.json.token };

    const list = await rxbridge(['users', 'list'], withToken);
    expect(list.code).toBe(0);
    const lines = list.out.trim().split('\n');
    expect(lines[0]).toBe('username\trole\tstate\tcreated');
    expect(lines.slice(1).map((l) => l.split('\t').slice(0, 3).join(' '))).toEqual(['ada admin enabled', 'nina operator enabled']);

    const disabled = await rxbridge(['users', 'disable', 'nina'], withToken);
    expect(disabled).toMatchObject({ code: 0, out: 'user nina disabled\n' });
    const unknown = await rxbridge(['users', 'disable', 'nobody'], withToken);
    expect(unknown.code).toBe(1);
    expect(unknown.err).toContain('no user nobody');
    expect((await h.api('POST', '/api/login', { username: 'nina', password: 'nina-operator-password-1' }, null)).status).toBe(401);
  });

  test('no API answering, or no token: one error names both causes', async () => {
    const nothing = await rxbridge(['users', 'list'], { ...env, HTTP_PORT: String(await freePort()) });
    expect(nothing.code).toBe(1);
    expect(nothing.err).toMatch(/cannot open the store: the running engine \(pid \d+\) holds .*, and cannot reach the engine's API at http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\)/);

    const noToken = await rxbridge(['users', 'list'], { ...env, RXBRIDGE_ADMIN_TOKEN: '' });
    expect(noToken.code).toBe(1);
    expect(noToken.err).toMatch(/cannot open the store: the running engine \(pid \d+\) holds .*; to go through its API .* set RXBRIDGE_TOKEN/);

    // The audit commands read the store itself.
    const audit = await rxbridge(['audit', 'verify'], env);
    expect(audit.code).toBe(1);
    expect(audit.err).toContain('is in use by process');
  });
});
