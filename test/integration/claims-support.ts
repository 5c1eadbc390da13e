/**
 * Helpers for the claims integration tests: rows written straight into a fresh store (a message, patients,
 * coverages, charges), a billing configuration with a private outbox, and a synthetic 835 writer (balanced by
 * construction unless told otherwise). All data is synthetic.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Kysely } from 'kysely';
import { parseBillingConfigText, type BillingConfig } from '../../src/billing/config';
import { fiscalYearValidity, icd10cmOrderParser } from '../../src/billing/codesets/icd10cm';
import { importCodeRelease } from '../../src/store/codesets';
import { buildInterchange } from '../../src/x12/envelope';
import { segment, type X12Segment } from '../../src/x12/segment';
import { writeSegments } from '../../src/x12/writer';
import { fromScaled, toScaled } from '../../src/core/decimal';
import type { Database } from '../../src/store/types';
import { ROOT } from './support';

/**
 * The shipped billing.yaml with a private outbox. These tests build claims without importing code sets, so the
 * configuration requires none (`requiredCodeSets` default []): what they check is claim building, batching and
 * posting. Requiring ICD-10-CM is tested in code-requirements.pg.test.ts; pass `requiredCodeSets` to keep it.
 */
export function billingConfig(outboxDir: string, opts: { requiredCodeSets?: BillingConfig['requiredCodeSets'] } = {}): BillingConfig {
  const text = fs.readFileSync(path.join(ROOT, 'billing/billing.yaml'), 'utf8');
  const config = parseBillingConfigText(`${text}\noutboxDir: ${outboxDir}\n`, path.join(ROOT, 'billing/billing.yaml'), {}, os.tmpdir());
  return { ...config, requiredCodeSets: opts.requiredCodeSets ?? { default: [], payers: {} } };
}

/**
 * The shipped billing.yaml plus a Medigap payer SYNMGP01 (`cob: supplement`, remittance id MGAP77), Medicare's 835
 * ids (MCRB-J99, 1999999991) and no code set required: for the secondary-claim and withdraw tests.
 */
export function medigapBillingConfig(outboxDir: string): BillingConfig {
  const file = path.join(ROOT, 'billing/billing.yaml');
  const text = fs.readFileSync(file, 'utf8')
    .replace('    filingIndicator: MB\n', '    filingIndicator: MB\n    remittanceIds: [MCRB-J99, "1999999991"]\n')
    .replace('  SYNPBM01:\n', '  SYNMGP01:\n    name: SYNTHETIC MEDIGAP PLAN\n    filingIndicator: CI\n    cob: supplement\n'
      + '    remittanceIds: [MGAP77]\n  SYNPBM01:\n')
    .replace(/^requiredCodeSets:\n(?:  .*\n)+/m, 'requiredCodeSets:\n  default: []\n');
  if (!text.includes('cob: supplement')) throw new Error('billing.yaml changed: the Medigap payer could not be added');
  return parseBillingConfigText(`${text}\noutboxDir: ${outboxDir}\n`, file, {}, os.tmpdir());
}

/** A coverage with its own member id and no group (priority 1, in force from 2025). */
export async function insertMemberCoverage(db: Kysely<Database>, ref: string, payerId: string, planType: string, memberId: string): Promise<void> {
  await db.insertInto('coverages').values({
    patient_ref: ref, plan_id: `PLAN-${payerId}`, as_of: '2025-12-01T00:00:00Z', payer_id: payerId, payer_name: payerId,
    member_id: memberId, group_number: null, group_name: null, plan_type: planType, relationship: '18', priority: 1,
    effective_date: '2025-01-01', expiration_date: null, subscriber_family_name: null, subscriber_given_name: null,
    subscriber_birth_date: null, subscriber_sex: null, source_key: null, message_id: null,
  } as never).execute();
}

/**
 * Loads the small ICD-10-CM order-file extract (test/fixtures/codesets/icd10cm_order_2026.txt: Z23, E11.9, …) as
 * fiscal year `fiscalYear`'s release, as `rxbridge codes import icd10cm FILE --release <year>` does: for tests
 * that run the engine with the shipped billing.yaml, which requires ICD-10-CM for every payer.
 */
export async function importIcd10cmExtract(db: Kysely<Database>, fiscalYear: number): Promise<void> {
  const parser = icd10cmOrderParser();
  const text = fs.readFileSync(path.join(ROOT, 'test/fixtures/codesets/icd10cm_order_2026.txt'), 'utf8');
  const entries = text.split('\n').flatMap((l, i) => parser.line(l.replace(/\r$/, ''), i + 1));
  await importCodeRelease(db, {
    kind: 'icd10cm', name: String(fiscalYear), ...fiscalYearValidity(fiscalYear), sourceFile: 'icd10cm_order_2026.txt', entries, sha256: () => '',
  });
}

export async function insertMessage(db: Kysely<Database>, controlId: string): Promise<string> {
  const row = await db.insertInto('messages').values({
    channel: 'test', status: 'processed', sender: 'RXSYS|PHARM01', control_id: controlId, message_type: 'DFT^P03',
    version: '2.5.1', processing_id: 'P', patient_key: null, remote: 'test',
  }).returning('id').executeTakeFirstOrThrow();
  return String(row.id);
}

export async function insertPatient(db: Kysely<Database>, ref: string, opts: { birthDate?: string; sex?: string } = {}): Promise<void> {
  await db.insertInto('patients').values({
    patient_ref: ref, as_of: '2025-12-01T00:00:00Z', family_name: 'TESTPATIENT', given_name: 'ALEX',
    middle_name: null, birth_date: opts.birthDate ?? '1980-01-01', sex: opts.sex ?? 'F', address_line1: '1 ELM ST', address_line2: null, city: 'ANYTOWN',
    state: 'NY', postal_code: '10001', phone: null, account_number: null, source_key: null, message_id: null,
  } as never).execute();
}

export async function insertCoverage(db: Kysely<Database>, ref: string, payerId: string, planType: string): Promise<void> {
  await db.insertInto('coverages').values({
    patient_ref: ref, plan_id: `PLAN-${payerId}`, as_of: '2025-12-01T00:00:00Z', payer_id: payerId, payer_name: payerId,
    member_id: `MEM-${ref}`, group_number: 'GRP1', group_name: null, plan_type: planType, relationship: '18', priority: 1,
    effective_date: '2025-01-01', expiration_date: null, subscriber_family_name: null, subscriber_given_name: null,
    subscriber_birth_date: null, subscriber_sex: null, source_key: null, message_id: null,
  } as never).execute();
}

export interface TestCharge {
  patient: string;
  date: string;
  code: string;
  amount: string;
  kind?: string;
  system?: string;
  units?: string;
  dx?: string[];
}

let sourceSeq = 0;

export async function insertCharge(db: Kysely<Database>, messageId: string, c: TestCharge): Promise<string> {
  const row = await db.insertInto('charges').values({
    message_id: messageId, channel: 'test', source_key: `test|${process.pid}|${++sourceSeq}`, reversal_of: null, status: 'active',
    transaction_id: `T${sourceSeq}`, service_date: c.date, patient_ref: c.patient, code_system: c.system ?? 'CPT', code: c.code,
    modifiers: [], units: c.units ?? '1', charge_amount: c.amount, diagnoses: c.dx ?? ['Z23'], rendering_npi: null,
    ordering_npi: null, ndc: null, service_kind: (c.kind ?? 'other') as never, ndc_quantity: null, ndc_unit: null, rx_number: null,
    fill_number: null, days_supply: null, daw: null, lot: null, vfc_eligibility: null, place_of_service: null,
  }).returning('id').executeTakeFirstOrThrow();
  return String(row.id);
}

/** Reverses a charge the way the store does (the original becomes reversed, a reversal line is added). */
export async function reverseCharge(db: Kysely<Database>, messageId: string, chargeId: string): Promise<void> {
  const original = await db.selectFrom('charges').selectAll().where('id', '=', chargeId as never).executeTakeFirstOrThrow();
  await db.updateTable('charges').set({ status: 'reversed' }).where('id', '=', chargeId as never).execute();
  await db.insertInto('charges').values({
    message_id: messageId, channel: 'test', source_key: `${original.source_key}|reversal`, reversal_of: original.source_key,
    status: 'reversal', transaction_id: original.transaction_id, service_date: original.service_date, patient_ref: original.patient_ref,
    code_system: original.code_system, code: original.code, modifiers: original.modifiers, units: original.units,
    charge_amount: `-${original.charge_amount}`, diagnoses: original.diagnoses, rendering_npi: null, ordering_npi: null, ndc: null,
  }).execute();
}

// ---------------------------------------------------------------------------------------------------------------
// A synthetic 835

export interface TestAdjustment { group: string; reason: string; amount: string }
export interface TestService { code: string; charge: string; paid: string; date?: string; adjustments?: TestAdjustment[] }
export interface TestClaimPayment {
  controlNumber: string;
  /** CLP02: 1 processed as primary, 4 denied, 22 reversal. */
  status: string;
  charge: string;
  paid: string;
  patientResponsibility?: string;
  payerClaimNumber?: string;
  adjustments?: TestAdjustment[];
  services?: TestService[];
}

const sum = (values: readonly string[]) => fromScaled(values.reduce((s, v) => s + toScaled(v, 2), 0n), 2);

/** An 835 paying `claims`; BPR02 = Σ CLP04 unless `paymentAmount` says otherwise (to make it unbalanced). */
export function write835(o: {
  trace: string; payerName: string; payerId: string; paymentDate: string; claims: TestClaimPayment[]; paymentAmount?: string;
  interchange?: number;
}): string {
  const date = o.paymentDate.replace(/-/g, '');
  const body: X12Segment[] = [
    segment('BPR', 'I', o.paymentAmount ?? sum(o.claims.map((c) => c.paid)), 'C', 'ACH', 'CCP', '01', '999999999', 'DA', '123456',
      '1512345678', '', '01', '999988880', 'DA', '98765', date),
    segment('TRN', '1', o.trace, '1512345678'),
    segment('N1', 'PR', o.payerName, 'XV', o.payerId),
    segment('N1', 'PE', 'EXAMPLE COMMUNITY PHARMACY', 'XX', '1234567893'),
    segment('LX', '1'),
  ];
  for (const c of o.claims) {
    body.push(segment('CLP', c.controlNumber, c.status, c.charge, c.paid, c.patientResponsibility ?? '0', '12', c.payerClaimNumber ?? ''));
    for (const a of c.adjustments ?? []) body.push(segment('CAS', a.group, a.reason, a.amount));
    body.push(segment('NM1', 'QC', '1', 'TESTPATIENT', 'ALEX'));
    for (const s of c.services ?? []) {
      body.push(segment('SVC', ['HC', s.code], s.charge, s.paid));
      if (s.date) body.push(segment('DTM', '472', s.date.replace(/-/g, '')));
      for (const a of s.adjustments ?? []) body.push(segment('CAS', a.group, a.reason, a.amount));
    }
  }
  const when = new Date(`${o.paymentDate}T12:00:00Z`);
  return writeSegments(buildInterchange(
    { senderQualifier: 'ZZ', senderId: 'RECEIVERID', receiverQualifier: 'ZZ', receiverId: 'SUBMITTERID', controlNumber: o.interchange ?? 501, usage: 'T', date: when },
    { functionalId: 'HP', senderCode: 'RECEIVERID', receiverCode: 'SUBMITTERID', controlNumber: o.interchange ?? 501, version: '005010X221A1', date: when },
    [{ id: '835', controlNumber: 1, implementationReference: '005010X221A1', body }],
  ), { lineBreak: '\n' });
}

export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

// ---------------------------------------------------------------------------------------------------------------
// Synthetic acknowledgments

function interchangeOf(functionalId: string, version: string, id: string, body: X12Segment[], control: number): string {
  const when = new Date('2026-02-02T09:00:00Z');
  return writeSegments(buildInterchange(
    { senderQualifier: 'ZZ', senderId: 'RECEIVERID', receiverQualifier: 'ZZ', receiverId: 'SUBMITTERID', controlNumber: control, usage: 'T', date: when },
    { functionalId, senderCode: 'RECEIVERID', receiverCode: 'SUBMITTERID', controlNumber: control, version, date: when },
    [{ id, controlNumber: 1, implementationReference: version, body }],
  ), { lineBreak: '\n' });
}

/** A 999 acknowledging our group `groupControl` (GS06) and its transaction set `setControl` (ST02). */
export function write999(o: { groupControl: number; setControl: number; accepted: boolean }): string {
  const verdict = o.accepted ? 'A' : 'R';
  return interchangeOf('FA', '005010X231A1', '999', [
    segment('AK1', 'HC', String(o.groupControl), '005010X222A1'),
    segment('AK2', '837', String(o.setControl).padStart(4, '0'), '005010X222A1'),
    ...(o.accepted ? [] : [segment('IK3', 'CLM', '22', '2300', '8')]),
    segment('IK5', verdict, ...(o.accepted ? [] : ['5'])),
    segment('AK9', verdict, '1', '1', o.accepted ? '1' : '0'),
  ], 601);
}

/** A 277CA answering claims by CLM01: category A2 accepted, A7 rejected; REF*1K the payer claim number. */
export function write277CA(claims: Array<{ controlNumber: string; category: 'A2' | 'A7'; status: string; charge: string; payerClaimNumber?: string }>): string {
  const body: X12Segment[] = [
    segment('BHT', '0085', '08', 'ACK0001', '20260202', '0900', 'TH'),
    segment('HL', '1', '', '20', '1'),
    segment('NM1', 'PR', '2', 'SYNTHETIC PAYER', '', '', '', '', 'PI', 'SYNCOM01'),
    segment('TRN', '1', 'ACK0001'),
    segment('DTP', '050', 'D8', '20260202'),
    segment('DTP', '009', 'D8', '20260202'),
    segment('HL', '2', '1', '21', '1'),
    segment('NM1', '41', '2', 'EXAMPLE COMMUNITY PHARMACY', '', '', '', '', '46', 'SUBMITTERID'),
    segment('TRN', '2', 'BATCHTRACE'),
    segment('STC', ['A1', '20'], '20260202', 'WQ'),
    segment('HL', '3', '2', '19', '1'),
    segment('NM1', '85', '2', 'EXAMPLE COMMUNITY PHARMACY', '', '', '', '', 'XX', '1234567893'),
  ];
  let hl = 4;
  for (const c of claims) {
    body.push(
      segment('HL', String(hl++), '3', 'PT'),
      segment('NM1', 'QC', '1', 'TESTPATIENT', 'ALEX'),
      segment('TRN', '2', c.controlNumber),
      segment('STC', [c.category, c.status, '85'], '20260202', c.category === 'A7' ? 'U' : 'WQ', c.charge),
      ...(c.payerClaimNumber ? [segment('REF', '1K', c.payerClaimNumber)] : []),
    );
  }
  return interchangeOf('HN', '005010X214', '277', body, 602);
}
