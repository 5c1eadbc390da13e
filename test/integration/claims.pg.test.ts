/**
 * Claims on real Postgres: build → scrub → batch (control numbers never reused, a failed batch rolls back its
 * numbers and leaves no file) → 835 (refused when unbalanced, recorded once) → statuses → reports, then
 * reversals: a sent claim replaced (frequency 7), an unsent claim released and rebuilt, a denied claim's line
 * dropped. The 835s are synthetic, written for the claims the test batched.
 */
import fs from 'node:fs';
import path from 'node:path';
import { sql } from 'kysely';
import type { BillingConfig } from '../../src/billing/config';
import { check837P } from '../../src/billing/x12-837p-check';
import { loadPayerRulesDir } from '../../src/billing/scrub/payer-rules-files';
import { EngineError } from '../../src/core/errors';
import { ClaimsService } from '../../src/store/claims-service';
import { openStore, type Store } from '../../src/store/db';
import {
  billingConfig, insertCharge, insertCoverage, insertMessage, insertPatient, reverseCharge, tempDir, write277CA, write835, write999,
} from './claims-support';
import { createTestDatabase, ROOT } from './support';

const NOW = new Date('2026-02-01T12:00:00Z');
const ACTOR = 'test';

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

const statusOf = async (id: string) => (await claims.get(id))!.status;
const claimWith = async (chargeId: string) => {
  const row = await store.db.selectFrom('claim_lines').select('claim_id').where('charge_id', '=', chargeId).where('state', '=', 'active')
    .executeTakeFirstOrThrow();
  return (await claims.get(String(row.claim_id)))!;
};
const outboxFiles = () => fs.readdirSync(outbox).sort();

beforeAll(async () => {
  const db = await createTestDatabase();
  dropDb = db.drop;
  store = await openStore({ databaseUrl: db.url, poolSize: 4 });
  outbox = path.join(tempDir('rxb-outbox-'), 'outbox');
  config = billingConfig(outbox);
  claims = new ClaimsService({
    db: store.db, config, payerRules: loadPayerRulesDir(path.join(ROOT, 'billing/payer-rules')), clock: () => NOW,
  });
  messageId = await insertMessage(store.db, 'C-1');
  await insertPatient(store.db, 'P100');
  await insertCoverage(store.db, 'P100', 'SYNCOM01', 'CI');
  await insertPatient(store.db, 'P200', { birthDate: '1950-03-01' }); // Medicare, 75: high-dose flu vaccine fits
  await insertCoverage(store.db, 'P200', 'SYNMCR01', 'MB');
  await insertPatient(store.db, 'P300'); // no coverage
  const add = async (name: string, c: Parameters<typeof insertCharge>[2]) => { charge[name] = await insertCharge(store.db, messageId, c); };
  await add('flu-admin', { patient: 'P100', date: '2026-01-15', code: '90471', amount: '25.00', kind: 'immunization-admin' });
  await add('flu-product', { patient: 'P100', date: '2026-01-15', code: '90686', amount: '40.00', kind: 'vaccine-product' });
  await add('mtm', { patient: 'P100', date: '2026-01-16', code: '99605', amount: '75.00', kind: 'mtm', dx: ['E11.9'] });
  await add('mtm-extra', { patient: 'P100', date: '2026-01-16', code: '99607', amount: '40.00', kind: 'mtm', units: '2', dx: ['E11.9'] });
  await add('addon-alone', { patient: 'P100', date: '2026-01-17', code: '99607', amount: '60.00', kind: 'mtm', units: '2', dx: ['E11.9'] });
  await add('bad-dx', { patient: 'P100', date: '2026-01-19', code: '99606', amount: '50.00', kind: 'mtm', dx: ['NOTACODE'] });
  await add('mcr-admin', { patient: 'P200', date: '2026-01-15', code: 'G0008', amount: '33.00', kind: 'immunization-admin', system: 'HCPCS' });
  await add('mcr-product', { patient: 'P200', date: '2026-01-15', code: '90662', amount: '60.00', kind: 'vaccine-product' });
  await add('dispense', { patient: 'P200', date: '2026-01-15', code: '00006494300', amount: '12.00', kind: 'dispense', system: 'NDC' });
  await add('uncovered', { patient: 'P300', date: '2026-01-15', code: '90471', amount: '25.00', kind: 'immunization-admin' });
  // A failure injected after a batch has drawn its control numbers and staged its file: the batch insert fails.
  await sql`create table test_flags (fail_batches boolean not null)`.execute(store.db);
  await sql`
    create function test_fail_batch() returns trigger language plpgsql as $$
    begin
      if exists (select 1 from test_flags where fail_batches) then raise exception 'injected batch failure'; end if;
      return new;
    end $$`.execute(store.db);
  await sql`create trigger test_fail_batch before insert on claim_batches for each row execute function test_fail_batch()`.execute(store.db);
});

afterAll(async () => {
  await store?.close();
  await dropDb?.();
  fs.rmSync(path.dirname(outbox), { recursive: true, force: true });
});

describe('claims on Postgres', () => {
  it('builds claims per patient, payer and date; scrubs them to ready or held; lists what it did not claim', async () => {
    const built = await claims.build(ACTOR);
    expect(built.held).toEqual([{ chargeId: charge.uncovered, reason: 'no-coverage', message: 'no coverage on the date of service' }]);
    expect(built.excluded).toEqual([expect.objectContaining({ chargeId: charge.dispense, reason: 'ncpdp-route', payerId: 'SYNMCR01' })]);
    expect(built.created.map((c) => [c.payerId, c.lines, c.totalCharge, c.status, c.frequency])).toEqual([
      ['SYNCOM01', 2, '65.00', 'ready', '1'],
      ['SYNCOM01', 2, '115.00', 'ready', '1'],
      ['SYNCOM01', 1, '60.00', 'held', '1'],
      ['SYNCOM01', 1, '50.00', 'held', '1'],
      ['SYNMCR01', 2, '93.00', 'ready', '1'],
    ]);
    for (const c of built.created) expect(c.controlNumber).toMatch(/^RX[0-9A-Z]{2,18}$/);

    const held = await claimWith(charge['bad-dx']!);
    expect(held.findings).toEqual(expect.arrayContaining([expect.objectContaining({ ruleId: 'icd10-format', severity: 'error' })]));
    expect((await claimWith(charge['addon-alone']!)).findings)
      .toEqual(expect.arrayContaining([expect.objectContaining({ ruleId: 'add-on-pairing', severity: 'error' })]));
    expect(held.history.map((e) => [e.action, e.from_status, e.to_status])).toEqual([['build', null, 'draft'], ['scrub', 'draft', 'held']]);
    expect(held.claim).toMatchObject({ controlNumber: held.controlNumber, payer: { id: 'SYNCOM01' }, subscriber: { memberId: 'MEM-P100' } });

    // A second build finds nothing new: every claimable charge is on a claim.
    const again = await claims.build(ACTOR);
    expect(again.created).toEqual([]);
    expect(again.held.map((h) => h.chargeId)).toEqual([charge.uncovered]);
  });

  it('a batch that fails after drawing its numbers rolls them back and leaves no file; claims stay ready', async () => {
    await sql`insert into test_flags values (true)`.execute(store.db);
    const err = await claims.createBatches(ACTOR, 'SYNCOM01').catch((e: Error) => e);
    expect(String((err as Error).message)).toMatch(/injected batch failure/);
    const counters = await store.db.selectFrom('x12_counters').selectAll().execute();
    expect(counters).toEqual([]);
    expect(await store.db.selectFrom('claim_batches').select('id').execute()).toEqual([]);
    expect(fs.existsSync(outbox) ? outboxFiles() : []).toEqual([]);
    expect(await statusOf((await claimWith(charge['flu-admin']!)).id)).toBe('ready');
    await sql`delete from test_flags`.execute(store.db);
  });

  it('batches one 837P per payer, never a held claim; control numbers are unique and the file is in the outbox', async () => {
    const run = await claims.createBatches(ACTOR);
    expect(run.held).toEqual([]);
    expect(run.batches.map((b) => [b.payerId, b.interchangeControl, b.groupControl, b.transactionSetControl, b.claimIds.length, b.totalCharge, b.written]))
      .toEqual([['SYNCOM01', 1, 1, 1, 2, '180.00', true], ['SYNMCR01', 2, 2, 2, 1, '93.00', true]]);
    expect(outboxFiles()).toEqual(['837P-SYNCOM01-000000001.x12', '837P-SYNMCR01-000000002.x12']);
    for (const b of run.batches) {
      const stored = (await claims.batchX12(b.id))!;
      expect(fs.readFileSync(path.join(outbox, b.fileName), 'utf8')).toBe(stored.x12);
      expect(check837P(stored.x12)).toEqual([]);
      expect(stored.x12).toContain(`*${String(b.interchangeControl).padStart(9, '0')}*0*T*:~`);
    }
    const batched = await claimWith(charge['flu-admin']!);
    expect(batched.status).toBe('batched');
    expect(batched.batch).toMatchObject({ fileName: '837P-SYNCOM01-000000001.x12', interchangeControl: 1 });
    expect(await statusOf((await claimWith(charge['addon-alone']!)).id)).toBe('held');
    // Nothing left to batch: no new numbers are drawn.
    expect(await claims.createBatches(ACTOR)).toEqual({ batches: [], held: [] });
    expect(Number((await store.db.selectFrom('x12_counters').select('interchange').executeTakeFirstOrThrow()).interchange)).toBe(2);
  });

  it('an overridden held claim is batched with the next numbers (once, even when two batch runs race); the writer still refuses what it cannot write', async () => {
    const held = await claimWith(charge['addon-alone']!);
    const unwritable = await claimWith(charge['bad-dx']!);
    expect((await rejects(claims.override(held.id, 'ok', ACTOR))).code).toBe('BAD_REQUEST');
    await claims.override(held.id, 'payer pays the add-on alone per contract', ACTOR);
    await claims.override(unwritable.id, 'sure it is fine', ACTOR);
    const [b1, b2] = await Promise.all([claims.createBatches(ACTOR), claims.createBatches(ACTOR)]);
    const batches = [...b1.batches, ...b2.batches];
    expect(batches.map((b) => [b.interchangeControl, b.claimIds])).toEqual([[3, [held.id]]]);
    expect([...b1.held, ...b2.held]).toEqual([{ claimId: unwritable.id, reason: expect.stringMatching(/diagnosis 1 is not an ICD-10-CM code/) }]);
    const refused = (await claims.get(unwritable.id))!;
    expect(refused.status).toBe('held');
    expect(refused.override).toBeNull();
    expect(refused.findings).toEqual(expect.arrayContaining([expect.objectContaining({ ruleId: 'x12-writer', severity: 'error' })]));
    const after = (await claims.get(held.id))!;
    expect(after.status).toBe('batched');
    expect(after.override).toMatchObject({ reason: 'payer pays the add-on alone per contract', by: ACTOR });
    expect(after.history.map((e) => [e.action, e.to_status])).toEqual([
      ['build', 'draft'], ['scrub', 'held'], ['override', 'ready'], ['batch', 'batched'],
    ]);
    expect(after.history[2]!.reason).toBe('overridden: payer pays the add-on alone per contract (error findings: add-on-pairing)');
    const all = await store.db.selectFrom('claim_batches').select(['interchange_control', 'group_control', 'transaction_set_control']).execute();
    expect(new Set(all.map((b) => b.interchange_control)).size).toBe(all.length);
    expect(new Set(all.map((b) => b.group_control)).size).toBe(all.length);
  });

  it('acknowledgments: a 999 moves a batch to submitted; a 277CA accepts (payer claim number) or rejects; a rejected claim is corrected', async () => {
    const medicare = await claimWith(charge['mcr-admin']!);
    const medicareBatch = (await store.db.selectFrom('claim_batches').selectAll().where('id', '=', medicare.batch!.id).executeTakeFirstOrThrow());
    const ack = await claims.recordAcknowledgments(write999({
      groupControl: Number(medicareBatch.group_control), setControl: Number(medicareBatch.transaction_set_control), accepted: true,
    }), ACTOR);
    expect(ack).toEqual({ batches: [{ batchId: medicare.batch!.id, accepted: true, claims: 1 }], claims: [], unmatched: [] });
    expect(await statusOf(medicare.id)).toBe('submitted');
    expect((await claims.recordAcknowledgments(write999({ groupControl: 999, setControl: 1, accepted: false }), ACTOR)).unmatched)
      .toEqual(['GS06 999']);

    const addon = await claimWith(charge['addon-alone']!);
    const answer = await claims.recordAcknowledgments(write277CA([
      { controlNumber: medicare.controlNumber, category: 'A2', status: '20', charge: '93.00', payerClaimNumber: 'PCN-C' },
      { controlNumber: addon.controlNumber, category: 'A7', status: '562', charge: '60.00' },
    ]), ACTOR);
    expect(answer.claims.map((c) => [c.claimId, c.outcome, c.status])).toEqual([[medicare.id, 'accepted', 'accepted'], [addon.id, 'rejected', 'rejected']]);
    expect((await claims.get(medicare.id))!.payerClaimNumber).toBe('PCN-C');
    const rejected = (await claims.get(addon.id))!;
    expect(rejected.history.slice(-2).map((e) => [e.action, e.from_status, e.to_status])).toEqual([
      ['batch', 'ready', 'batched'], ['acknowledge', 'batched', 'rejected'],
    ]);
    expect(rejected.history.at(-1)!.reason).toBe('277CA: rejected (A7:562)');

    // Rejected returns to draft for fixing: scrubbed again, the old override no longer applies.
    const corrected = await claims.correct(addon.id, ACTOR);
    expect(corrected.status).toBe('held');
    const after = (await claims.get(addon.id))!;
    expect(after.override).toBeNull();
    expect(after.history.slice(-2).map((e) => [e.action, e.from_status, e.to_status])).toEqual([
      ['correct', 'rejected', 'draft'], ['scrub', 'draft', 'held'],
    ]);
  });

  it('refuses an unbalanced 835 whole (422, nothing recorded), records a balanced one once, and moves the claims', async () => {
    const vaccines = await claimWith(charge['flu-admin']!);
    const mtm = await claimWith(charge.mtm!);
    const remit = (amount?: string) => write835({
      trace: 'EFT-1001', payerName: 'SYNTHETIC COMMERCIAL HEALTH PLAN', payerId: 'SYNCOM01', paymentDate: '2026-02-10', paymentAmount: amount,
      claims: [
        {
          controlNumber: vaccines.controlNumber, status: '1', charge: '65.00', paid: '20.00', payerClaimNumber: 'PCN-A',
          services: [
            { code: '90471', charge: '25.00', paid: '20.00', date: '2026-01-15', adjustments: [{ group: 'CO', reason: '45', amount: '5.00' }] },
            { code: '90686', charge: '40.00', paid: '0.00', date: '2026-01-15', adjustments: [{ group: 'CO', reason: '96', amount: '40.00' }] },
          ],
        },
        {
          controlNumber: mtm.controlNumber, status: '1', charge: '115.00', paid: '105.00', patientResponsibility: '10.00', payerClaimNumber: 'PCN-B',
          services: [
            { code: '99605', charge: '75.00', paid: '65.00', adjustments: [{ group: 'PR', reason: '3', amount: '10.00' }] },
            { code: '99607', charge: '40.00', paid: '40.00' },
          ],
        },
        { controlNumber: 'RXNOTOURS9', status: '1', charge: '10.00', paid: '10.00' },
      ],
    });
    const unbalanced = await rejects(claims.recordRemittances(remit('999.00'), ACTOR));
    expect(unbalanced.code).toBe('REMITTANCE_UNBALANCED');
    expect(unbalanced.message).toMatch(/payment 999\.00 \(BPR02\) does not equal claims paid 135\.00/);
    expect(await store.db.selectFrom('remittances').select('id').execute()).toEqual([]);
    expect(await statusOf(vaccines.id)).toBe('batched');

    const [recorded] = await claims.recordRemittances(remit(), ACTOR);
    expect(recorded!.claims.map((c) => [c.claimId, c.outcome, c.status])).toEqual([[vaccines.id, 'partial', 'partial'], [mtm.id, 'paid', 'paid']]);
    expect(recorded!.unmatched).toEqual(['RXNOTOURS9']);
    expect((await rejects(claims.recordRemittances(remit(), ACTOR))).code).toBe('CONFLICT');

    const v = (await claims.get(vaccines.id))!;
    expect(v).toMatchObject({ status: 'partial', payerClaimNumber: 'PCN-A', paidAmount: '20.00' });
    expect(v.history.slice(-3).map((e) => [e.action, e.from_status, e.to_status])).toEqual([
      ['remit', 'batched', 'submitted'], ['remit', 'submitted', 'accepted'], ['remit', 'accepted', 'partial'],
    ]);
    expect(v.lines.map((l) => [l.code, l.paidAmount])).toEqual([['90471', '20.00'], ['90686', '0.00']]);
    expect(v.payments).toEqual([expect.objectContaining({
      traceNumber: 'EFT-1001', outcome: 'partial', paid: '20.00', daysToPayment: 9,
      lines: [
        expect.objectContaining({ lineNumber: 1, outcome: 'paid', adjustments: [{ group: 'CO', reason: '45', amount: '5.00' }] }),
        expect.objectContaining({ lineNumber: 2, outcome: 'denied', paid: '0.00' }),
      ],
    })]);
    expect((await claims.get(mtm.id))!).toMatchObject({ status: 'paid', patientResponsibility: '10.00', paidAmount: '105.00' });
  });

  it('a denied 835 claim; payer report (denial rate, days to payment) and revenue', async () => {
    const medicare = await claimWith(charge['mcr-admin']!);
    const [r] = await claims.recordRemittances(write835({
      trace: 'CHK-2001', payerName: 'SYNTHETIC MEDICARE PART B', payerId: 'SYNMCR01', paymentDate: '2026-02-12', interchange: 502,
      claims: [{
        controlNumber: medicare.controlNumber, status: '4', charge: '93.00', paid: '0.00', payerClaimNumber: 'PCN-C',
        adjustments: [{ group: 'CO', reason: '29', amount: '93.00' }],
      }],
    }), ACTOR);
    expect(r!.claims.map((c) => c.status)).toEqual(['denied']);

    const payers = await claims.payers();
    expect(payers).toEqual([
      expect.objectContaining({ payerId: 'SYNCOM01', claims: 2, adjudicated: 2, denied: 0, denialRate: 0, averageDaysToPayment: 9, paid: '125.00' }),
      expect.objectContaining({ payerId: 'SYNMCR01', claims: 1, adjudicated: 1, denied: 1, denialRate: 1, averageDaysToPayment: null }),
    ]);
    expect(await claims.revenue('payer')).toEqual([
      { key: 'SYNCOM01', claims: 2, lines: 4, charged: '180.00', paid: '125.00', patientResponsibility: '10.00' },
      { key: 'SYNMCR01', claims: 1, lines: 2, charged: '93.00', paid: '0.00', patientResponsibility: '0.00' },
    ]);
    const byService = await claims.revenue('service');
    expect(byService.find((s) => s.key === 'mtm')).toEqual({ key: 'mtm', claims: 1, lines: 2, charged: '115.00', paid: '105.00', patientResponsibility: '10.00' });
    expect(await claims.revenue('month')).toEqual([expect.objectContaining({ key: '2026-01', claims: 3, lines: 6 })]);
  });

  it('a reversal on a paid claim builds a replacement (7) with REF*F8; on a denied claim the line is dropped', async () => {
    const paid = await claimWith(charge['mtm-extra']!);
    const denied = await claimWith(charge['mcr-admin']!);
    await reverseCharge(store.db, messageId, charge['mtm-extra']!);
    await reverseCharge(store.db, messageId, charge['mcr-admin']!);
    const built = await claims.build(ACTOR);
    expect(built.created.map((c) => [c.frequency, c.lines, c.totalCharge, c.status])).toEqual([['7', 1, '75.00', 'ready']]);
    const replacement = (await claims.get(built.created[0]!.id))!;
    expect(replacement).toMatchObject({ correctsClaimId: paid.id, payerClaimNumber: 'PCN-B', claim: { frequency: '7', payerClaimNumber: 'PCN-B' } });
    expect(replacement.lines.map((l) => [l.code, l.chargeId, l.state])).toEqual([['99605', charge.mtm, 'active']]);
    const original = (await claims.get(paid.id))!;
    expect(original.status).toBe('paid');
    expect(original.lines.map((l) => l.state)).toEqual(['superseded', 'superseded']);
    expect(original.corrections).toEqual([expect.objectContaining({ id: replacement.id, frequency: '7' })]);
    expect(original.history.at(-1)).toMatchObject({ action: 'replace', reason: expect.stringMatching(/^corrected by claim \d+ \(frequency 7\)/) });
    const d = (await claims.get(denied.id))!;
    expect(d.lines.map((l) => [l.code, l.state])).toEqual([['G0008', 'dropped'], ['90662', 'active']]);
    expect(d.history.at(-1)).toMatchObject({ action: 'note', reason: expect.stringMatching(/on a denied claim; nothing to correct$/) });

    const run = await claims.createBatches(ACTOR);
    expect(run.batches.map((b) => [b.interchangeControl, b.claimIds])).toEqual([[4, [replacement.id]]]);
    const x12 = (await claims.batchX12(run.batches[0]!.id))!.x12;
    expect(x12).toContain('REF*F8*PCN-B~');
    expect(x12).toMatch(/CLM\*RX[0-9A-Z]+\*75\*\*\*01:B:7\*/);
    expect(check837P(x12)).toEqual([]);
  });

  it('a reversal before the claim was sent voids it in place and claims the other charges again', async () => {
    const admin = await insertCharge(store.db, messageId, { patient: 'P100', date: '2026-01-20', code: '99605', amount: '75.00', kind: 'mtm', dx: ['I10'] });
    const extra = await insertCharge(store.db, messageId, { patient: 'P100', date: '2026-01-20', code: '99607', amount: '20.00', kind: 'mtm', dx: ['I10'] });
    const first = (await claims.build(ACTOR)).created;
    expect(first.map((c) => [c.lines, c.status])).toEqual([[2, 'ready']]);
    await reverseCharge(store.db, messageId, extra);
    const second = await claims.build(ACTOR);
    expect(second.released).toEqual([first[0]!.id]);
    expect(second.created.map((c) => [c.frequency, c.lines, c.totalCharge])).toEqual([['1', 1, '75.00']]);
    const voided = (await claims.get(first[0]!.id))!;
    expect(voided.status).toBe('voided');
    expect(voided.lines.map((l) => l.state)).toEqual(['released', 'released']);
    expect((await claimWith(admin)).id).toBe(second.created[0]!.id);
  });

  it('an operator voids an unsent claim (its charges are not claimed again) and a sent one (a void claim, 8)', async () => {
    const unsent = await claimWith((await store.db.selectFrom('claim_lines').select('charge_id').where('claim_id', '=',
      (await claims.list({ status: 'ready', limit: 50 })).find((c) => c.frequency === '1')!.id).executeTakeFirstOrThrow()).charge_id);
    await claims.void(unsent.id, 'patient paid cash at the counter', ACTOR);
    expect((await claims.build(ACTOR)).created).toEqual([]);
    expect((await claims.get(unsent.id))!.lines.map((l) => l.state)).toEqual(['dropped']);

    const partial = await claimWith(charge['flu-admin']!);
    const { voidClaim } = await claims.void(partial.id, 'billed to the wrong payer', ACTOR);
    expect(voidClaim).toMatchObject({ frequency: '8', status: 'ready', lines: 2, totalCharge: '65.00' });
    expect((await claims.get(voidClaim!.id))!.claim).toMatchObject({ frequency: '8', payerClaimNumber: 'PCN-A' });
    expect((await rejects(claims.void(partial.id, 'again please', ACTOR))).code).toBe('CONFLICT');
    expect((await rejects(claims.close(voidClaim!.id, '', ACTOR))).code).toBe('CONFLICT');
    const replacement = await claimWith(charge.mtm!);
    expect((await rejects(claims.close(replacement.id, 'done', ACTOR))).code).toBe('CONFLICT'); // batched, not adjudicated
    expect(await claims.close(replacement.correctsClaimId!, 'replacement sent', ACTOR)).toMatchObject({ status: 'closed' });
  });

  it('a correction waits (held) for the payer claim number, and the build after the 277CA that gives it releases it', async () => {
    const first = await insertCharge(store.db, messageId, { patient: 'P100', date: '2026-01-21', code: '99605', amount: '75.00', kind: 'mtm', dx: ['I10'] });
    const extra = await insertCharge(store.db, messageId, { patient: 'P100', date: '2026-01-21', code: '99607', amount: '20.00', kind: 'mtm', dx: ['I10'] });
    const [original] = (await claims.build(ACTOR)).created;
    await claims.createBatches(ACTOR, 'SYNCOM01');
    expect(await statusOf(original!.id)).toBe('batched');
    await reverseCharge(store.db, messageId, extra);
    const [correction] = (await claims.build(ACTOR)).created;
    expect(correction).toMatchObject({ frequency: '7', status: 'held', lines: 1 });
    expect((await claims.get(correction!.id))!.findings)
      .toEqual(expect.arrayContaining([expect.objectContaining({ ruleId: 'frequency-reference', severity: 'error' })]));

    await claims.recordAcknowledgments(write277CA([
      { controlNumber: original!.controlNumber, category: 'A2', status: '20', charge: '95.00', payerClaimNumber: 'PCN-D' },
    ]), ACTOR);
    const next = await claims.build(ACTOR);
    expect(next.created).toEqual([]);
    expect(next.rescrubbed.map((c) => [c.id, c.status])).toEqual([[correction!.id, 'ready']]);
    const ready = (await claims.get(correction!.id))!;
    expect(ready).toMatchObject({ payerClaimNumber: 'PCN-D', claim: { frequency: '7', payerClaimNumber: 'PCN-D' } });
    expect(ready.history.slice(-2).map((e) => [e.action, e.to_status])).toEqual([['correct', 'draft'], ['scrub', 'ready']]);
    expect((await claimWith(first)).id).toBe(correction!.id);
  });
});
