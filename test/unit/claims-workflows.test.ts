/**
 * The claim workflows (src/billing/workflows) against the in-memory claims store: build → held/ready, override,
 * void of an unsent and of a sent claim (frequency 8), correct, batching (control numbers, a writer refusal → held,
 * an outbox failure rolls the batch back). No database: the Postgres behaviour is test/integration/claims.pg.test.ts.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { ChargeInput, CoverageInput, PatientInput } from '../../src/billing/claims/inputs';
import { parseBillingConfigText } from '../../src/billing/config';
import { loadPayerRulesDir } from '../../src/billing/scrub/payer-rules-files';
import { close, correct, editClaim, override, replaceClaim, voidClaim } from '../../src/billing/workflows/actions';
import { createBatches } from '../../src/billing/workflows/batching';
import { build, unclaimed } from '../../src/billing/workflows/build';
import { codeSetScrubber } from '../../src/billing/workflows/scrubber';
import type { ClaimsContext, X12Writer } from '../../src/billing/workflows/types';
import { EngineError } from '../../src/core/errors';
import { MemoryClaimsStore, MemoryOutbox } from '../support/memory-claims-store';

const ROOT = path.join(__dirname, '../..');
const config = parseBillingConfigText(fs.readFileSync(path.join(ROOT, 'billing/billing.yaml'), 'utf8'), 'billing.yaml', {}, '/data');
const payerRules = loadPayerRulesDir(path.join(ROOT, 'billing/payer-rules'));
const NOW = new Date('2026-02-01T12:00:00Z');
// The in-memory store holds no code-set release, so the pharmacy here requires none (billing.yaml requiredCodeSets:
// default []): what is tested is the workflows, not the code sets (test/integration/code-requirements.pg.test.ts).
const ctx: ClaimsContext = {
  config, actor: 'biller', now: NOW, payerRules,
  scrub: codeSetScrubber(payerRules, () => '2026-02-01', { default: [], payers: {} }),
};

let seq = 0;
function charge(over: Partial<ChargeInput> = {}): ChargeInput {
  return {
    id: String(++seq), status: 'active', serviceDate: '2026-01-15', patientRef: 'P100', serviceKind: 'immunization-admin',
    codeSystem: 'CPT', code: '90471', modifiers: [], units: '1', chargeAmount: '25.00', diagnoses: ['Z23'],
    renderingNpi: null, orderingNpi: null, ndc: null, ndcQuantity: null, ndcUnit: null, rxNumber: null, placeOfService: null,
    ...over,
  };
}
const patient = (ref: string): PatientInput => ({
  patientRef: ref, familyName: 'TESTPATIENT', givenName: 'ALEX', birthDate: '1980-01-01', sex: 'F',
  addressLine1: '1 ELM ST', addressLine2: null, city: 'ANYTOWN', state: 'NY', postalCode: '10001',
});
const coverage = (ref: string, payerId: string, planType: string): CoverageInput => ({
  id: `cov-${ref}`, patientRef: ref, payerId, payerName: payerId, memberId: `MEM-${ref}`, groupNumber: 'GRP1', groupName: null,
  planType, relationship: '18', priority: 1, effectiveDate: '2025-01-01', expirationDate: null, asOf: '2025-12-01T00:00:00.000Z',
  subscriberFamilyName: null, subscriberGivenName: null, subscriberBirthDate: null, subscriberSex: null,
});

const writer = (refuse: (id: string) => string | undefined = () => undefined): X12Writer => ({
  write: (claims, control) => `ISA*${control.interchange}*${claims.map((c) => c.id).join(',')}~`,
  check: (claim) => {
    const why = refuse(claim.id);
    if (why) throw new EngineError('CLAIM_INVALID', why);
  },
});

async function rejects(p: Promise<unknown>): Promise<EngineError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(EngineError);
    return err as EngineError;
  }
  throw new Error('expected an EngineError');
}

let store: MemoryClaimsStore;
const c: Record<string, ChargeInput> = {};

beforeEach(() => {
  store = new MemoryClaimsStore();
  store.addPatient(patient('P100'), coverage('P100', 'SYNCOM01', 'CI'));
  // A Medicare patient old enough for the high-dose flu product (90662 is licensed from 65).
  store.addPatient({ ...patient('P200'), birthDate: '1950-03-01' }, coverage('P200', 'SYNMCR01', 'MB'));
  store.addPatient(patient('P300'));
  const add = (name: string, over: Partial<ChargeInput>) => { c[name] = charge(over); store.addCharge(c[name]!); };
  add('flu-admin', {});
  add('flu-product', { code: '90686', chargeAmount: '40.00', serviceKind: 'vaccine-product' });
  add('bad-dx', { serviceDate: '2026-01-19', code: '99606', chargeAmount: '50.00', serviceKind: 'mtm', diagnoses: ['NOTACODE'] });
  add('mcr-admin', { patientRef: 'P200', code: 'G0008', codeSystem: 'HCPCS', chargeAmount: '33.00' });
  add('mcr-product', { patientRef: 'P200', code: '90662', chargeAmount: '60.00', serviceKind: 'vaccine-product' });
  add('uncovered', { patientRef: 'P300' });
});

describe('build', () => {
  it('claims each encounter once: clean claims ready, a bad diagnosis held, a charge without coverage left unclaimed', async () => {
    const preview = await unclaimed(store, config);
    expect(preview.claimable).toBe(5);
    expect(preview.held.map((h) => [h.chargeId, h.reason])).toEqual([[c.uncovered!.id, 'no-coverage']]);

    const built = await build(store, ctx);
    expect(built.created).toHaveLength(3);
    const flu = store.claimOf(c['flu-admin']!.id)!;
    expect(store.claimOf(c['flu-product']!.id)!.id).toBe(flu.id);
    expect(flu).toMatchObject({ status: 'ready', frequency: '1', payerId: 'SYNCOM01', totalCharge: '65.00' });
    const bad = store.claimOf(c['bad-dx']!.id)!;
    expect(bad.status).toBe('held');
    expect(bad.findings.some((f) => f.severity === 'error' && f.ruleId === 'icd10-format')).toBe(true);
    expect(store.eventsOf(bad.id).map((e) => [e.action, e.from, e.to])).toEqual([['build', null, 'draft'], ['scrub', 'draft', 'held']]);
    expect(built.held.map((h) => h.chargeId)).toEqual([c.uncovered!.id]);

    // A second build claims nothing again.
    expect((await build(store, ctx)).created).toEqual([]);
  });

  it('releases an unsent claim whose charge was reversed and claims its other charges again', async () => {
    await build(store, ctx);
    const before = store.claimOf(c['flu-admin']!.id)!;
    store.reverseCharge(c['flu-product']!.id);
    const built = await build(store, ctx);
    expect(built.released).toEqual([before.id]);
    const after = store.claimOf(c['flu-admin']!.id)!;
    expect(after.id).not.toBe(before.id);
    expect(after.claim.lines.map((l) => l.code)).toEqual(['90471']);
    expect(store.state.claims.get(before.id)!.status).toBe('voided');
  });
});

describe('operator actions', () => {
  it('override: a held claim goes to ready with the reason; a ready claim cannot be overridden', async () => {
    await build(store, ctx);
    const bad = store.claimOf(c['bad-dx']!.id)!;
    const r = await override(store, bad.id, 'payer confirmed the code by phone', 'lead');
    expect(r.status).toBe('ready');
    expect(store.state.claims.get(bad.id)!.overridden).toBe(true);
    expect(store.eventsOf(bad.id).at(-1)).toMatchObject({ action: 'override', from: 'held', to: 'ready', actor: 'lead' });
    expect(store.eventsOf(bad.id).at(-1)!.reason).toContain('icd10-format');
    expect((await rejects(override(store, bad.id, 'again please', 'lead'))).code).toBe('CONFLICT');
  });

  it('void of an unsent claim voids it in place and its charges are never claimed again', async () => {
    await build(store, ctx);
    const flu = store.claimOf(c['flu-admin']!.id)!;
    const r = await voidClaim(store, flu.id, 'entered twice', ctx);
    expect(r.voided.status).toBe('voided');
    expect(r.voidClaim).toBeUndefined();
    expect(store.linesOf(flu.id).map((l) => l.state)).toEqual(['dropped', 'dropped']);
    expect((await build(store, ctx)).created).toEqual([]);
  });

  it('void of a sent claim builds a frequency-8 claim naming the payer claim number; a second void waits for it', async () => {
    await build(store, ctx);
    const flu = store.claimOf(c['flu-admin']!.id)!;
    store.setClaim(flu.id, { status: 'accepted', payerClaimNumber: 'PCN-77' });
    const r = await voidClaim(store, flu.id, 'patient was not seen', ctx);
    const v = store.state.claims.get(r.voidClaim!.id)!;
    expect(v).toMatchObject({ frequency: '8', correctsClaimId: flu.id, payerClaimNumber: 'PCN-77' });
    expect(v.claim.lines.map((l) => l.code)).toEqual(['90471', '90686']);
    expect(store.linesOf(flu.id).map((l) => l.state)).toEqual(['superseded', 'superseded']);
    expect(store.eventsOf(flu.id).at(-1)).toMatchObject({ action: 'replace', reason: expect.stringContaining(`corrected by claim ${v.id} (frequency 8)`) });
    expect((await rejects(voidClaim(store, flu.id, 'patient was not seen', ctx))).message).toContain(`claim ${v.id}`);
  });

  it('a failed operation leaves nothing behind (the unit of work rolls back)', async () => {
    await build(store, ctx);
    const flu = store.claimOf(c['flu-admin']!.id)!;
    const events = store.state.events.length;
    expect((await rejects(close(store, flu.id, 'done', 'lead'))).code).toBe('CONFLICT');
    expect(store.state.events.length).toBe(events);
    expect((await rejects(voidClaim(store, 'nope', 'a reason', ctx))).code).toBe('NOT_FOUND');
  });

  it('correct rebuilds a held claim from today\'s coverage and scrubs it again', async () => {
    await build(store, ctx);
    const mcr = store.claimOf(c['mcr-admin']!.id)!;
    store.state.coverages.find((x) => x.patientRef === 'P200')!.memberId = 'NEWMEMBER1';
    const r = await correct(store, mcr.id, ctx);
    const after = store.state.claims.get(mcr.id)!;
    expect(after.claim.subscriber.memberId).toBe('NEWMEMBER1');
    expect(r.status).toBe(after.status);
    expect(store.eventsOf(mcr.id).slice(-2).map((e) => [e.action, e.from, e.to]))
      .toEqual([['correct', mcr.status, 'draft'], ['scrub', 'draft', after.status]]);
    store.setClaim(mcr.id, { status: 'batched' });
    expect((await rejects(correct(store, mcr.id, ctx))).message).toContain('void it');
  });
});

describe('edit', () => {
  it('a held claim\'s diagnosis fixed by hand: scrubbed to ready, history has before → after, a later correct keeps it', async () => {
    await build(store, ctx);
    const bad = store.claimOf(c['bad-dx']!.id)!;
    expect(bad.status).toBe('held');
    const r = await editClaim(store, bad.id, { diagnoses: ['e11.9'], lines: [{ lineNumber: 1, modifiers: ['33'] }] }, ctx);
    expect(r).toMatchObject({ status: 'ready', changes: ['diagnoses NOTACODE → E11.9', 'line 1 (99606) modifiers none → 33'] });
    const edited = store.state.claims.get(bad.id)!;
    expect(edited.claim.diagnoses).toEqual(['E11.9']);
    expect(edited.claim.lines[0]).toMatchObject({ modifiers: ['33'], diagnosisPointers: [1] });
    expect(store.linesOf(bad.id)[0]!.modifiers).toEqual(['33']);
    expect(store.eventsOf(bad.id).slice(-2).map((e) => [e.action, e.from, e.to, e.actor, e.reason])).toEqual([
      ['edit', 'held', 'draft', 'biller', 'edited: diagnoses NOTACODE → E11.9; line 1 (99606) modifiers none → 33'],
      ['scrub', 'draft', 'ready', 'biller', expect.stringMatching(/^0 errors/)],
    ]);

    // Correct rebuilds from the charge (which still says NOTACODE): the operator's edit is applied again.
    const corrected = await correct(store, bad.id, ctx);
    expect(corrected.status).toBe('ready');
    expect(store.state.claims.get(bad.id)!.claim.diagnoses).toEqual(['E11.9']);
    expect(store.state.claims.get(bad.id)!.claim.lines[0]!.modifiers).toEqual(['33']);
  });

  it('an edit that brings an error holds the claim; a sent claim cannot be edited; an edit that changes nothing is refused', async () => {
    await build(store, ctx);
    const flu = store.claimOf(c['flu-admin']!.id)!;
    const r = await editClaim(store, flu.id, { placeOfService: '98' }, ctx);
    expect(r.status).toBe('held');
    expect(store.state.claims.get(flu.id)!.findings.some((f) => f.ruleId === 'place-of-service' && f.severity === 'error')).toBe(true);
    expect((await rejects(editClaim(store, flu.id, { placeOfService: '98' }, ctx))).message).toContain('changes nothing');
    await editClaim(store, flu.id, { placeOfService: '01' }, ctx);
    store.setClaim(flu.id, { status: 'batched' });
    expect((await rejects(editClaim(store, flu.id, { placeOfService: '12' }, ctx))).message).toContain('void it or replace it');
  });
});

describe('batching', () => {
  it('one file per payer with fresh control numbers; a claim the writer refuses is held with its reason', async () => {
    await build(store, ctx);
    const flu = store.claimOf(c['flu-admin']!.id)!;
    const mcr = store.claimOf(c['mcr-admin']!.id)!;
    expect(mcr.status).toBe('ready');
    const outbox = new MemoryOutbox();
    const run = await createBatches(store, ctx, writer((id) => (id === mcr.id ? '2010BA needs N3/N4' : undefined)), outbox);
    expect(run.batches.map((b) => [b.payerId, b.interchangeControl, b.claimIds, b.written])).toEqual([['SYNCOM01', 1, [flu.id], true]]);
    expect(run.held).toEqual([{ claimId: mcr.id, reason: '2010BA needs N3/N4' }]);
    expect([...outbox.files.keys()]).toEqual(['837P-SYNCOM01-000000001.x12']);
    expect(store.state.claims.get(flu.id)).toMatchObject({ status: 'batched', batchId: '1' });
    const held = store.state.claims.get(mcr.id)!;
    expect(held.status).toBe('held');
    expect(held.findings.at(-1)).toMatchObject({ ruleId: 'x12-writer', severity: 'error', message: '2010BA needs N3/N4' });

    // Overridden and batched again: the next file takes the next number.
    await override(store, mcr.id, 'address confirmed on file', 'lead');
    const next = await createBatches(store, ctx, writer(), outbox);
    expect(next.batches.map((b) => [b.payerId, b.interchangeControl])).toEqual([['SYNMCR01', 2]]);
  });

  it('an outbox that fails rolls the batch back: no numbers used, claims still ready, no file', async () => {
    await build(store, ctx);
    const outbox = new MemoryOutbox();
    outbox.fail = true;
    await expect(createBatches(store, ctx, writer(), outbox, 'SYNCOM01')).rejects.toThrow('disk full');
    expect(store.state.counters.size).toBe(0);
    expect(store.claimOf(c['flu-admin']!.id)!.status).toBe('ready');
    outbox.fail = false;
    const run = await createBatches(store, ctx, writer(), outbox, 'SYNCOM01');
    expect(run.batches.map((b) => b.interchangeControl)).toEqual([1]);
  });
});

describe('late charge on a sent encounter', () => {
  it('is held naming the claim to replace; replace builds a frequency-7 claim with the old lines and the late one', async () => {
    await build(store, ctx);
    const flu = store.claimOf(c['flu-admin']!.id)!;
    await createBatches(store, ctx, writer(), new MemoryOutbox(), 'SYNCOM01');
    const late = charge({ code: '99211', chargeAmount: '20.00', serviceKind: 'other', diagnoses: ['E11.9'] });
    store.addCharge(late);

    const preview = await unclaimed(store, config);
    expect(preview.held).toContainEqual(expect.objectContaining({ chargeId: late.id, reason: 'encounter-billed', claimId: flu.id }));
    const built = await build(store, ctx);
    expect(built.created).toEqual([]);
    expect(built.held).toContainEqual({
      chargeId: late.id, reason: 'encounter-billed', payerId: 'SYNCOM01', claimId: flu.id,
      message: `encounter already billed on claim ${flu.id}: replace it (POST /api/claims/${flu.id}/replace)`,
    });
    expect(store.claimOf(late.id)).toBeUndefined();

    // No payer claim number yet: the replacement is held until it arrives.
    const r = await replaceClaim(store, flu.id, ctx);
    expect(r.addedCharges).toEqual([late.id]);
    const rep = store.state.claims.get(r.replacement.id)!;
    expect(rep).toMatchObject({ frequency: '7', correctsClaimId: flu.id, status: 'held', totalCharge: '85.00' });
    expect(rep.findings.some((f) => f.ruleId === 'frequency-reference' && f.severity === 'error')).toBe(true);
    expect(rep.claim.lines.map((l) => [l.lineNumber, l.code, l.chargeId])).toEqual([
      [1, '90471', c['flu-admin']!.id], [2, '90686', c['flu-product']!.id], [3, '99211', late.id]]);
    expect(rep.claim.diagnoses).toEqual(['Z23', 'E11.9']);
    expect(rep.claim.lines[2]!.diagnosisPointers).toEqual([2]);
    expect(store.linesOf(flu.id).map((l) => l.state)).toEqual(['superseded', 'superseded']);
    expect((await build(store, ctx)).held.map((h) => h.chargeId)).not.toContain(late.id);

    // The payer claim number arrives (835 / 277CA): the next build scrubs the replacement again with REF*F8.
    store.setClaim(flu.id, { status: 'accepted', payerClaimNumber: 'PCN-9' });
    const next = await build(store, ctx);
    expect(next.rescrubbed.map((x) => [x.id, x.status])).toEqual([[rep.id, 'ready']]);
    expect(store.state.claims.get(rep.id)!.claim.payerClaimNumber).toBe('PCN-9');
  });

  it('replace refuses without a late charge, for an unsent claim, and while a correction is unsent', async () => {
    await build(store, ctx);
    const flu = store.claimOf(c['flu-admin']!.id)!;
    expect((await rejects(replaceClaim(store, flu.id, ctx))).message).toContain('was not sent');
    await createBatches(store, ctx, writer(), new MemoryOutbox(), 'SYNCOM01');
    expect((await rejects(replaceClaim(store, flu.id, ctx))).message).toContain('no unclaimed charge');
    store.addCharge(charge({ code: '99211', chargeAmount: '20.00', serviceKind: 'other' }));
    await replaceClaim(store, flu.id, ctx);
    const second = charge({ code: '99212', chargeAmount: '30.00', serviceKind: 'other' });
    store.addCharge(second);
    expect((await rejects(replaceClaim(store, flu.id, ctx))).message).toContain('already has an unsent correction');
    // While the replacement is unsent, a second late charge is still held against the original (no second original).
    const built = await build(store, ctx);
    expect(built.created).toEqual([]);
    expect(built.held).toContainEqual(expect.objectContaining({ chargeId: second.id, reason: 'encounter-billed', claimId: flu.id }));
  });
});
