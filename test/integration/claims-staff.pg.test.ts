/**
 * Staff time on claims, on real Postgres: a biller edits a held claim (diagnoses, modifiers, units) and the edit
 * survives a correct; a clearinghouse 999 rejects the batch with IK3/IK4 errors, and the claim shows which segment
 * and element were refused and why (the raw file kept); a rejected claim is edited and sent again; a late charge on
 * an encounter already sent is held naming the claim, and the replacement (frequency 7) carries the old lines, the
 * late one and REF*F8. All data synthetic.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { BillingConfig } from '../../src/billing/config';
import { loadPayerRulesDir } from '../../src/billing/scrub/payer-rules-files';
import { EngineError } from '../../src/core/errors';
import { ClaimsService } from '../../src/store/claims-service';
import { openStore, type Store } from '../../src/store/db';
import { readInterchanges } from '../../src/x12';
import {
  billingConfig, insertCharge, insertCoverage, insertMessage, insertPatient, tempDir, write277CA, write999,
} from './claims-support';
import { createTestDatabase, ROOT } from './support';

const NOW = new Date('2026-02-01T12:00:00Z');

let store: Store;
let dropDb: () => Promise<void>;
let outbox: string;
let config: BillingConfig;
let claims: ClaimsService;
let messageId: string;
const charge: Record<string, string> = {};

async function rejects(p: Promise<unknown>): Promise<EngineError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(EngineError);
    return err as EngineError;
  }
  throw new Error('expected an EngineError');
}

const claimWith = async (chargeId: string) => {
  const row = await store.db.selectFrom('claim_lines').select('claim_id').where('charge_id', '=', chargeId).where('state', '=', 'active')
    .executeTakeFirstOrThrow();
  return (await claims.get(String(row.claim_id)))!;
};

/** A 999 for our batch with the given IK3/IK4 segments, rejecting the set. */
function reject999(groupControl: number, setControl: number, errors: string[]): string {
  const body = ['ST*999*0001*005010X231A1', `AK1*HC*${groupControl}*005010X222A1`, `AK2*837*${String(setControl).padStart(4, '0')}*005010X222A1`,
    ...errors, 'IK5*R*5', 'AK9*R*1*1*0'];
  return ['ISA*00*          *00*          *ZZ*RECEIVERID     *ZZ*SUBMITTERID    *260202*0900*^*00501*000000611*0*T*:',
    'GS*FA*RECEIVERID*SUBMITTERID*20260202*0900*611*X*005010X231A1', ...body, `SE*${body.length + 1}*0001`, 'GE*1*611', 'IEA*1*000000611']
    .map((s) => `${s}~`).join('\n');
}

/** Position (ST = 1) of the first segment of the batch's set that `match` accepts. */
function positionIn(x12: string, match: (id: string, elements: string[]) => boolean): number {
  const set = readInterchanges(x12)[0]!.groups[0]!.transactionSets[0]!;
  return set.segments.findIndex((s) => match(s.id, s.elements.map((e) => e[0]?.[0] ?? ''))) + 1;
}

beforeAll(async () => {
  const db = await createTestDatabase();
  dropDb = db.drop;
  store = await openStore({ databaseUrl: db.url, poolSize: 4 });
  outbox = path.join(tempDir('rxb-staff-'), 'outbox');
  config = billingConfig(outbox);
  claims = new ClaimsService({ db: store.db, config, payerRules: loadPayerRulesDir(path.join(ROOT, 'billing/payer-rules')), clock: () => NOW });
  messageId = await insertMessage(store.db, 'S-1');
  await insertPatient(store.db, 'P100');
  await insertCoverage(store.db, 'P100', 'SYNCOM01', 'CI');
  const add = async (name: string, c: Parameters<typeof insertCharge>[2]) => { charge[name] = await insertCharge(store.db, messageId, c); };
  await add('flu-admin', { patient: 'P100', date: '2026-01-15', code: '90471', amount: '25.00', kind: 'immunization-admin' });
  await add('flu-product', { patient: 'P100', date: '2026-01-15', code: '90686', amount: '40.00', kind: 'vaccine-product' });
  await add('mtm', { patient: 'P100', date: '2026-01-16', code: '99605', amount: '75.00', kind: 'mtm', dx: ['E11'] });
  await add('mtm-extra', { patient: 'P100', date: '2026-01-16', code: '99607', amount: '40.00', kind: 'mtm', units: '2', dx: ['NOTACODE'] });
});

afterAll(async () => {
  await store?.close();
  await dropDb?.();
  fs.rmSync(path.dirname(outbox), { recursive: true, force: true });
});

describe('staff time on claims', () => {
  it('a held claim\'s diagnoses, modifiers and units are edited: scrubbed to ready, history before → after, kept by correct', async () => {
    await claims.build('biller');
    const held = await claimWith(charge.mtm!);
    expect(held.status).toBe('held');
    expect(held.findings).toEqual(expect.arrayContaining([expect.objectContaining({ ruleId: 'icd10-format', severity: 'error' })]));

    const edited = await claims.edit(held.id, { diagnoses: ['E11.9', 'Z79.4'], lines: [{ lineNumber: 2, modifiers: ['59'], units: '3' }] }, 'pat.biller');
    expect((await claims.get(held.id))!.findings.filter((f) => f.severity === 'error')).toEqual([]);
    expect(edited).toMatchObject({ id: held.id, status: 'ready' });
    expect(edited.changes).toEqual(['diagnoses E11, NOTACODE → E11.9, Z79.4', 'line 2 (99607) modifiers none → 59', 'line 2 (99607) units 2 → 3']);
    const after = (await claims.get(held.id))!;
    expect(after.claim).toMatchObject({ diagnoses: ['E11.9', 'Z79.4'] });
    expect(after.claim.lines[1]).toMatchObject({ code: '99607', modifiers: ['59'], units: '3', chargeAmount: '40.00' });
    expect(after.lines[1]).toMatchObject({ modifiers: ['59'] });
    expect(Number(after.lines[1]!.units)).toBe(3);
    expect(after.edits).toEqual({ diagnoses: ['E11.9', 'Z79.4'], lines: { [charge['mtm-extra']!]: { modifiers: ['59'], units: '3' } } });
    expect(after.history.slice(-2).map((e) => [e.action, e.from_status, e.to_status, e.actor, e.reason])).toEqual([
      ['edit', 'held', 'draft', 'pat.biller', `edited: ${edited.changes.join('; ')}`],
      ['scrub', 'draft', 'ready', 'pat.biller', expect.stringMatching(/^0 errors/)],
    ]);

    // Correct rebuilds from the charges (still E11 and NOTACODE): the edit is applied again.
    expect((await claims.correct(held.id, 'pat.biller')).status).toBe('ready');
    const corrected = (await claims.get(held.id))!;
    expect(corrected.claim).toMatchObject({ diagnoses: ['E11.9', 'Z79.4'] });
    expect(corrected.claim.lines[1]).toMatchObject({ modifiers: ['59'], units: '3' });

    expect((await rejects(claims.edit('999999', { placeOfService: '12' }, 'pat.biller'))).code).toBe('NOT_FOUND');
    expect((await rejects(claims.edit(held.id, { lines: [{ lineNumber: 7, units: '1' }] }, 'pat.biller'))).message).toBe('the claim has no line 7');
  });

  it('a 999 rejection shows on each claim which segment and element were refused and why; the raw file is kept', async () => {
    const run = await claims.createBatches('biller');
    expect(run.batches).toHaveLength(1);
    const batch = run.batches[0]!;
    const x12 = (await claims.batchX12(batch.id))!.x12;
    const flu = await claimWith(charge['flu-admin']!);
    const mtm = await claimWith(charge.mtm!);
    const fluClm = positionIn(x12, (id, e) => id === 'CLM' && e[0] === flu.controlNumber);
    const fluSv1 = positionIn(x12, (id, e) => id === 'SV1' && e[0] === 'HC') + 0;
    expect(fluClm).toBeGreaterThan(0);
    const text = reject999(batch.groupControl, batch.transactionSetControl, [
      `IK3*CLM*${fluClm}*2300*8`, 'IK4*5*1331*7', `IK3*SV1*${fluSv1}*2400*8`, 'IK4*1:2*234*7',
    ]);
    const ack = await claims.recordAcknowledgments(text, 'biller');
    expect(ack.batches).toEqual([{ batchId: batch.id, accepted: false, claims: 2 }]);

    const rejected = (await claims.get(flu.id))!;
    expect(rejected.status).toBe('rejected');
    expect(rejected.acknowledgments).toHaveLength(1);
    const detail = rejected.acknowledgments[0]!;
    expect(detail).toMatchObject({ kind: '999', outcome: 'rejected', setStatus: 'R' });
    expect(detail.errors!.map((e) => e.label)).toEqual([
      `CLM segment (segment ${fluClm}, loop 2300): segment has data element errors`,
      `CLM05 (element 5 of CLM at segment ${fluClm}, loop 2300, data element 1331): invalid code value`,
      `SV1 segment (segment ${fluSv1}, loop 2400): segment has data element errors`,
      `SV101-2 (element 1 of SV1 at segment ${fluSv1}, loop 2400, data element 234): invalid code value`,
      'transaction set: one or more segments in error',
    ]);
    // The other claim of the set only carries what concerns the whole set.
    const other = (await claims.get(mtm.id))!;
    expect(other.acknowledgments[0]!.errors!.map((e) => e.label)).toEqual(['transaction set: one or more segments in error']);
    expect(await claims.acknowledgmentX12(detail.acknowledgmentId)).toEqual({ kind: '999', x12: text });
  });

  it('a rejected claim is edited (place of service) and sent again; the 277CA codes show in words', async () => {
    const flu = await claimWith(charge['flu-admin']!);
    expect((await claims.edit(flu.id, { placeOfService: '12' }, 'pat.biller')).status).toBe('ready');
    const mtm = await claimWith(charge.mtm!);
    await claims.correct(mtm.id, 'pat.biller');
    const run = await claims.createBatches('biller');
    const batch = run.batches[0]!;
    expect(batch.claimIds.sort()).toEqual([flu.id, mtm.id].sort());
    expect((await claims.batchX12(batch.id))!.x12).toMatch(new RegExp(`CLM\\*${flu.controlNumber}\\*65\\*\\*\\*12:B:1`));
    await claims.recordAcknowledgments(write999({ groupControl: batch.groupControl, setControl: batch.transactionSetControl, accepted: true }), 'biller');
    await claims.recordAcknowledgments(write277CA([
      { controlNumber: flu.controlNumber, category: 'A2', status: '20', charge: '65', payerClaimNumber: 'PCN-FLU-1' },
      { controlNumber: mtm.controlNumber, category: 'A2', status: '20', charge: '155' },
    ]), 'biller');
    const accepted = (await claims.get(flu.id))!;
    expect(accepted).toMatchObject({ status: 'accepted', payerClaimNumber: 'PCN-FLU-1' });
    expect(accepted.acknowledgments.map((a) => [a.kind, a.outcome])).toEqual([['999', 'rejected'], ['999', 'accepted'], ['277CA', 'accepted']]);
    expect(accepted.acknowledgments[2]!.statuses!.map((s) => s.label)).toEqual(['A2:20:85 accepted into adjudication: accepted for processing (billing provider)']);
    expect((await rejects(claims.edit(flu.id, { placeOfService: '01' }, 'pat.biller'))).message).toContain('void it or replace it');
  });

  it('a late charge on the sent encounter is held naming the claim; replace sends a frequency-7 claim with every line and REF*F8', async () => {
    const flu = await claimWith(charge['flu-admin']!);
    charge.late = await insertCharge(store.db, messageId, { patient: 'P100', date: '2026-01-15', code: '99211', amount: '20.00', kind: 'other', dx: ['Z23'] });
    const preview = await claims.unclaimed();
    expect(preview.held).toContainEqual(expect.objectContaining({ chargeId: charge.late, reason: 'encounter-billed', claimId: flu.id }));
    const built = await claims.build('biller');
    expect(built.created).toEqual([]);
    expect(built.held).toContainEqual({
      chargeId: charge.late, reason: 'encounter-billed', payerId: 'SYNCOM01', claimId: flu.id,
      message: `encounter already billed on claim ${flu.id}: replace it (POST /api/claims/${flu.id}/replace)`,
    });

    const r = await claims.replace(flu.id, 'pat.biller');
    expect(r.addedCharges).toEqual([charge.late]);
    expect(r.replacement).toMatchObject({ frequency: '7', status: 'ready', lines: 3, totalCharge: '85.00' });
    const rep = (await claims.get(r.replacement.id))!;
    expect(rep).toMatchObject({ correctsClaimId: flu.id, payerClaimNumber: 'PCN-FLU-1' });
    // The operator's place of service on the sent claim stays on its replacement.
    expect(rep.claim).toMatchObject({ placeOfService: '12', payerClaimNumber: 'PCN-FLU-1' });
    expect(rep.lines.map((l) => [l.lineNumber, l.code, l.chargeId])).toEqual([
      [1, '90471', charge['flu-admin']], [2, '90686', charge['flu-product']], [3, '99211', charge.late]]);
    const original = (await claims.get(flu.id))!;
    expect(original.lines.map((l) => l.state)).toEqual(['superseded', 'superseded']);
    expect(original.corrections).toEqual([{ id: r.replacement.id, controlNumber: rep.controlNumber, frequency: '7', status: 'ready' }]);
    expect(original.history.at(-1)).toMatchObject({ action: 'replace', actor: 'pat.biller' });
    expect((await claims.build('biller')).held.map((h) => h.chargeId)).not.toContain(charge.late);

    const run = await claims.createBatches('biller');
    const sent = (await claims.batchX12(run.batches[0]!.id))!.x12;
    expect(sent).toMatch(new RegExp(`CLM\\*${rep.controlNumber}\\*85\\*\\*\\*12:B:7`));
    expect(sent).toContain('REF*F8*PCN-FLU-1~');
    expect((await rejects(claims.replace(flu.id, 'pat.biller'))).code).toBe('CONFLICT');
  });
});
