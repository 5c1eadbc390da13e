/**
 * Messages about the same patient are applied in arrival order, also across retries: a message that is
 * retrying holds back later messages of its patient (and only of its patient).
 */
import fs from 'node:fs';
import path from 'node:path';
import { startHarness, type Harness } from './engine-harness';
import { dftMessage, waitFor } from './support';

const CHANNEL = fs.readFileSync(path.join(__dirname, '../../channels/pharmacy-inbound.yaml'), 'utf8')
  .replace('attempts: 5', 'attempts: 4').replace('backoffMs: 1000', 'backoffMs: 200');

// A credit that finds no charge is held by the shipped mapping; here it fails (retryable) so a message retries.
const STRICT_CREDITS = fs.readFileSync(path.join(__dirname, '../../mappings/dft-p03.yaml'), 'utf8')
  .replace(/missing: hold\b/, 'missing: error');

describe('per-patient order', () => {
  let h: Harness;
  beforeAll(async () => { h = await startHarness({ store: 'postgres', channelYaml: CHANNEL, mappingYaml: STRICT_CREDITS }); });
  afterAll(async () => { await h.close(); });

  const idOf = async (controlId: string) => String((await h.engine.store.db.selectFrom('messages').select('id')
    .where('control_id', '=', controlId).executeTakeFirstOrThrow()).id);

  test('60 pipelined messages for 3 patients: each patient\'s charges are written in arrival order', async () => {
    const client = await h.client();
    for (let i = 0; i < 60; i++) {
      client.sendFrame(dftMessage({ controlId: `O-${i}`, patientId: `OP${i % 3}`, lines: [{ txn: `O-${i}-1`, code: '90471', amount: '1' }] }));
    }
    for (let i = 0; i < 60; i++) await client.nextReply(10_000);
    await client.close();
    await waitFor(async () => {
      const n = await h.engine.store.db.selectFrom('charges').select((eb) => eb.fn.countAll().as('n')).where('patient_ref', 'like', 'OP%').executeTakeFirstOrThrow();
      return Number(n.n) === 60;
    }, 20_000, 'all charges');
    for (const patient of ['OP0', 'OP1', 'OP2']) {
      const rows = await h.engine.store.db.selectFrom('charges').select(['id', 'message_id']).where('patient_ref', '=', patient).orderBy('id').execute();
      const messageIds = rows.map((r) => Number(r.message_id));
      expect(messageIds).toEqual([...messageIds].sort((a, b) => a - b));
    }
  });

  test('a retrying message holds back its patient\'s later messages until it is final; other patients flow', async () => {
    // A credit for a charge not yet recorded, with reversal.missing: error: retried (REVERSAL_TARGET_MISSING), then dead-lettered.
    await h.send(dftMessage({ controlId: 'R-1', patientId: 'RP1', lines: [{ txn: 'R-X', code: '90471', amount: '-5', type: 'CD' }] }));
    await h.send(dftMessage({ controlId: 'R-2', patientId: 'RP1', lines: [{ txn: 'R-2-1', code: '90471', amount: '5' }] }));
    await h.send(dftMessage({ controlId: 'R-3', patientId: 'RP2', lines: [{ txn: 'R-3-1', code: '90471', amount: '5' }] }));
    const [first, second, other] = [await idOf('R-1'), await idOf('R-2'), await idOf('R-3')];
    await h.waitForStatus(other, ['processed']);
    await h.waitForStatus(first, ['error'], 20_000);
    await h.waitForStatus(second, ['processed']);
    const events = await h.engine.store.db.selectFrom('message_events').select(['message_id', 'to_status', 'at', 'id'])
      .where('message_id', 'in', [first, second] as never[]).orderBy('id').execute();
    const deadAt = events.find((e) => String(e.message_id) === first && e.to_status === 'error')!.id;
    // The second may be claimed alongside the first and then held back; it must not finish before the first.
    const secondDone = events.find((e) => String(e.message_id) === second && e.to_status === 'processed')!.id;
    expect(Number(secondDone)).toBeGreaterThan(Number(deadAt));
    const retries = events.filter((e) => String(e.message_id) === first && e.to_status === 'processing');
    expect(retries.length).toBeGreaterThanOrEqual(4); // 4 attempts (each begins with processing) + retry notes
    const detail = await h.api('GET', `/api/messages/${first}`);
    expect(detail.json).toMatchObject({ status: 'error', error_code: 'REVERSAL_TARGET_MISSING', attempts: 4 });
  });
});
