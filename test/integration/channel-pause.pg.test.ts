/**
 * Pausing a channel through the API (POST /api/channels/:name/pause and /resume) against a whole engine on Postgres:
 * the channel's MLLP listener closes (a sender's new connection is refused) while a message stored before the pause
 * is still processed; GET /api/channels says `paused` with who paused it; the pause holds across a restart; resume
 * opens the listener again and the next message gets AA. Both actions are audited; a viewer may not pause, and an
 * unknown channel is 404.
 */
import net from 'node:net';
import { sql } from 'kysely';
import { startHarness, type Harness } from './engine-harness';
import { dftMessage } from './support';

jest.setTimeout(120_000);

const CHANNEL = 'pharmacy-inbound';

/** Connects to the port: 'connected' or the error code (ECONNREFUSED when nothing listens). */
function tryConnect(port: number): Promise<string> {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port });
    s.once('connect', () => {
      s.destroy();
      resolve('connected');
    });
    s.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
  });
}

describe('pausing and resuming a channel', () => {
  let h: Harness;
  beforeAll(async () => { h = await startHarness({ store: 'postgres' }); });
  afterAll(async () => { await h.close(); });

  const state = async () => {
    const r = await h.api('GET', '/api/channels');
    return r.json.channels.find((c: { name: string }) => c.name === CHANNEL) as { state: string; pause: { by: string; at: string } | null };
  };
  const messageId = async (controlId: string) =>
    String((await h.engine.store.db.selectFrom('messages').select('id').where('control_id', '=', controlId).executeTakeFirstOrThrow()).id);

  test('pause refuses new connections while stored messages process; it survives a restart; resume answers AA again', async () => {
    // A message stored just before the pause is processed after it.
    const client = await h.client();
    client.sendFrame(dftMessage({ controlId: 'PAUSE-1', patientId: 'PAUSEPAT1', lines: [{ txn: 'PAUSE-1-1', code: '90471', amount: '5' }] }));
    expect(await client.nextReply(10_000)).toContain('MSA|AA|PAUSE-1');
    await client.close();

    const paused = await h.api('POST', `/api/channels/${CHANNEL}/pause`);
    expect(paused.status).toBe(200);
    expect(paused.json).toEqual({ channel: CHANNEL, paused: true, changed: true });
    expect(await tryConnect(h.mllpPort)).toBe('ECONNREFUSED');
    await h.waitForStatus(await messageId('PAUSE-1'), ['processed']);
    expect(await state()).toMatchObject({ state: 'paused', pause: { by: 'bootstrap-token' } });
    // Pausing again changes nothing (the first pause's who and when stay).
    expect((await h.api('POST', `/api/channels/${CHANNEL}/pause`)).json).toEqual({ channel: CHANNEL, paused: true, changed: false });

    // The pause is stored: after a restart the listener stays closed.
    await h.restart();
    expect(await tryConnect(h.mllpPort)).toBe('ECONNREFUSED');
    expect((await state()).state).toBe('paused');

    // Resume: the listener opens again and the next message is acknowledged.
    const resumed = await h.api('POST', `/api/channels/${CHANNEL}/resume`);
    expect(resumed.json).toEqual({ channel: CHANNEL, paused: false, changed: true });
    expect(await state()).toMatchObject({ state: 'listening', pause: null });
    expect(await h.send(dftMessage({ controlId: 'PAUSE-2', patientId: 'PAUSEPAT2', lines: [{ txn: 'PAUSE-2-1', code: '90471', amount: '5' }] })))
      .toContain('MSA|AA|PAUSE-2');

    const audited = await sql<{ action: string; target_id: string; detail: unknown }>`
      select action, target_id, detail from audit_events where action like 'channel.%' order by id`.execute(h.engine.store.db);
    expect(audited.rows).toEqual([
      { action: 'channel.pause', target_id: CHANNEL, detail: { changed: true } },
      { action: 'channel.pause', target_id: CHANNEL, detail: { changed: false } },
      { action: 'channel.resume', target_id: CHANNEL, detail: { changed: true } },
    ]);
  });

  test('an unknown channel is 404; a viewer may not pause', async () => {
    expect((await h.api('POST', '/api/channels/no-such-channel/pause')).status).toBe(404);
    expect((await h.api('POST', '/api/users', { username: 'vic', password: 'vic-viewer-password-1', role: 'viewer' })).status).toBe(201);
    const viewer = (await h.api('POST', '/api/login', { username: 'vic', password: 'vic-viewer-password-1' }, null)).json.token as string;
    expect((await h.api('POST', `/api/channels/${CHANNEL}/pause`, undefined, viewer)).status).toBe(403);
    expect(await tryConnect(h.mllpPort)).toBe('connected');
  });
});
