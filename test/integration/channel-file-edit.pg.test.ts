/**
 * Editing a channel's file through the admin API (GET/PUT /api/channels/:name/file) against a whole engine on
 * Postgres, with the channel files in a temp copy: the file is read with its version; a text that does not
 * validate (a schema error, a port another channel listens on, a mapping that does not exist) is 422 with every
 * problem at its line and nothing is written; a stale version is 409; a valid text is written and the running engine
 * applies it (GET /api/channels reflects it), audited as `channel.save`; viewers and operators get 403.
 */
import { mllpSource } from '../../src/channels/schema';
import fs from 'node:fs';
import path from 'node:path';
import net from 'node:net';
import { sql } from 'kysely';
import { startHarness, type Harness } from './engine-harness';
import { freePort } from './support';

jest.setTimeout(120_000);

const CHANNEL = 'pharmacy-inbound';
const URL = `/api/channels/${CHANNEL}/file`;

function tryConnect(port: number): Promise<string> {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port });
    s.once('connect', () => { s.destroy(); resolve('connected'); });
    s.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
  });
}

/** 1-based line of the first line of `text` that starts with `prefix` (after indentation). */
const lineOf = (text: string, prefix: string) => text.split('\n').findIndex((l) => l.trimStart().startsWith(prefix)) + 1;

describe('editing a channel file through the API', () => {
  let h: Harness;
  let file: string;
  let otherPort: number;
  beforeAll(async () => {
    h = await startHarness({ store: 'postgres' });
    file = path.join(h.project.channelsDir, `${CHANNEL}.yaml`);
    // A second enabled channel, so that a port clash can be tried.
    otherPort = await freePort();
    fs.writeFileSync(path.join(h.project.channelsDir, 'lab-inbound.yaml'), [
      'name: lab-inbound', 'source:', '  type: mllp', '  host: 127.0.0.1', `  port: ${otherPort}`,
      'accept: [ORU^R01]', 'routes:', '  - types: [ORU^R01]', '    mapping: oru-r01', '',
    ].join('\n'));
    expect((await h.api('POST', '/api/channels/reload')).status).toBe(200);
  });
  afterAll(async () => { await h.close(); });

  const state = async () => {
    const r = await h.api('GET', '/api/channels');
    return (r.json.channels as Array<{ name: string; state: string }>).find((c) => c.name === CHANNEL)!.state;
  };

  test('GET answers the text on disk and its version', async () => {
    const r = await h.api('GET', URL);
    expect(r.status).toBe(200);
    expect(r.json).toEqual({ name: CHANNEL, file: `${CHANNEL}.yaml`, text: fs.readFileSync(file, 'utf8'), sha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect((await h.api('GET', '/api/channels/no-such-channel/file')).status).toBe(404);
  });

  test('an invalid text is 422 with every problem at its line; nothing is written', async () => {
    const { text, sha256 } = (await h.api('GET', URL)).json as { text: string; sha256: string };
    const bad = text
      .replace('maxConnections: 64', 'maxConnections: lots')
      .replace(/port: \d+/, `port: ${otherPort}`)
      .replace('mapping: dft-p03', 'mapping: no-such-mapping');
    const r = await h.api('PUT', URL, { text: bad, sha256 });
    expect(r.status).toBe(422);
    expect(r.json.error.code).toBe('CONFIG_INVALID');
    const issues = r.json.error.issues as Array<{ file: string; line: number; col: number; reason: string }>;
    expect(issues).toEqual(expect.arrayContaining([
      expect.objectContaining({ file, line: lineOf(bad, 'maxConnections:') }),
    ]));
    // The schema error stops that file's cross-file checks; the clash and the mapping are found on their own.
    const clash = text.replace(/port: \d+/, `port: ${otherPort}`);
    const r2 = await h.api('PUT', URL, { text: clash, sha256 });
    expect(r2.status).toBe(422);
    expect(r2.json.error.issues).toEqual(expect.arrayContaining([
      expect.objectContaining({ line: lineOf(clash, 'port:'), reason: expect.stringContaining('lab-inbound') }),
    ]));
    const noMapping = text.replace('mapping: dft-p03', 'mapping: no-such-mapping');
    const r3 = await h.api('PUT', URL, { text: noMapping, sha256 });
    expect(r3.status).toBe(422);
    expect(r3.json.error.issues).toEqual([expect.objectContaining({ line: lineOf(noMapping, 'mapping: no-such-mapping'), reason: expect.stringContaining('not found') })]);
    expect(fs.readFileSync(file, 'utf8')).toBe(text);
    expect(await state()).toBe('listening');
  });

  test('a stale version is 409; a valid text is written and applied by the running engine, and audited', async () => {
    const { text, sha256 } = (await h.api('GET', URL)).json as { text: string; sha256: string };
    const disabled = text.replace('enabled: true', 'enabled: false');
    expect((await h.api('PUT', URL, { text: disabled, sha256: '0'.repeat(64) })).status).toBe(409);
    expect(await tryConnect(h.mllpPort)).toBe('connected');

    const r = await h.api('PUT', URL, { text: disabled, sha256 });
    expect(r.status).toBe(200);
    expect(r.json.channels).toEqual(expect.arrayContaining([{ name: CHANNEL, outcome: 'disabled', changed: ['enabled'] }]));
    expect(fs.readFileSync(file, 'utf8')).toBe(disabled);
    expect(fs.readdirSync(h.project.channelsDir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    expect(await state()).toBe('disabled');
    expect(await tryConnect(h.mllpPort)).toBe('ECONNREFUSED');
    // The old version no longer saves: the file changed since it was read.
    expect((await h.api('PUT', URL, { text, sha256 })).status).toBe(409);

    // Back on, with a different connection limit: restarted, listening again.
    const again = (await h.api('GET', URL)).json as { text: string; sha256: string };
    const on = again.text.replace('enabled: false', 'enabled: true').replace('maxConnections: 64', 'maxConnections: 8');
    const r2 = await h.api('PUT', URL, { text: on, sha256: again.sha256 });
    expect(r2.status).toBe(200);
    expect(r2.json.channels).toEqual(expect.arrayContaining([expect.objectContaining({ name: CHANNEL, outcome: 'enabled' })]));
    expect(await state()).toBe('listening');
    expect(mllpSource(h.engine.channels.find((c) => c.name === CHANNEL)!).maxConnections).toBe(8);

    const audited = await sql<{ action: string; target_id: string; detail: any }>`
      select action, target_id, detail from audit_events where action = 'channel.save' order by id`.execute(h.engine.store.db);
    expect(audited.rows).toEqual([
      { action: 'channel.save', target_id: CHANNEL, detail: expect.objectContaining({ from: sha256, sha256: r.json.sha256, disabled: [CHANNEL] }) },
      { action: 'channel.save', target_id: CHANNEL, detail: expect.objectContaining({ from: again.sha256, sha256: r2.json.sha256, enabled: [CHANNEL] }) },
    ]);
  });

  test('viewers and operators may neither read nor save a channel file', async () => {
    const { text, sha256 } = (await h.api('GET', URL)).json as { text: string; sha256: string };
    for (const role of ['viewer', 'operator']) {
      const username = `${role}-user`;
      const password = `${role}-password-123456`;
      expect((await h.api('POST', '/api/users', { username, password, role })).status).toBe(201);
      const token = (await h.api('POST', '/api/login', { username, password }, null)).json.token as string;
      expect((await h.api('GET', URL, undefined, token)).status).toBe(403);
      expect((await h.api('PUT', URL, { text: text.replace('enabled: true', 'enabled: false'), sha256 }, token)).status).toBe(403);
    }
    expect(await state()).toBe('listening');
  });
});
