/**
 * Credits as billers send them, end to end over MLLP with the shipped dft-p03 mapping, Postgres and Redis:
 * FT1-31 as the Set ID of a line of the same message; a credit in a later message matched on (sender, FT1-2),
 * then on (patient, code, date of service, amount); a credit that matches nothing is a held negative charge with
 * its reason while the other line of its message is charged, and a replay once the charge is in reverses it.
 * Messages are synthetic (test/integration/support.ts dftMessage, modelled on the corpus DFT^P03 samples).
 */
import { startHarness, type Harness } from './engine-harness';
import { dftMessage, waitFor } from './support';

let h: Harness;

beforeAll(async () => {
  h = await startHarness({ store: 'postgres' });
}, 60_000);

afterAll(async () => {
  await h?.close();
});

async function processed(controlId: string): Promise<string> {
  let id = '';
  await waitFor(async () => {
    const row = await h.engine.store.db.selectFrom('messages').select(['id', 'status']).where('control_id', '=', controlId).executeTakeFirst();
    id = row ? String(row.id) : '';
    if (row?.status === 'error') throw new Error(`${controlId} was dead-lettered`);
    return row?.status === 'processed';
  }, 20_000, `${controlId} to be processed`);
  return id;
}

async function chargesOf(messageId: string) {
  return h.engine.store.db.selectFrom('charges')
    .select(['id', 'source_key', 'transaction_id', 'status', 'code', 'charge_amount', 'reversal_of', 'hold_reason'])
    .where('message_id', '=', messageId as never).orderBy('source_key').execute();
}

async function lineEvents(messageId: string): Promise<string[]> {
  const detail = await h.api('GET', `/api/messages/${messageId}`);
  expect(detail.status).toBe(200);
  return (detail.json.events as Array<{ stage: string; detail: string }>).filter((e) => e.stage === 'line').map((e) => e.detail);
}

it('FT1-31 = 1 in the message that also holds FT1-1 = 1: that charge is reversed and the re-charge FT1-1 = 3 is active', async () => {
  const ack = await h.send(dftMessage({ controlId: 'CR-1', patientId: 'CP1', lines: [
    { txn: 'MTM-1', code: '99605', amount: '75.00' },
    { txn: 'MTM-1C', code: '99605', amount: '-75.00', type: 'CD', reverses: '1' },
    { txn: 'MTM-1R', code: '99605', amount: '70.00' },
  ] }));
  expect(ack).toMatch(/\rMSA\|AA\|CR-1/);
  const id = await processed('CR-1');
  const [charge, credit, recharge] = await chargesOf(id); // source keys …|4|line, …|5|line, …|6|line
  expect([charge!.transaction_id, charge!.status]).toEqual(['MTM-1', 'reversed']);
  expect([credit!.transaction_id, credit!.status, credit!.reversal_of, String(credit!.charge_amount)])
    .toEqual(['MTM-1C', 'reversal', charge!.source_key, '-75.00']);
  expect([recharge!.transaction_id, recharge!.status, String(recharge!.charge_amount), recharge!.reversal_of])
    .toEqual(['MTM-1R', 'active', '70.00', null]);
  // The message shows each line's outcome, in message order.
  expect(await lineEvents(id)).toEqual([
    'segment 4 (rule line): charged',
    `segment 5 (rule line): reverses charge ${charge!.id} (found by the line it names in this message)`,
    'segment 6 (rule line): charged',
  ]);
});

it('a credit in a later message: matched on (sender, FT1-2), and another on (patient, code, date, amount)', async () => {
  await h.send(dftMessage({ controlId: 'CR-2A', patientId: 'CP2', lines: [
    { txn: 'IMM-50', code: '90471', amount: '25.00' },
    { txn: 'MTM-60', code: '99606', amount: '60.00', date: '20261104' },
  ] }));
  const first = await processed('CR-2A');
  const [imm, mtm] = await chargesOf(first);

  // The pharmacy system credits the immunization under its own transaction id (FT1-2), sent as a positive amount.
  await h.send(dftMessage({ controlId: 'CR-2B', patientId: 'CP2', lines: [{ txn: 'IMM-50', code: '90471', amount: '25.00', type: 'CD' }] }));
  const byId = await processed('CR-2B');
  const [creditById] = await chargesOf(byId);
  expect([creditById!.status, creditById!.reversal_of, String(creditById!.charge_amount)]).toEqual(['reversal', imm!.source_key, '25.00']);

  // Another system credits the MTM visit under a new id: found by patient, code, date of service and amount.
  await h.send(dftMessage({ controlId: 'CR-2C', patientId: 'CP2', lines: [{ txn: 'ADJ-9001', code: '99606', amount: '-60.00', type: 'CD', date: '20261104' }] }));
  const byAttributes = await processed('CR-2C');
  const [creditByAttributes] = await chargesOf(byAttributes);
  expect([creditByAttributes!.status, creditByAttributes!.reversal_of]).toEqual(['reversal', mtm!.source_key]);
  expect((await chargesOf(first)).map((c) => c.status)).toEqual(['reversed', 'reversed']);
  expect(await lineEvents(byAttributes)).toEqual([`segment 4 (rule line): reverses charge ${mtm!.id} (found by patient, code, date and amount)`]);

  // A second credit for the same line finds it reversed: held, never a second reversal, never a dead letter.
  await h.send(dftMessage({ controlId: 'CR-2D', patientId: 'CP2', lines: [{ txn: 'IMM-50', code: '90471', amount: '-25.00', type: 'CD' }] }));
  const again = await processed('CR-2D');
  expect((await chargesOf(again)).map((c) => [c.status, c.hold_reason])).toEqual([
    ['held', 'credit for 90471 on 2026-11-03, 25.00: the charge it names is already reversed'],
  ]);
});

it('a credit with no match is a held negative charge with its reason; the other line is charged; a replay later reverses', async () => {
  const ack = await h.send(dftMessage({ controlId: 'CR-3', patientId: 'CP3', lines: [
    { txn: 'IMM-80', code: '90471', amount: '25.00' },
    { txn: 'MTM-99C', code: '99605', amount: '-75.00', type: 'CD' },
  ] }));
  expect(ack).toMatch(/\rMSA\|AA\|CR-3/);
  const id = await processed('CR-3');
  const reason = 'credit for 99605 on 2026-11-03, 75.00: no charge found to reverse';
  const [charged, held] = await chargesOf(id);
  expect([charged!.status, String(charged!.charge_amount)]).toEqual(['active', '25.00']);
  expect([held!.status, held!.code, String(held!.charge_amount), held!.hold_reason, held!.reversal_of]).toEqual(['held', '99605', '-75.00', reason, null]);
  expect(await lineEvents(id)).toEqual(['segment 4 (rule line): charged', `segment 5 (rule line): held: ${reason}`]);

  // Listed with the unclaimed charges, with its reason; a build never claims it.
  const unclaimed = await h.api('GET', '/api/claims/unclaimed');
  expect(unclaimed.status).toBe(200);
  expect(unclaimed.json.held).toContainEqual({
    chargeId: String(held!.id), reason: 'charge-held', message: reason, messageId: id,
    patientRef: 'CP3', serviceDate: '2026-11-03', code: '99605', chargeAmount: '-75.00',
  });
  expect((await h.api('POST', '/api/claims/build')).status).toBe(200);
  const lines = await h.engine.store.db.selectFrom('claim_lines').select('charge_id').execute();
  expect(lines.map((l) => String(l.charge_id))).not.toContain(String(held!.id));

  // The charge it meant arrives late; replaying the credit's message turns the held credit into its reversal.
  await h.send(dftMessage({ controlId: 'CR-3L', patientId: 'CP3', lines: [{ txn: 'MTM-99', code: '99605', amount: '75.00' }] }));
  const late = await processed('CR-3L');
  const [lateCharge] = await chargesOf(late);
  expect((await h.api('POST', `/api/messages/${id}/replay`)).status).toBe(202);
  await waitFor(async () => (await chargesOf(id))[1]!.status === 'reversal', 20_000, 'the held credit to reverse the late charge');
  const [, reversal] = await chargesOf(id);
  expect([reversal!.id, reversal!.reversal_of, reversal!.hold_reason, String(reversal!.charge_amount)])
    .toEqual([held!.id, lateCharge!.source_key, null, '-75.00']);
  expect((await chargesOf(late))[0]!.status).toBe('reversed');
  expect((await chargesOf(id))[0]!.status).toBe('active'); // the other line is not written twice
});
