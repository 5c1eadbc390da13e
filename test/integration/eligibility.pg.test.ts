/**
 * Eligibility (270/271) end to end on the running engine (real HTTP API, Postgres, Redis), with the shipped billing.yaml:
 * - POST /api/eligibility/inquiries writes one 270 per payer for the patients with unclaimed charges (node-x12 parses it
 *   strictly), and records each inquiry;
 * - a 271 saying the coverage ended holds the charges after the end date with the reason, and the next build claims only
 *   the earlier one; POST /api/eligibility/release makes them claimable again (not charges the mapping held);
 * - a 271 from Medicare naming the commercial plan as primary (EB*R, MSP working aged, 2120C PRP) reorders the
 *   coverages: the next claim goes to the commercial plan with SBR01 P, and the unsent Medicare claim gets a note;
 * - a 271 with another member id changes the coverage, and the next 837P carries the new id;
 * - GET /api/eligibility lists the checks with their outcome; member ids never reach the log; the audit trail names the
 *   coverage and fields changed, not the values.
 * Patients, coverages and charges are synthetic rows written as the ADT and DFT mappings write them.
 */
import { readInterchanges, elementValue } from '../../src/x12';
import { subscriberLoop, x271 } from '../unit/x12-271-support';
import { strictNodeX12Parse } from '../unit/x12-support';
import { importIcd10cmExtract, insertCharge, insertMessage, insertPatient } from './claims-support';
import { startHarness, type Harness } from './engine-harness';

let h: Harness;
let messageId: string;
const COMMERCIAL = { id: 'SYNCOM01', name: 'SYNTHETIC COMMERCIAL HEALTH PLAN' };
const MEDICARE = { id: 'SYNMCR01', name: 'SYNTHETIC MEDICARE PART B' };

async function coverage(ref: string, payerId: string, o: { memberId: string; planType: string; priority: number; group?: string | null }) {
  const row = await h.engine.store.db.insertInto('coverages').values({
    patient_ref: ref, plan_id: `PLAN-${payerId}`, as_of: '2026-01-01T00:00:00Z', payer_id: payerId, payer_name: payerId,
    member_id: o.memberId, group_number: o.group ?? null, group_name: null, plan_type: o.planType, relationship: '18',
    priority: o.priority, effective_date: '2025-01-01', expiration_date: null, subscriber_family_name: null,
    subscriber_given_name: null, subscriber_birth_date: null, subscriber_sex: null, source_key: null, message_id: null,
  } as never).returning('id').executeTakeFirstOrThrow();
  return String(row.id);
}

const charge = (patient: string, date: string) =>
  insertCharge(h.engine.store.db, messageId, { patient, date, code: '99605', amount: '75.00', kind: 'mtm', dx: ['Z23'] });

/** The trace (TRN02) of the recorded inquiry about `coverageId`. */
async function traceOf(coverageId: string): Promise<string> {
  const row = await h.engine.store.db.selectFrom('eligibility_checks').select('trace').where('coverage_id', '=', coverageId)
    .orderBy('id', 'desc').executeTakeFirstOrThrow();
  return row.trace;
}

const claimsOf = (patient: string) =>
  h.engine.store.db.selectFrom('claims').select(['payer_id', 'service_date']).where('patient_ref', '=', patient).orderBy('id').execute();

const ids: Record<string, string> = {};

beforeAll(async () => {
  h = await startHarness({ store: 'postgres' });
  await importIcd10cmExtract(h.engine.store.db, 2027);
  messageId = await insertMessage(h.engine.store.db, 'ELIG-1');
  for (const p of ['EA', 'EB', 'EC']) await insertPatient(h.engine.store.db, p, { birthDate: '1950-03-01' });
  ids.EA = await coverage('EA', 'SYNCOM01', { memberId: 'MEM-EA', planType: 'CI', priority: 1 });
  ids.EBmcr = await coverage('EB', 'SYNMCR01', { memberId: 'MCR-EB', planType: 'MB', priority: 1 });
  ids.EBcom = await coverage('EB', 'SYNCOM01', { memberId: 'COM-EB', planType: 'CI', priority: 2 });
  ids.EC = await coverage('EC', 'SYNCOM01', { memberId: 'MEM-EC', planType: 'CI', priority: 1 });
  ids.EAsep = await charge('EA', '2026-10-20');
  ids.EAoct1 = await charge('EA', '2026-11-05');
  ids.EAoct2 = await charge('EA', '2026-11-12');
  ids.EB1 = await charge('EB', '2026-10-21');
}, 60_000);

afterAll(async () => {
  await h?.close();
});

describe('eligibility inquiries and answers', () => {
  it('POST /api/eligibility/inquiries writes one 270 per payer for the unclaimed charges and records each inquiry', async () => {
    const res = await h.api('POST', '/api/eligibility/inquiries', {});
    expect(res.status).toBe(201);
    expect(res.json.files.map((f: { payerId: string }) => f.payerId)).toEqual(['SYNCOM01', 'SYNMCR01']);
    const commercial = res.json.files[0];
    expect(commercial.checkIds).toHaveLength(2);
    const parsed = strictNodeX12Parse(commercial.x12);
    expect(parsed.functionalGroups[0]!.header.valueOf(1)).toBe('HS');
    const [ic] = readInterchanges(commercial.x12);
    const body = ic!.groups[0]!.transactionSets[0]!.segments;
    expect(body.filter((s) => s.id === 'HL' && elementValue(s, 3) === '22')).toHaveLength(2);
    expect(commercial.x12).toContain('NM1*PR*2*SYNTHETIC COMMERCIAL HEALTH PLAN*****PI*SYNCOM01~');
    expect(commercial.x12).toContain('NM1*IL*1*TESTPATIENT*ALEX****MI*MEM-EA~');
    expect(commercial.x12).toContain('DTP*291*RD8*20261020-20261112~');
    // The Medicare inquiry for EB: its coverage is in force; EB's commercial coverage is asked about too.
    expect(res.json.files[1].x12).toContain('NM1*IL*1*TESTPATIENT*ALEX****MI*MCR-EB~');
    const list = await h.api('GET', '/api/eligibility');
    expect(list.status).toBe(200);
    expect(list.json.checks).toHaveLength(3);
    expect(list.json.checks.every((c: { outcome: unknown }) => c.outcome === null)).toBe(true);
  });

  it('a 271 that says the coverage ended holds the charges after that date with the reason', async () => {
    const text = x271([...subscriberLoop(await traceOf(ids.EA!), 'MEM-EA'), 'EB*1**30', 'DTP*347*D8*20261031'], COMMERCIAL);
    const res = await h.api('POST', '/api/eligibility', { x12: text });
    expect(res.status).toBe(201);
    expect(res.json.answers).toEqual([expect.objectContaining({
      outcome: 'ended', coverageEnded: { coverageId: ids.EA, endDate: '2026-10-31' }, heldCharges: [ids.EAoct1, ids.EAoct2],
      memberIdChanged: null, reordered: null,
    })]);
    const rows = await h.engine.store.db.selectFrom('charges').select(['id', 'status', 'hold_reason'])
      .where('patient_ref', '=', 'EA').orderBy('id').execute();
    expect(rows.map((r) => r.status)).toEqual(['active', 'held', 'held']);
    expect(rows[1]!.hold_reason).toContain('SYNTHETIC COMMERCIAL HEALTH PLAN says the coverage ended 2026-10-31');
    const cov = await h.engine.store.db.selectFrom('coverages').select('expiration_date').where('id', '=', ids.EA as never).executeTakeFirstOrThrow();
    expect(cov.expiration_date).toBe('2026-10-31');

    // The next build claims the charge before the end date and lists the held ones with the reason.
    const built = await h.api('POST', '/api/claims/build');
    expect(await claimsOf('EA')).toEqual([{ payer_id: 'SYNCOM01', service_date: '2026-10-20' }]);
    const held = built.json.held.filter((c: { chargeId: string }) => [ids.EAoct1, ids.EAoct2].includes(c.chargeId));
    expect(held).toHaveLength(2);
    expect(JSON.stringify(held)).toContain('coverage ended 2026-10-31');

    const list = await h.api('GET', '/api/eligibility?patient=EA');
    expect(list.json.checks[0]).toMatchObject({ outcome: 'ended', payerId: 'SYNCOM01' });
    expect(list.json.checks[0].summary).toContain('coverage ended 2026-10-31');
  });

  it('releasing the held charges makes them claimable again; a charge held for another reason stays held', async () => {
    const other = await charge('EA', '2026-11-20');
    await h.engine.store.db.updateTable('charges').set({ status: 'held', hold_reason: 'no product code for CVX 999' })
      .where('id', '=', other as never).execute();
    // The patient's new coverage arrives (as the ADT feed writes it); then the biller releases the charges.
    await coverage('EA', 'SYNMCD01', { memberId: 'MCD-EA', planType: 'MC', priority: 1 });
    const res = await h.api('POST', '/api/eligibility/release', { chargeIds: [ids.EAoct1, ids.EAoct2, other] });
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ released: [ids.EAoct1, ids.EAoct2] });
    const built = await h.api('POST', '/api/claims/build');
    expect(built.json.created.map((c: { payerId: string }) => c.payerId)).toEqual(['SYNMCD01', 'SYNMCD01']);
    expect(await claimsOf('EA')).toEqual([
      { payer_id: 'SYNCOM01', service_date: '2026-10-20' },
      { payer_id: 'SYNMCD01', service_date: '2026-11-05' },
      { payer_id: 'SYNMCD01', service_date: '2026-11-12' },
    ]);
    const left = await h.engine.store.db.selectFrom('charges').select('status').where('id', '=', other as never).executeTakeFirstOrThrow();
    expect(left.status).toBe('held');
  });

  it('a 271 that names another payer as primary reorders the coverages: the next claim goes to it with SBR01 P', async () => {
    // The claim built above went to Medicare (the sender's primary; no employer group number on the commercial plan).
    const before = await h.engine.store.db.selectFrom('claims').select(['id', 'payer_id']).where('patient_ref', '=', 'EB').execute();
    expect(before.map((c) => c.payer_id)).toEqual(['SYNMCR01']);
    const medicareClaim = String(before[0]!.id);
    const later = await charge('EB', '2026-11-02');

    const text = x271([
      ...subscriberLoop(await traceOf(ids.EBmcr!), 'MCR-EB'), 'EB*1**30', 'EB*R**30*12', 'LS*2120',
      'NM1*PRP*2*SYNTHETIC COMMERCIAL HEALTH PLAN*****PI*SYNCOM01', 'LE*2120',
    ], MEDICARE);
    const res = await h.api('POST', '/api/eligibility', text.replace(/\n/g, ''));
    expect(res.status).toBe(201);
    expect(res.json.answers[0]).toMatchObject({
      outcome: 'active', reordered: { primaryCoverageId: ids.EBcom, secondCoverageId: ids.EBmcr }, notedClaims: [medicareClaim],
    });
    const detail = await h.api('GET', `/api/claims/${medicareClaim}`);
    expect(detail.json.history.at(-1).reason).toContain('names SYNTHETIC COMMERCIAL HEALTH PLAN (SYNCOM01) as the primary payer');

    const built = await h.api('POST', '/api/claims/build');
    expect(built.json.created).toHaveLength(1);
    expect(built.json.created[0].payerId).toBe('SYNCOM01');
    const claim = await h.api('GET', `/api/claims/${built.json.created[0].id}`);
    expect(claim.json.lines.map((l: { chargeId: string }) => l.chargeId)).toEqual([later]);
    expect(claim.json.claim.subscriber).toMatchObject({ payerResponsibility: 'P', memberId: 'COM-EB' });
  });

  it('a member id change updates the coverage and the next 837P carries the new id; ids never reach the log', async () => {
    // EC has no charge yet: asked about by name, for today.
    const asked = await h.api('POST', '/api/eligibility/inquiries', { patients: ['EC'] });
    expect(asked.status).toBe(201);
    expect(asked.json.files).toEqual([expect.objectContaining({ payerId: 'SYNCOM01', checkIds: [expect.any(String)] })]);
    expect(asked.json.files[0].x12).toContain('MI*MEM-EC~');
    const text = x271([...subscriberLoop(await traceOf(ids.EC!), 'NEWID77'), 'EB*1**30'], COMMERCIAL);
    const res = await h.api('POST', '/api/eligibility', { x12: text });
    expect(res.json.answers[0]).toMatchObject({ outcome: 'active', memberIdChanged: { coverageId: ids.EC } });
    const cov = await h.engine.store.db.selectFrom('coverages').select('member_id').where('id', '=', ids.EC as never).executeTakeFirstOrThrow();
    expect(cov.member_id).toBe('NEWID77');
    const check = await h.engine.store.db.selectFrom('eligibility_checks').select('changes').where('coverage_id', '=', ids.EC!)
      .executeTakeFirstOrThrow();
    expect(check.changes).toMatchObject({ memberId: { from: 'MEM-EC', to: 'NEWID77' } });

    await charge('EC', '2026-12-01');
    const built = await h.api('POST', '/api/claims/build');
    expect(built.json.created).toHaveLength(1);
    expect((await h.api('GET', `/api/claims/${built.json.created[0].id}`)).json.claim.subscriber.memberId).toBe('NEWID77');
    const batched = await h.api('POST', '/api/claims/batches', { payer: 'SYNCOM01' });
    expect(batched.status).toBe(201);
    const batch = batched.json.batches[0];
    const stored = await h.engine.store.db.selectFrom('claim_batches').select('x12').where('id', '=', batch.id).executeTakeFirstOrThrow();
    expect(stored.x12).toContain('MI*NEWID77~');
    // EB's claim (the commercial plan made primary by Medicare's 271) went in the same batch as primary.
    expect(stored.x12).toMatch(/SBR\*P\*18\*[^~]*~\nNM1\*IL\*1\*TESTPATIENT\*ALEX\*\*\*\*MI\*COM-EB~/);
    expect(stored.x12).not.toContain('MEM-EC');

    const audit = await h.engine.store.db.selectFrom('audit_events').select(['action', 'target_id', 'detail'])
      .where('action', '=', 'eligibility.coverage').execute();
    const audited = audit.filter((a) => a.target_id === ids.EC);
    expect(audited).toHaveLength(1);
    expect(JSON.stringify(audited[0]!.detail)).toContain('member_id');
    expect(JSON.stringify(audit)).not.toMatch(/NEWID77|MEM-EC/);
    expect(h.logs()).not.toMatch(/NEWID77|MEM-E[AC]|MCR-EB/);
  });

  it('refuses a 271 whose answers name no inquiry of ours, and a text without a 271, and a malformed request', async () => {
    const stray = await h.api('POST', '/api/eligibility', { x12: x271(subscriberLoop('RXE999999', 'X1')) });
    expect(stray.status).toBe(422);
    expect(stray.json.error.code).toBe('ELIGIBILITY_INVALID');
    const not271 = await h.api('POST', '/api/eligibility', { x12: x271([]).replace('ST*271', 'ST*277') });
    expect(not271.status).toBe(422);
    expect(not271.json.error.code).toBe('PAYER_FILE_INVALID');
    const bad = await h.api('POST', '/api/eligibility/inquiries', { patients: 'EA' });
    expect(bad.status).toBe(400);
  });
});
