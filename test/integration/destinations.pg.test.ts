/**
 * Channel destinations end to end on Postgres, with real receivers on loopback ports: an MLLP receiver that
 * de-duplicates by MSH-10 and an HTTP receiver. A destination whose receiver is down holds only its own deliveries:
 * intake and the other destination go on, and once it is back everything arrives in message order. AE is retried,
 * AR is a dead letter that an operator replays through the API, silence and a connection dropped mid-answer are retried.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fieldOf } from './ack-receiver';
import { startHttpReceiver, startMllpReceiver, type HttpReceiver, type MllpReceiver } from './destination-receivers';
import { segment, startHarness, type Harness } from './engine-harness';
import { destinationsCommand } from '../../src/cli/destinations';
import { dftMessage, freePort, sampleChannelWithoutDestinations, waitFor } from './support';
import { TOKEN } from './engine-harness';

jest.setTimeout(90_000);

const CHANNEL = sampleChannelWithoutDestinations();

function destinations(mllpPort: number, httpPort: number): string {
  return `
destinations:
  - name: pharmacy-copy
    transform:
      hl7:
        set:
          MSH-5: '"RECEIVER"'
          MSH-6: '"RCVFAC"'
    retry: { attempts: 1000, backoffMs: 100, maxBackoffMs: 400 }
    connector: { type: mllp, host: 127.0.0.1, port: ${mllpPort}, answerTimeoutMs: 700, connectTimeoutMs: 500 }
  - name: billing-json
    order: none
    transform:
      json:
        messageId: $messageId
        controlId: MSH-10
        patient: { id: PID-3.1 }
    retry: { attempts: 3, backoffMs: 50, maxBackoffMs: 100 }
    connector: { type: http, url: "http://127.0.0.1:${httpPort}/in", headers: { X-Feed: rx } }
`;
}

const msg = (controlId: string) =>
  dftMessage({ controlId, patientId: `P-${controlId}`, lines: [{ txn: `T-${controlId}`, code: '90471', amount: '25' }] });

describe('channel destinations', () => {
  let h: Harness;
  let mllp: MllpReceiver;
  let web: HttpReceiver;
  let mllpPort: number;

  beforeAll(async () => {
    mllpPort = await freePort();
    mllp = await startMllpReceiver(mllpPort);
    web = await startHttpReceiver();
    h = await startHarness({
      store: 'postgres',
      channelYaml: CHANNEL + destinations(mllpPort, web.port),
      config: { deliveryPollMs: 50, deliveryLeaseMs: 5000 },
      env: { RXBRIDGE_METRICS_TOKEN: 'scrape-token-0123456789abcdef' },
    });
  });
  afterAll(async () => {
    await h?.close();
    await mllp.close();
    await web.close();
  });

  const receivedIds = () => mllp.unique.map((f) => fieldOf(f, 'PID', 3).split('^')[0]);

  test('each message goes to both destinations, transformed; the HL7 copy carries its own MSH-10', async () => {
    for (const id of ['D1', 'D2', 'D3']) expect(segment(await h.send(msg(id)), 'MSA')[1]).toBe('AA');
    await waitFor(() => mllp.unique.length === 3 && web.requests.length === 3, 20_000, 'three deliveries to each receiver');
    expect(receivedIds()).toEqual(['P-D1', 'P-D2', 'P-D3']);
    const first = mllp.unique[0]!;
    expect(fieldOf(first, 'MSH', 5)).toBe('RECEIVER');
    expect(fieldOf(first, 'MSH', 6)).toBe('RCVFAC');
    expect(fieldOf(first, 'MSH', 10)).toMatch(/^RXB\d+$/);
    const bodies = web.requests.map((r) => JSON.parse(r.body) as { controlId: string; patient: { id: string } });
    expect(bodies.map((b) => b.controlId).sort()).toEqual(['D1', 'D2', 'D3']);
    expect(web.requests[0]!.headers['x-feed']).toBe('rx');
    expect(web.requests[0]!.headers['idempotency-key']).toMatch(/^\d+:billing-json$/);

    const id = await messageIdOf('D1');
    const detail = await h.api('GET', `/api/messages/${id}`);
    expect(detail.json.deliveries.map((d: { destination: string; state: string }) => [d.destination, d.state])).toEqual([
      ['billing-json', 'delivered'],
      ['pharmacy-copy', 'delivered'],
    ]);
  });

  test('a receiver that is down holds only its own deliveries; once back, all arrive in order', async () => {
    await mllp.close();
    const before = web.requests.length;
    for (const id of ['E1', 'E2', 'E3', 'E4']) expect(segment(await h.send(msg(id)), 'MSA')[1]).toBe('AA');
    await waitFor(() => web.requests.length === before + 4, 20_000, 'the other destination to get all four');
    // The first try may find the old connection closing; the next ones find nobody listening.
    const copy = async () =>
      (await h.api('GET', '/api/destinations')).json.destinations.find((d: { destination: string }) => d.destination === 'pharmacy-copy');
    await waitFor(async () => /cannot connect .*ECONNREFUSED/.test((await copy()).lastError ?? ''), 10_000, 'a refused connection');
    expect((await copy()).open).toBe(4);

    mllp = await startMllpReceiver(mllpPort);
    await waitFor(() => mllp.unique.length === 4, 30_000, 'the held deliveries once the receiver is back');
    expect(receivedIds()).toEqual(['P-E1', 'P-E2', 'P-E3', 'P-E4']);

    const res = await fetch(`http://127.0.0.1:${h.engine.httpAddress()!.port}/metrics`, {
      headers: { authorization: 'Bearer scrape-token-0123456789abcdef' },
    });
    const text = await res.text();
    expect(text).toMatch(/rxbridge_destination_deliveries_total\{channel="pharmacy-inbound",destination="pharmacy-copy",result="delivered"\} [1-9]/);
    expect(text).toMatch(/rxbridge_destination_deliveries_total\{channel="pharmacy-inbound",destination="pharmacy-copy",result="retry"\} [1-9]/);
    expect(text).toMatch(/rxbridge_destination_deliveries\{channel="pharmacy-inbound",destination="pharmacy-copy",state="open"\} 0/);
  });

  test('AE is retried, silence and a connection dropped mid-answer are retried, all in order', async () => {
    const base = mllp.frames.length;
    mllp.mode = 'AE';
    await h.send(msg('F1'));
    await waitFor(() => mllp.frames.length >= base + 2, 10_000, 'AE answered twice');
    mllp.mode = 'silent';
    const silentFrom = mllp.frames.length;
    await waitFor(() => mllp.frames.length >= silentFrom + 2, 10_000, 'a silent try, then the next after its timeout');
    mllp.mode = 'drop';
    const dropFrom = mllp.frames.length;
    await waitFor(() => mllp.frames.length >= dropFrom + 2, 10_000, 'two dropped tries');
    await h.send(msg('F2'));
    mllp.mode = 'AA';
    await waitFor(() => mllp.unique.length === 6, 20_000, 'both delivered');
    expect(receivedIds()).toEqual(['P-E1', 'P-E2', 'P-E3', 'P-E4', 'P-F1', 'P-F2']);
    // F2 waited behind F1 (fifo): no frame of F2 before F1 was taken.
    const order = mllp.frames.slice(base).map((f) => fieldOf(f, 'PID', 3).split('^')[0]);
    expect(order.indexOf('P-F2')).toBeGreaterThan(order.lastIndexOf('P-F1') - 1);
    // Every try of F1 carried the same MSH-10.
    const f1 = mllp.frames.filter((f) => fieldOf(f, 'PID', 3).startsWith('P-F1'));
    expect(new Set(f1.map((f) => fieldOf(f, 'MSH', 10))).size).toBe(1);
  });

  test('AR is a dead letter; an operator replays it through the API and it is delivered with a new MSH-10', async () => {
    mllp.mode = 'AR';
    await h.send(msg('G1'));
    const id = await messageIdOf('G1');
    await waitFor(async () => (await h.api('GET', `/api/messages/${id}`)).json.deliveries.some((d: { state: string }) => d.state === 'failed'), 10_000, 'a dead letter');
    const failed = await h.api('GET', '/api/destinations/pharmacy-inbound/pharmacy-copy/failed');
    expect(failed.json.deliveries[0].lastError).toMatch(/^DESTINATION_REJECTED: receiver answered AR/);
    const firstId = fieldOf(mllp.frames[mllp.frames.length - 1]!, 'MSH', 10);

    mllp.mode = 'AA';
    const replay = await h.api('POST', `/api/deliveries/${failed.json.deliveries[0].id}/replay`);
    expect(replay.status).toBe(202);
    await waitFor(() => receivedIds().includes('P-G1'), 10_000, 'the replayed delivery');
    const again = mllp.unique.find((f) => fieldOf(f, 'PID', 3).startsWith('P-G1'))!;
    expect(fieldOf(again, 'MSH', 10)).not.toBe(firstId);
    expect((await h.api('POST', `/api/deliveries/${failed.json.deliveries[0].id}/replay`)).status).toBe(409);
  });

  test('the CLI lists destinations and replays a destination\'s dead letters', async () => {
    const url = `http://127.0.0.1:${h.engine.httpAddress()!.port}`;
    const env = { RXBRIDGE_ADMIN_TOKEN: TOKEN };
    mllp.mode = 'AR';
    await h.send(msg('H1'));
    const id = await messageIdOf('H1');
    await waitFor(async () => (await h.api('GET', `/api/messages/${id}`)).json.deliveries.some((d: { state: string }) => d.state === 'failed'), 10_000, 'a dead letter');
    const lines: string[] = [];
    expect(await destinationsCommand(['list', '--url', url], env, (l) => lines.push(l))).toBe(0);
    expect(lines.find((l) => l.startsWith('pharmacy-inbound/pharmacy-copy mllp:'))).toMatch(/0 queued, 1 failed, \d+ delivered \(24 h\)  last error: DESTINATION_REJECTED/);
    mllp.mode = 'AA';
    lines.length = 0;
    expect(await destinationsCommand(['replay', 'pharmacy-inbound/pharmacy-copy', '--url', url], env, (l) => lines.push(l))).toBe(0);
    expect(lines).toEqual(['1 delivery replayed']);
    await waitFor(() => receivedIds().includes('P-H1'), 10_000, 'the replayed delivery');
    expect(await destinationsCommand(['replay', '--url', url], env, () => undefined)).toBe(2);
  });

  test('a replayed message is delivered again once final: a dead letter fixed by an edit, a delivered message anew', async () => {
    mllp.mode = 'AA';
    const broken = dftMessage({ controlId: 'K1', patientId: 'P-K1', lines: [{ txn: 'T-K1', code: '90471', amount: '' }] });
    await h.send(broken);
    const id = await messageIdOf('K1');
    await h.waitForStatus(id, ['error']);
    await new Promise((r) => setTimeout(r, 300));
    expect((await h.api('GET', `/api/messages/${id}`)).json.deliveries).toEqual([]); // statuses: [processed]

    expect((await h.api('POST', `/api/messages/${id}/replay`, { raw: msg('K1') })).status).toBe(202);
    await waitFor(() => receivedIds().includes('P-K1'), 10_000, 'the fixed message delivered');
    const first = mllp.unique.find((f) => fieldOf(f, 'PID', 3).startsWith('P-K1'))!;

    expect((await h.api('POST', `/api/messages/${id}/replay`)).status).toBe(202);
    await waitFor(() => mllp.unique.filter((f) => fieldOf(f, 'PID', 3).startsWith('P-K1')).length === 2, 10_000, 'delivered again');
    const second = mllp.unique.filter((f) => fieldOf(f, 'PID', 3).startsWith('P-K1'))[1]!;
    expect(fieldOf(second, 'MSH', 10)).toBe(`${fieldOf(first, 'MSH', 10)}R1`);
    // Each destination delivers on its own: the MLLP copy seen above says nothing of the HTTP one.
    const deliveries = async () =>
      ((await h.api('GET', `/api/messages/${id}`)).json.deliveries as Array<{ destination: string; state: string; replays: number }>).map(
        (d) => [d.destination, d.state, d.replays],
      );
    await waitFor(async () => (await deliveries()).every(([, state]) => state !== 'open'), 10_000, 'both deliveries settled');
    expect(await deliveries()).toEqual([
      ['billing-json', 'delivered', 1],
      ['pharmacy-copy', 'delivered', 1],
    ]);
  });

  test('a channel reload starts a destination added to the file and stops a removed one', async () => {
    const file = path.join(h.project.channelsDir, 'pharmacy-inbound.yaml');
    const before = fs.readFileSync(file, 'utf8');
    const second = await startHttpReceiver();
    try {
      fs.writeFileSync(
        file,
        `${before}  - name: audit-copy\n    order: none\n    transform: { json: { id: MSH-10 } }\n    connector: { type: http, url: "http://127.0.0.1:${second.port}/" }\n`,
      );
      expect((await h.api('POST', '/api/channels/reload')).status).toBe(200);
      await h.send(msg('J1'));
      await waitFor(() => second.requests.some((r) => r.body === '{"id":"J1"}'), 10_000, 'the added destination to deliver');
      fs.writeFileSync(file, before);
      expect((await h.api('POST', '/api/channels/reload')).status).toBe(200);
      await h.send(msg('J2'));
      await waitFor(() => receivedIds().includes('P-J2'), 10_000, 'the kept destination to deliver');
      await new Promise((r) => setTimeout(r, 300));
      expect(second.requests.some((r) => r.body === '{"id":"J2"}')).toBe(false);
      const list = await h.api('GET', '/api/destinations');
      expect(list.json.destinations.find((d: { destination: string }) => d.destination === 'audit-copy')).toMatchObject({ configured: false });
    } finally {
      await second.close();
    }
  });

  async function messageIdOf(controlId: string): Promise<string> {
    const row = await h.engine.store.db.selectFrom('messages').select('id').where('control_id', '=', controlId).executeTakeFirstOrThrow();
    return String(row.id);
  }
});
