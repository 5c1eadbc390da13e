/**
 * The record types a mapping rule can produce (`output: charge | patient | coverage | merge`) and, for each, the fields a
 * mapping may set: their kind (one value or a list), whether the record needs them, and how the raw strings a
 * rule produced become the typed record of src/mappings/records.ts. Pure.
 *
 * Finishing throws FieldProblem naming the field; the evaluator adds mapping, rule and path.
 */
import { multiply, normalizeDecimal, isDecimal } from '../core/decimal';
import { hl7Date } from './dates';
import {
  SERVICE_KINDS,
  type ChargeRecord,
  type CoverageRecord,
  type MergeRecord,
  type PatientRecord,
  type ReversalMatchKey,
  type ReversalMissing,
  type ServiceKind,
} from './records';

export type OutputKind = 'charge' | 'patient' | 'coverage' | 'merge';

export interface FieldSpec {
  list?: boolean;
  /** The record cannot be made without it: an empty value dead-letters the message. */
  required?: boolean;
  /** What the value is, in words, for "is empty" messages. */
  label: string;
}

const one = (label: string, required = false): FieldSpec => ({ label, required });
const list = (label: string): FieldSpec => ({ label, list: true });

export const OUTPUT_FIELDS: Readonly<Record<OutputKind, Readonly<Record<string, FieldSpec>>>> = {
  charge: {
    patient: one('patient identifier', true),
    serviceDate: one('date of service', true),
    code: one('procedure or product code', true),
    codeSystem: one('code system'),
    serviceKind: one('service kind'),
    transactionId: one('transaction id'),
    modifiers: list('modifiers'),
    units: one('quantity'),
    amount: one('charge amount'),
    unitAmount: one('unit amount'),
    diagnoses: list('diagnosis codes'),
    renderingNpi: one('rendering provider NPI'),
    orderingNpi: one('ordering provider NPI'),
    ndc: one('NDC'),
    ndcQuantity: one('NDC quantity'),
    ndcUnit: one('NDC unit'),
    rxNumber: one('prescription number'),
    fillNumber: one('fill number'),
    daysSupply: one('days supply'),
    daw: one('dispense as written code'),
    lot: one('lot number'),
    vfcEligibility: one('VFC eligibility'),
    placeOfService: one('place of service'),
  },
  patient: {
    patient: one('patient identifier', true),
    asOf: one('event time (EVN-2 or MSH-7)', true),
    familyName: one('family name'),
    givenName: one('given name'),
    middleName: one('middle name'),
    birthDate: one('birth date'),
    sex: one('sex'),
    addressLine1: one('address line 1'),
    addressLine2: one('address line 2'),
    city: one('city'),
    state: one('state'),
    postalCode: one('postal code'),
    phone: one('phone'),
    accountNumber: one('account number'),
  },
  coverage: {
    patient: one('patient identifier', true),
    asOf: one('event time (EVN-2 or MSH-7)', true),
    planId: one('plan id', true),
    payerId: one('payer id'),
    payerName: one('payer name'),
    memberId: one('member id'),
    groupNumber: one('group number'),
    groupName: one('group name'),
    planType: one('plan type'),
    relationship: one('relationship to the insured'),
    priority: one('coordination-of-benefits priority'),
    effectiveDate: one('plan effective date'),
    expirationDate: one('plan expiration date'),
    subscriberFamilyName: one('subscriber family name'),
    subscriberGivenName: one('subscriber given name'),
    subscriberBirthDate: one('subscriber birth date'),
    subscriberSex: one('subscriber sex'),
  },
  merge: {
    patient: one('surviving patient identifier', true),
    prior: one('prior patient identifier (the patient merged away)', true),
    asOf: one('event time (EVN-2 or MSH-7)', true),
  },
};

/** A field's value is missing or unusable; `field` names the output field. */
export class FieldProblem extends Error {
  constructor(
    readonly field: string,
    readonly kind: 'missing' | 'invalid',
    reason: string,
  ) {
    super(reason);
  }
}

/** The raw strings a rule produced for one record: one value or a list per field ('' / [] when empty). */
export type RawValues = Readonly<Record<string, string | readonly string[]>>;

/**
 * The charge fields a held record may lack: a table had no row for it, which is what the hold is about. A held
 * charge without a code is stored with an empty code, without an amount at 0.00; neither is ever claimed.
 */
export const HELD_MAY_LACK: ReadonlySet<string> = new Set(['code', 'amount', 'unitAmount']);

export interface RecordIdentity {
  sourceKey: string;
  /** Set when one of the rule's hold entries held: the charge is written held with this reason. */
  holdReason?: string;
  /** Set when the rule's reversal condition held: the transaction id the line reverses ('' when it names none). */
  reverses?: string;
  /** A reversal naming another line of its message: the source key of the charge that line makes. */
  reversesLine?: string;
  reversalMatch?: readonly ReversalMatchKey[];
  reversalMissing?: ReversalMissing;
  /** The rule's `unpriced: write`: a charge without an amount is written unpriced instead of failing. */
  unpriced?: 'write';
}

const text = (v: RawValues, k: string): string => {
  const x = v[k];
  return typeof x === 'string' ? x : '';
};
const orNull = (v: RawValues, k: string): string | null => text(v, k) || null;
const listOf = (v: RawValues, k: string): string[] => {
  const x = v[k];
  return Array.isArray(x) ? [...(x as readonly string[])] : typeof x === 'string' && x ? [x] : [];
};

function dateField(v: RawValues, k: string, spec: FieldSpec): string | null {
  const raw = text(v, k);
  if (!raw) return null;
  // A mapping may have applied fn: date already (YYYY-MM-DD) or left the HL7 form (YYYYMMDD…).
  const d = /^\d{4}-\d{2}-\d{2}$/.test(raw) ? raw : hl7Date(raw);
  if (!d) throw new FieldProblem(k, 'invalid', `${spec.label} is not a valid date`);
  return d;
}

function decimalField(v: RawValues, k: string, label: string, scale: number, limit: bigint): string | null {
  const raw = text(v, k);
  if (!raw) return null;
  if (!isDecimal(raw)) throw new FieldProblem(k, 'invalid', `${label} is not a number`);
  const out = normalizeDecimal(raw, scale);
  if (BigInt(out.replace('-', '').split('.')[0] ?? '0') >= limit) throw new FieldProblem(k, 'invalid', `${label} is too large`);
  return out;
}

/** Largest whole part the store keeps for amounts (numeric(12, 2)) and quantities (numeric(12, 3)). */
const MAX_AMOUNT = 10n ** 10n;
const MAX_UNITS = 10n ** 9n;

export function finishCharge(v: RawValues, id: RecordIdentity): ChargeRecord {
  const F = OUTPUT_FIELDS.charge;
  const units = decimalField(v, 'units', 'quantity', 3, MAX_UNITS) ?? '1.000';
  let amount = decimalField(v, 'amount', 'charge amount', 2, MAX_AMOUNT);
  const reversal = id.reverses !== undefined;
  const held = id.holdReason !== undefined;
  if (amount === null && reversal && !text(v, 'unitAmount')) {
    // A cancellation or deletion without a price of its own reverses the whole amount of the line it names.
  } else if (amount === null && held && !text(v, 'unitAmount')) {
    amount = '0.00'; // unpriced: a held charge is never claimed, and its release writes the real amount
  } else if (amount === null && id.unpriced === 'write' && !text(v, 'unitAmount')) {
    // Unpriced: billing prices it from the fee schedule at claim build, or holds it "no price".
  } else if (amount === null) {
    const unit = decimalField(v, 'unitAmount', 'unit amount', 2, MAX_AMOUNT);
    if (unit === null) throw new FieldProblem('amount', 'missing', 'charge amount (extended or unit amount) is empty');
    amount = multiply(unit, units, 2);
    if (BigInt(amount.replace('-', '').split('.')[0] ?? '0') >= MAX_AMOUNT)
      throw new FieldProblem('unitAmount', 'invalid', 'charge amount is too large');
  }
  const kind = text(v, 'serviceKind') || 'other';
  if (!(SERVICE_KINDS as readonly string[]).includes(kind)) {
    throw new FieldProblem('serviceKind', 'invalid', `service kind must be one of ${SERVICE_KINDS.join(', ')}`);
  }
  const daysSupply = orNull(v, 'daysSupply');
  if (daysSupply !== null && !/^\d{1,4}$/.test(daysSupply))
    throw new FieldProblem('daysSupply', 'invalid', 'days supply is not a whole number of days (0–9999)');
  const record: ChargeRecord = {
    sourceKey: id.sourceKey,
    reversalOfTransaction: reversal ? id.reverses || null : null,
    kind: reversal ? 'reversal' : 'charge',
    serviceKind: kind as ServiceKind,
    transactionId: orNull(v, 'transactionId'),
    serviceDate: dateField(v, 'serviceDate', F.serviceDate as FieldSpec) as string,
    patientRef: text(v, 'patient'),
    codeSystem: text(v, 'codeSystem') || 'CPT',
    code: text(v, 'code'),
    modifiers: listOf(v, 'modifiers').slice(0, 4),
    units,
    chargeAmount: amount,
    diagnoses: listOf(v, 'diagnoses'),
    renderingNpi: orNull(v, 'renderingNpi'),
    orderingNpi: orNull(v, 'orderingNpi'),
    ndc: orNull(v, 'ndc'),
    ndcQuantity: decimalField(v, 'ndcQuantity', 'NDC quantity', 3, MAX_UNITS),
    ndcUnit: orNull(v, 'ndcUnit'),
    rxNumber: orNull(v, 'rxNumber'),
    fillNumber: orNull(v, 'fillNumber'),
    daysSupply,
    daw: orNull(v, 'daw'),
    lot: orNull(v, 'lot'),
    vfcEligibility: orNull(v, 'vfcEligibility'),
    placeOfService: orNull(v, 'placeOfService'),
  };
  if (reversal && id.reversesLine) record.reversalOfLine = id.reversesLine;
  if (reversal && id.reversalMatch && id.reversalMatch.length > 0) record.reversalMatch = [...id.reversalMatch];
  if (reversal && id.reversalMissing) record.reversalMissing = id.reversalMissing;
  if (held && !reversal) record.holdReason = id.holdReason;
  if (amount === null && !reversal && !held) record.unpriced = true;
  return record;
}

function asOfField(v: RawValues): string {
  const raw = text(v, 'asOf');
  if (Number.isNaN(Date.parse(raw))) throw new FieldProblem('asOf', 'invalid', 'event time is not a timestamp (apply fn: datetime)');
  return raw;
}

export function finishPatient(v: RawValues, id: RecordIdentity): PatientRecord {
  const F = OUTPUT_FIELDS.patient;
  return {
    sourceKey: id.sourceKey,
    patientRef: text(v, 'patient'),
    asOf: asOfField(v),
    familyName: orNull(v, 'familyName'),
    givenName: orNull(v, 'givenName'),
    middleName: orNull(v, 'middleName'),
    birthDate: dateField(v, 'birthDate', F.birthDate as FieldSpec),
    sex: orNull(v, 'sex'),
    addressLine1: orNull(v, 'addressLine1'),
    addressLine2: orNull(v, 'addressLine2'),
    city: orNull(v, 'city'),
    state: orNull(v, 'state'),
    postalCode: orNull(v, 'postalCode'),
    phone: orNull(v, 'phone'),
    accountNumber: orNull(v, 'accountNumber'),
  };
}

export function finishCoverage(v: RawValues, id: RecordIdentity): CoverageRecord {
  const F = OUTPUT_FIELDS.coverage;
  const priorityText = text(v, 'priority') || '1';
  if (!/^\d+$/.test(priorityText)) throw new FieldProblem('priority', 'invalid', 'priority is not a whole number (apply fn: cobPriority)');
  return {
    sourceKey: id.sourceKey,
    patientRef: text(v, 'patient'),
    asOf: asOfField(v),
    planId: text(v, 'planId'),
    payerId: orNull(v, 'payerId'),
    payerName: orNull(v, 'payerName'),
    memberId: orNull(v, 'memberId'),
    groupNumber: orNull(v, 'groupNumber'),
    groupName: orNull(v, 'groupName'),
    planType: orNull(v, 'planType'),
    relationship: orNull(v, 'relationship'),
    priority: Number(priorityText),
    effectiveDate: dateField(v, 'effectiveDate', F.effectiveDate as FieldSpec),
    expirationDate: dateField(v, 'expirationDate', F.expirationDate as FieldSpec),
    subscriberFamilyName: orNull(v, 'subscriberFamilyName'),
    subscriberGivenName: orNull(v, 'subscriberGivenName'),
    subscriberBirthDate: dateField(v, 'subscriberBirthDate', F.subscriberBirthDate as FieldSpec),
    subscriberSex: orNull(v, 'subscriberSex'),
  };
}

export function finishMerge(v: RawValues, id: RecordIdentity): MergeRecord {
  return { sourceKey: id.sourceKey, patientRef: text(v, 'patient'), priorPatientRef: text(v, 'prior'), asOf: asOfField(v) };
}
