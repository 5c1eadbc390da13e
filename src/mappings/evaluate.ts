/**
 * Pure evaluation of a charge mapping plan against a parsed message: one charge record per `forEach`
 * segment whose transaction type is a charge or a credit. Throws EngineError (never retryable: the same
 * input gives the same answer) naming the segment and field, never the value.
 */
import { EngineError } from '../core/errors';
import type { Hl7Message, Hl7Segment } from '../hl7/parse';
import { readAll, readSegment, type PathRef } from '../hl7/path';
import type { ChargeRecord } from './charge';
import type { ChargeMappingPlan, CompiledSource } from './compile';
import { hl7Date } from './dates';
import { isDecimal, multiply, normalizeDecimal } from './decimal';

export interface MappingContext {
  channel: string;
  sender: string;
  controlId: string;
  /** The stored message id: names the source when there is no control id (source keys must stay unique). */
  messageId?: string;
}

/** Coding-system names senders put in CE.3, to the names billing uses. */
const CODE_SYSTEMS: Record<string, string> = {
  C4: 'CPT', CPT: 'CPT', CPT4: 'CPT', 'CPT-4': 'CPT', HCPCS: 'HCPCS', HCPC: 'HCPCS', HC: 'HCPCS', N4: 'NDC', NDC: 'NDC',
};

export function evaluateChargeMapping(plan: ChargeMappingPlan, msg: Hl7Message, ctx: MappingContext): ChargeRecord[] {
  const records: ChargeRecord[] = [];
  msg.segments.forEach((seg, index) => {
    if (seg.name !== plan.forEach) return;
    const read = (field: keyof ChargeMappingPlan['fields']) => first(plan.fields[field], seg, msg);
    const type = read('transactionType');
    const isCredit = plan.creditTypes.has(type);
    if (!plan.chargeTypes.has(type) && !isCredit) return;
    const sequence = occurrence(msg, index);
    const where = (field: keyof ChargeMappingPlan['fields']) => locate(plan.fields[field], plan.forEach, sequence);

    const patientRef = read('patient');
    if (!patientRef) throw missing('patient', where('patient'));
    const dateText = read('serviceDate');
    if (!dateText) throw missing('date of service', where('serviceDate'));
    const serviceDate = hl7Date(dateText);
    if (!serviceDate) throw invalid('date of service is not a valid HL7 date', where('serviceDate'));
    const codeAt = firstWithIndex(plan.fields.code, seg, msg);
    if (!codeAt.value) throw missing('procedure or transaction code', where('code'));
    // The coding system comes from the same alternative as the code (FT1-25.3 with FT1-25.1, FT1-7.3 with FT1-7.1).
    const systemRef = plan.fields.codeSystem?.[codeAt.index];
    const systemText = systemRef ? first([systemRef], seg, msg) : read('codeSystem');
    const { code, system } = resolveCode(plan, codeAt.value, systemText, where('code'));

    const unitsText = read('units') || plan.defaultUnits;
    if (!isDecimal(unitsText)) throw invalid('quantity is not a number', where('units'));
    const units = normalizeDecimal(unitsText, 3);
    if (Math.abs(Number(units)) >= 1e9) throw invalid('quantity is larger than 999,999,999.999', where('units'));
    const chargeAmount = amountOf(read('amount'), read('unitAmount'), units, where('amount'), where('unitAmount'));

    const reverses = isCredit ? read('reverses') : '';
    if (isCredit && !reverses) throw missing('the transaction id a credit reverses', where('reverses'));
    records.push({
      sourceKey: ctx.controlId ? `${ctx.channel}|${ctx.sender}|${ctx.controlId}|${index}` : `${ctx.channel}|message:${ctx.messageId ?? ''}|${index}`,
      kind: isCredit ? 'reversal' : 'charge',
      reversalOfTransaction: isCredit ? reverses : null,
      transactionId: read('transactionId') || null,
      serviceDate,
      patientRef,
      codeSystem: system,
      code,
      modifiers: all(plan.fields.modifiers, seg, msg).slice(0, 4),
      units,
      chargeAmount,
      diagnoses: all(plan.fields.diagnoses, seg, msg),
      renderingNpi: read('renderingNpi') || null,
      orderingNpi: read('orderingNpi') || null,
      ndc: read('ndc') || null,
    });
  });
  return records;
}

function resolveCode(plan: ChargeMappingPlan, raw: string, systemText: string, location: ReturnType<typeof locate>) {
  const entry = plan.codeTable.get(raw);
  if (entry) return entry;
  if (plan.unknownCodes === 'error') {
    throw new EngineError('MAPPING_LOOKUP_MISSING', `code is not in the charge master of mapping ${plan.name}`, location);
  }
  return { code: raw, system: CODE_SYSTEMS[systemText.toUpperCase()] ?? (systemText ? 'LOCAL' : 'CPT') };
}

/** Largest charge amount the store keeps (numeric(12, 2)). */
const MAX_AMOUNT = 10n ** 10n;

function amountOf(amount: string, unitAmount: string, units: string, location: ReturnType<typeof locate>, unitLocation: ReturnType<typeof locate>): string {
  let result: string;
  if (amount) {
    if (!isDecimal(amount)) throw invalid('charge amount is not a number', location);
    result = normalizeDecimal(amount, 2);
  } else if (unitAmount) {
    if (!isDecimal(unitAmount)) throw invalid('unit amount is not a number', unitLocation);
    result = multiply(unitAmount, units, 2);
    location = unitLocation;
  } else {
    throw missing('charge amount (extended or unit amount)', location);
  }
  const whole = BigInt(result.replace('-', '').split('.')[0] ?? '0');
  if (whole >= MAX_AMOUNT) throw invalid('charge amount is larger than 9,999,999,999.99', location);
  return result;
}

function pick(ref: PathRef, seg: Hl7Segment, msg: Hl7Message): Hl7Segment | undefined {
  return ref.segment === seg.name ? seg : msg.segments.find((s) => s.name === ref.segment);
}

function first(source: CompiledSource | undefined, seg: Hl7Segment, msg: Hl7Message): string {
  return firstWithIndex(source, seg, msg).value;
}

/** The first non-empty alternative's value and its position in the source. */
function firstWithIndex(source: CompiledSource | undefined, seg: Hl7Segment, msg: Hl7Message): { value: string; index: number } {
  const refs = source ?? [];
  for (let i = 0; i < refs.length; i++) {
    const ref = refs[i]!;
    const target = pick(ref, seg, msg);
    const value = target ? readSegment(target, ref, msg.delimiters).trim() : '';
    if (value) return { value, index: i };
  }
  return { value: '', index: -1 };
}

function all(source: CompiledSource | undefined, seg: Hl7Segment, msg: Hl7Message): string[] {
  for (const ref of source ?? []) {
    const target = pick(ref, seg, msg);
    const values = target ? readAll(target, { ...ref, repetition: '*' }, msg.delimiters).map((v) => v.trim()).filter(Boolean) : [];
    if (values.length > 0) return values;
  }
  return [];
}

/** 1-based occurrence of the segment at `index` among segments of its name (for ERR locations). */
function occurrence(msg: Hl7Message, index: number): number {
  const name = msg.segments[index]?.name;
  let n = 0;
  for (let i = 0; i <= index; i++) if (msg.segments[i]?.name === name) n++;
  return n;
}

function locate(source: CompiledSource | undefined, segment: string, sequence: number) {
  const ref = source?.[0];
  return ref ? { segment: ref.segment, sequence: ref.segment === segment ? sequence : 1, field: ref.field } : { segment };
}

function missing(what: string, location: ReturnType<typeof locate>): EngineError {
  return new EngineError('MAPPING_FIELD_MISSING', `${what} is empty`, location);
}

function invalid(what: string, location: ReturnType<typeof locate>): EngineError {
  return new EngineError('MAPPING_VALUE_INVALID', what, location);
}
