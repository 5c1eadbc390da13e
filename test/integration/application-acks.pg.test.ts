/**
 * Application ACKs in enhanced mode (MSH-16), on real Postgres, Redis and sockets: the sender gets CA on its
 * connection at once, and an AA or AE at its own listener (the channel's `applicationAcks` destination) once the
 * message is final; MSH-16 ER/SU/NE and original mode are honoured; an unreachable or refusing receiver is retried
 * and finally given up; a replay sends a new ACK for its own outcome.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ApplicationAckDeliverer } from '../../src/acks/deliverer';
import { createLogger } from '../../src/core/logger';
import { peekMsh } from '../../src/hl7';
import { sendMllpMessages } from '../../src/mllp/client';
import { applicationAcksPort as applicationAckStore } from '../../src/store/application-acks';
import { openStore } from '../../src/store/db';
import { MessageRepository } from '../../src/store/repository';
import { startAckReceiver, fieldOf, type AckReceiver } from './ack-receiver';
import { segment, startHarness, type Harness } from './engine-harness';
import { createTestDatabase, dftMessage, freePort, waitFor } from './support';

const SCRAPE_TOKEN = 'app-ack-scrape-token-0123456789';
const SAMPLE_CHANNEL = fs.readFileSync(path.join(__dirname, '../../channels/pharmacy-inbound.yaml'), 'utf8');

function channelSendingAcksTo(port: number, attempts = 3): string {
  return `${SAMPLE_CHANNEL}\napplicationAcks:\n  host: 127.0.0.1\n  port: ${port}\n  timeoutMs: 1000\n  attempts: ${attempts}\n  backoffMs: 200\n`;
}

/** The DFT^P03 with MSH-15/16 set (enhanced mode), or as it is (original mode) when both are empty. */
function dft(controlId: string, msh15: string, msh16: string, amount = '25'): string {
  const msg = dftMessage({ controlId, patientId: `P-${controlId}`, lines: [{ txn: `T-${controlId}`, code: '90471', amount }] });
  if (!msh15 && !msh16) return msg;
  const [msh, ...rest] = msg.split('\r');
  return [`${msh}|||${msh15}|${msh16}`, ...rest].join('\r');
}

async function idOf(h: Harness, controlId: string): Promise<string> {
  const row = await h.engine.store.db.selectFrom('messages').select('id').where('control_id', '=', controlId).executeTakeFirstOrThrow();
  return String(row.id);
}

async function ackRow(h: Harness, messageId: string) {
  return h.engine.store.db.selectFrom('application_acks').selectAll().where('message_id', '=', messageId as never).executeTakeFirst();
}

async function waitForAckState(h: Harness, messageId: string, state: string, timeoutMs = 15_000): Promise<void> {
  await waitFor(async () => (await ackRow(h, messageId))?.state === state, timeoutMs, `application ACK of ${messageId} to be ${state}`);
}

describe('application ACKs (enhanced mode) on Postgres', () => {
  let h: Harness;
  let receiver: AckReceiver;

  beforeAll(async () => {
    receiver = await startAckReceiver();
    h = await startHarness({
      store: 'postgres', channelYaml: channelSendingAcksTo(receiver.port), config: { applicationAckIntervalMs: 100 },
      env: { RXBRIDGE_METRICS_TOKEN: SCRAPE_TOKEN },
    });
  });
  afterAll(async () => {
    await h.close();
    await receiver.close();
  });
  beforeEach(() => { receiver.answer = 'CA'; });

  test('MSH-15/16 AL: CA on the connection, then AA at the sender\'s listener once the charge is written', async () => {
    const accept = await h.send(dft('APP-1', 'AL', 'AL'));
    expect(segment(accept, 'MSA').slice(0, 3)).toEqual(['MSA', 'CA', 'APP-1']);
    const id = await idOf(h, 'APP-1');
    await h.waitForStatus(id, ['processed']);
    await waitForAckState(h, id, 'sent');
    const [ack, ...more] = receiver.acksFor('APP-1');
    expect(more).toHaveLength(0);
    expect(fieldOf(ack!, 'MSA', 1)).toBe('AA');
    // Addressed back to the sender (MSH-5/6 = its MSH-3/4), asking only for an accept ACK.
    expect([3, 4, 5, 6, 9, 12, 15, 16].map((n) => fieldOf(ack!, 'MSH', n))).toEqual(['RXBRIDGE', 'BILLING', 'RXSYS', 'PHARM01', 'ACK^P03^ACK', '2.5.1', 'AL', 'NE']);
    const row = await ackRow(h, id);
    expect(row).toMatchObject({ state: 'sent', ack_code: 'AA', attempts: 1, ack_control_id: fieldOf(ack!, 'MSH', 10) });
    const detail = await h.api('GET', `/api/messages/${id}`);
    expect(detail.json.events.find((e: { stage: string }) => e.stage === 'application_ack')).toMatchObject({ code: 'AA' });
    expect(detail.json.applicationAck).toMatchObject({ requested: 'AL', state: 'sent', ack_code: 'AA', attempts: 1 });
    const metrics = await fetch(`http://127.0.0.1:${h.engine.httpAddress()!.port}/metrics`, { headers: { authorization: `Bearer ${SCRAPE_TOKEN}` } });
    expect(await metrics.text()).toMatch(/rxbridge_application_acks_total\{channel="pharmacy-inbound",result="sent"\} [1-9]/);
  });

  test('a dead letter gets AE with an ERR segment; a replay after the fix gets its own AA', async () => {
    await h.send(dft('APP-2', 'AL', 'AL', 'abc'));
    const id = await idOf(h, 'APP-2');
    await h.waitForStatus(id, ['error']);
    await waitForAckState(h, id, 'sent');
    const [ae] = receiver.acksFor('APP-2');
    expect(fieldOf(ae!, 'MSA', 1)).toBe('AE');
    expect(ae!.split('\r').some((s) => /^ERR\|\|[^|]*\|\d{3}\^/.test(s))).toBe(true);

    const fixed = dft('APP-2', 'AL', 'AL', '25');
    expect((await h.api('POST', `/api/messages/${id}/replay`, { raw: fixed })).status).toBe(202);
    await h.waitForStatus(id, ['processed']);
    await waitFor(() => receiver.acksFor('APP-2').length === 2, 15_000, 'the replay\'s application ACK');
    expect(receiver.acksFor('APP-2').map((a) => fieldOf(a, 'MSA', 1))).toEqual(['AE', 'AA']);
    await waitForAckState(h, id, 'sent');
  });

  test('MSH-16 ER: no ACK after success, AE after an error; SU the other way round; NE and original mode: none', async () => {
    const cases = [['ER-OK', 'AL', 'ER', '25'], ['ER-BAD', 'AL', 'ER', 'abc'], ['SU-OK', 'AL', 'SU', '25'], ['SU-BAD', 'AL', 'SU', 'abc']] as const;
    for (const [controlId, msh15, msh16, amount] of cases) await h.send(dft(controlId, msh15, msh16, amount));
    await h.send(dft('NE-1', 'AL', 'NE'));
    await h.send(dft('ORIG-1', '', ''));
    const expected: Record<string, [string, string[]]> = {
      'ER-OK': ['not_needed', []], 'ER-BAD': ['sent', ['AE']], 'SU-OK': ['sent', ['AA']], 'SU-BAD': ['not_needed', []],
    };
    for (const [controlId, [state, codes]] of Object.entries(expected)) {
      const id = await idOf(h, controlId);
      await waitForAckState(h, id, state);
      expect(receiver.acksFor(controlId).map((a) => fieldOf(a, 'MSA', 1))).toEqual(codes);
    }
    for (const controlId of ['NE-1', 'ORIG-1']) {
      const id = await idOf(h, controlId);
      await h.waitForStatus(id, ['processed']);
      expect(await ackRow(h, id)).toBeUndefined();
    }
    await new Promise((r) => setTimeout(r, 500)); // a few delivery rounds
    expect(receiver.acksFor('NE-1')).toHaveLength(0);
    expect(receiver.acksFor('ORIG-1')).toHaveLength(0);
  });

  test('a receiver that refuses (CR) or does not answer is tried again until it accepts', async () => {
    receiver.answer = 'CR';
    await h.send(dft('RETRY-1', 'AL', 'AL'));
    const id = await idOf(h, 'RETRY-1');
    await waitFor(async () => ((await ackRow(h, id))?.attempts ?? 0) >= 1 && receiver.acksFor('RETRY-1').length >= 1, 15_000, 'a refused attempt');
    receiver.answer = 'silent';
    await waitFor(async () => receiver.acksFor('RETRY-1').length >= 2, 15_000, 'a second attempt');
    receiver.answer = 'CA';
    await waitForAckState(h, id, 'sent');
    const row = await ackRow(h, id);
    expect(row!.attempts).toBeGreaterThanOrEqual(3);
    const events = (await h.api('GET', `/api/messages/${id}`)).json.events.filter((e: { stage: string }) => e.stage === 'application_ack');
    expect(events[0].detail).toMatch(/not delivered, next try in .*answered CR/);
    expect(events.at(-1)).toMatchObject({ code: 'AA' });
  });
});

describe('application ACKs when the sender\'s listener is down', () => {
  test('after `attempts` failed tries the ACK is given up, and the message says so', async () => {
    const port = await freePort(); // nothing listens here
    const h = await startHarness({ store: 'postgres', channelYaml: channelSendingAcksTo(port, 2), config: { applicationAckIntervalMs: 100 } });
    try {
      await h.send(dft('DOWN-1', 'AL', 'AL'));
      const id = await idOf(h, 'DOWN-1');
      await waitForAckState(h, id, 'failed');
      const row = await ackRow(h, id);
      expect(row).toMatchObject({ attempts: 2, state: 'failed' });
      expect(row!.last_error).toMatch(new RegExp(`127\\.0\\.0\\.1:${port}`));
      const events = (await h.api('GET', `/api/messages/${id}`)).json.events.filter((e: { stage: string }) => e.stage === 'application_ack');
      expect(events.map((e: { detail: string }) => e.detail.split(':')[0])).toEqual(['application ACK not delivered, next try in 200 ms', 'application ACK given up']);
      // The message itself is processed: the ACK's delivery never changes its outcome.
      expect((await h.engine.store.db.selectFrom('messages').select('status').where('id', '=', id as never).executeTakeFirstOrThrow()).status).toBe('processed');
    } finally {
      await h.close();
    }
  });
});

describe('application ACK delivery from several engine processes', () => {
  test('two deliverers sharing one Postgres send each of 200 ACKs exactly once', async () => {
    const db = await createTestDatabase();
    const receiver = await startAckReceiver();
    const stores = [await openStore({ databaseUrl: db.url, poolSize: 4 }), await openStore({ databaseUrl: db.url, poolSize: 4 })];
    try {
      const repository = new MessageRepository(stores[0]!.db);
      const records = Array.from({ length: 200 }, (_, i) => {
        const content = dft(`MP-${i}`, 'AL', 'AL');
        return {
          channel: 'pharmacy-inbound', status: 'received' as const, sender: 'RXSYS|PHARM01', controlId: `MP-${i}`, messageType: 'DFT^P03',
          version: '2.5.1', processingId: 'P', patientKey: null, remote: '127.0.0.1', content, duplicateWindowMs: 0,
          applicationAck: { requested: 'AL' as const, header: peekMsh(content) },
        };
      });
      await repository.recordInbound(records);
      await stores[0]!.db.updateTable('messages').set({ status: 'processed' }).execute();
      const destination = { host: '127.0.0.1', port: receiver.port, timeoutMs: 2000, attempts: 3, backoffMs: 100 };
      const deliverers = stores.map((s) => new ApplicationAckDeliverer({
        store: applicationAckStore(s.db), destinations: () => new Map([['pharmacy-inbound', destination]]),
        send: sendMllpMessages, logger: createLogger({ silent: true }), batchSize: 20,
      }));
      // Both take rounds at the same time until nothing is due.
      for (let round = 0; round < 20; round++) {
        const taken = await Promise.all(deliverers.map((d) => d.runOnce()));
        if (taken.every((n) => n === 0)) break;
      }
      const answered = records.map((r) => receiver.acksFor(r.controlId).length);
      expect(answered.filter((n) => n !== 1)).toEqual([]);
      const states = await stores[0]!.db.selectFrom('application_acks').select(['state', 'attempts']).execute();
      expect(states.every((r) => r.state === 'sent' && r.attempts === 1)).toBe(true);
    } finally {
      for (const s of stores) await s.close();
      await receiver.close();
      await db.drop();
    }
  });
});
