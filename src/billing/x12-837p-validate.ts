/**
 * What a claim must satisfy before the 837P writer will write it (the TR3 limits the writer can check on its
 * own; DOMAIN §2.2). Scrubbing should hold a claim long before this; the writer still refuses to emit a file a
 * payer would reject for arithmetic or shape. Pure. Errors are EngineError('CLAIM_INVALID') naming the claim
 * by id and position and the line by number, never patient data.
 */
import { EngineError } from '../core/errors';
import { decimalsEqual, isDecimal, sumX12Decimals } from '../core/decimal';
import type { Claim, ClaimLine, ProviderRef } from './model';
import { addressProblems } from './scrub/rules/address-required';
import { digitsOnly, hiCode } from './x12-837p-loops';

export const MAX_LINES_PER_CLAIM = 50;
export const MAX_DIAGNOSES = 12;
export const MAX_CLAIM_CONTROL_NUMBER = 20;
const NDC_UNITS = new Set(['F2', 'GR', 'ME', 'ML', 'UN']);
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const ICD10 = /^[A-Z][0-9][0-9A-Z]{1,5}$/;

/** Throws CLAIM_INVALID on the first problem of claim number `index` (0-based) that the 837P cannot carry. */
export function assertWritable(claim: Claim, index: number): void {
  const where = `claim ${index + 1} (id ${claim.id})`;
  const fail = (what: string): never => {
    throw new EngineError('CLAIM_INVALID', `${where}: ${what}`);
  };
  const cn = claim.controlNumber;
  if (cn.trim() === '' || cn.length > MAX_CLAIM_CONTROL_NUMBER) fail(`CLM01 must be 1 to ${MAX_CLAIM_CONTROL_NUMBER} characters`);
  if (claim.lines.length === 0) fail('has no lines');
  if (claim.lines.length > MAX_LINES_PER_CLAIM) fail(`has more than ${MAX_LINES_PER_CLAIM} lines; split it`);
  if (claim.diagnoses.length === 0) fail('has no diagnosis');
  if (claim.diagnoses.length > MAX_DIAGNOSES) fail(`has more than ${MAX_DIAGNOSES} diagnoses`);
  claim.diagnoses.forEach((code, i) => {
    if (!ICD10.test(hiCode(code))) fail(`diagnosis ${i + 1} is not an ICD-10-CM code`);
  });
  if ((claim.frequency === '7' || claim.frequency === '8') && !claim.payerClaimNumber) {
    fail('a replacement or void (frequency 7 or 8) needs the payer claim number (REF*F8)');
  }
  if (!/^\d{9}$/.test(digitsOnly(claim.billingProvider.address.zip))) fail('the billing provider ZIP must have 9 digits');
  if (!/^\d{9}$/.test(digitsOnly(claim.billingProvider.taxId))) fail('the billing provider tax id must have 9 digits');
  // 2010BA N3/N4 are required when the patient is the subscriber, 2010CA N3/N4 for any other patient.
  if (claim.patient.relationship === '18') {
    const problems = addressProblems(claim.subscriber.address ?? claim.patient.address);
    if (problems.length > 0)
      fail(`the subscriber address (2010BA N3/N4, required when the patient is the subscriber) needs ${problems.join('; ')}`);
  } else {
    const problems = addressProblems(claim.patient.address);
    if (problems.length > 0) fail(`the patient address (2010CA N3/N4) needs ${problems.join('; ')}`);
  }
  if (claim.subscriber.birthDate && !DATE.test(claim.subscriber.birthDate)) fail('the subscriber birth date is not YYYY-MM-DD');
  if (claim.patient.birthDate && !DATE.test(claim.patient.birthDate)) fail('the patient birth date is not YYYY-MM-DD');
  if (claim.renderingProvider && !hasName(claim.renderingProvider)) fail('the rendering provider has no name');
  if (!isDecimal(claim.totalCharge)) fail('the total charge is not a decimal amount');
  claim.lines.forEach((line, i) => {
    const problem = lineProblem(line, i, claim.diagnoses.length);
    if (problem) fail(`line ${i + 1}: ${problem}`);
  });
  if (!decimalsEqual(claim.totalCharge, sumX12Decimals(claim.lines.map((l) => l.chargeAmount)))) {
    fail('CLM02 (total charge) differs from the sum of the line charges (SV102)');
  }
  const cob = otherPayerProblem(claim);
  if (cob) fail(cob);
}

/** Earlier payers a claim must name: a secondary one, a tertiary two (the 2320 loops). */
const EARLIER_PAYERS: Record<string, number> = { P: 0, S: 1, T: 2 };
/** The TR3 repeats: 2320 ten times, its claim-level CAS five times. */
const MAX_OTHER_PAYERS = 10;
const MAX_CLAIM_CAS = 5;

/**
 * The coordination-of-benefits problems a clearinghouse rejects: a secondary or tertiary claim without the earlier
 * payers' loops, and loops that do not balance (per earlier payer: CLM02 = AMT*D + Σ claim CAS + Σ its line CAS; per
 * line: SV102 = SVD02 + Σ its CAS), or a line adjudication naming a payer no 2330B names.
 */
function otherPayerProblem(claim: Claim): string | undefined {
  const others = claim.otherPayers ?? [];
  const needed = EARLIER_PAYERS[claim.subscriber.payerResponsibility] ?? 0;
  if (others.length < needed) {
    return `SBR01 ${claim.subscriber.payerResponsibility} needs ${needed} earlier payer${needed === 1 ? '' : 's'} (2320/2330 loops); the claim names ${others.length}`;
  }
  if (others.length > MAX_OTHER_PAYERS) return `names more than ${MAX_OTHER_PAYERS} other payers`;
  const ids = new Set(others.map((o) => o.payer.id));
  for (const [i, line] of claim.lines.entries()) {
    for (const a of line.adjudications ?? []) {
      if (!ids.has(a.payerId)) return `line ${i + 1}: SVD01 ${a.payerId} is not the id of an other payer (2330B NM109)`;
      if (!DATE.test(a.adjudicationDate)) return `line ${i + 1}: the adjudication date of payer ${a.payerId} is not YYYY-MM-DD`;
      if (![a.paidAmount, a.paidUnits, ...a.adjustments.map((x) => x.amount)].every(isDecimal)) {
        return `line ${i + 1}: an amount of payer ${a.payerId}'s adjudication is not a decimal`;
      }
      if (!decimalsEqual(line.chargeAmount, sumX12Decimals([a.paidAmount, ...a.adjustments.map((x) => x.amount)]))) {
        return `line ${i + 1}: payer ${a.payerId}'s adjudication does not balance: SV102 must equal SVD02 + its CAS amounts`;
      }
    }
  }
  for (const o of others) {
    if (!DATE.test(o.adjudicationDate)) return `the adjudication date of other payer ${o.payer.id} is not YYYY-MM-DD`;
    if (![o.paidAmount, ...o.claimAdjustments.map((x) => x.amount)].every(isDecimal))
      return `an amount of other payer ${o.payer.id} is not a decimal`;
    if (new Set(o.claimAdjustments.map((x) => x.group)).size > MAX_CLAIM_CAS)
      return `other payer ${o.payer.id} has more than ${MAX_CLAIM_CAS} claim adjustment groups`;
    const lineAdjustments = claim.lines.flatMap((l) =>
      (l.adjudications ?? []).filter((a) => a.payerId === o.payer.id).flatMap((a) => a.adjustments),
    );
    const accounted = sumX12Decimals([o.paidAmount, ...o.claimAdjustments.map((x) => x.amount), ...lineAdjustments.map((x) => x.amount)]);
    if (!decimalsEqual(claim.totalCharge, accounted)) {
      return `other payer ${o.payer.id} does not balance: CLM02 must equal its AMT*D + its claim CAS + its line CAS amounts`;
    }
  }
  return undefined;
}

/** The first problem of line number `index` (0-based) that the 837P cannot carry, or undefined. */
function lineProblem(line: ClaimLine, index: number, diagnoses: number): string | undefined {
  if (line.lineNumber !== index + 1) return 'lineNumber does not match its position in the claim';
  if (!/^[A-Z0-9]{5}$/.test(line.code)) return 'the procedure code is not 5 letters or digits';
  if (line.modifiers.length > 4) return 'has more than 4 modifiers';
  if (line.modifiers.some((m) => !/^[A-Z0-9]{2}$/.test(m))) return 'a modifier is not 2 letters or digits';
  if (!isDecimal(line.chargeAmount)) return 'the charge is not a decimal amount';
  if (!isDecimal(line.units)) return 'the units are not a decimal number';
  if (!DATE.test(line.serviceDate)) return 'the service date is not YYYY-MM-DD';
  const pointers = line.diagnosisPointers;
  if (pointers.length === 0 || pointers.length > 4) return 'needs 1 to 4 diagnosis pointers';
  if (pointers.some((p) => !Number.isInteger(p) || p < 1 || p > diagnoses)) return 'a diagnosis pointer is beyond the diagnoses';
  if (line.chargeId.trim() === '' || line.chargeId.length > 50) return 'the charge id (REF*6R) must be 1 to 50 characters';
  if (line.ndc !== undefined) {
    if (!/^\d{11}$/.test(line.ndc)) return 'the NDC is not 11 digits';
    if (!line.ndcQuantity || !isDecimal(line.ndcQuantity)) return 'an NDC needs a decimal quantity (CTP04)';
    if (!line.ndcUnit || !NDC_UNITS.has(line.ndcUnit)) return 'an NDC needs a unit F2, GR, ME, ML or UN (CTP05)';
  }
  if (line.orderingProvider && !hasName(line.orderingProvider)) return 'the ordering provider has no name';
  if (line.renderingProvider && !hasName(line.renderingProvider)) return 'the rendering provider has no name';
  return undefined;
}

function hasName(p: ProviderRef): boolean {
  return Boolean(p.familyName?.trim() || p.organizationName?.trim());
}
