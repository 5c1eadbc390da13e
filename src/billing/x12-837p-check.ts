/**
 * A structural checker for 837P text (ours, before it leaves the building; and for tests). Pure.
 *
 * `check837P(text)` lists every problem it finds, empty when none: the text reads as X12 (src/x12 reader),
 * envelopes (ISA 106 characters, ISA13 = IEA02 9 digits, IEA01/GE01/SE01 counts, GS06 = GE02, ST02 = SE02),
 * ST01 = 837 and GS08 = ST03 = 005010X222A1, HL01 numbered 1, 2, 3… in each set, HL02 naming an earlier HL
 * of the right level (20 ← 22 ← 23), HL04 = 1 exactly when children follow, CLM02 = Σ SV102 per claim,
 * CLM01 at most 20 characters, SV107 pointers 1 to 4 of them and within the claim's HI diagnoses, every
 * NM1 …*XX* NPI passing its check digit, a secondary or tertiary claim (2000B SBR01 S or T) with its other payer
 * loops (2320) balancing CLM02 and each SVD (2430) balancing its line, and no segment ending in an empty element. Messages name segment
 * positions (ISA = 1) and element ids, never data values.
 */
import { EngineError } from '../core/errors';
import { checkEnvelopes } from '../x12/envelope';
import { readInterchanges, type X12Interchange, type X12TransactionSet } from '../x12/reader';
import type { ReadSegment } from '../x12/segment';
import { componentValue, elementComponents, elementCount, elementRepetitions, elementValue, hasElement } from '../x12/segment';
import { decimalsEqual, isDecimal, sumX12Decimals } from '../core/decimal';
import { isValidNpi } from './npi';
import { X222A1 } from './x12-837p';

const at = (s: ReadSegment): string => `segment ${s.position} (${s.id})`;
const DIAGNOSIS_QUALIFIERS = new Set(['ABK', 'ABF', 'BK', 'BF']);
const PARENT_LEVEL: Record<string, string | undefined> = { '20': undefined, '22': '20', '23': '22' };

/** Every problem of an 837P text; [] when it passes. */
export function check837P(text: string): string[] {
  let interchanges: X12Interchange[];
  try {
    interchanges = readInterchanges(text);
  } catch (err) {
    if (err instanceof EngineError) return [err.message];
    throw err;
  }
  const problems = checkEnvelopes(interchanges);
  for (const ic of interchanges) {
    for (const group of ic.groups) {
      if (elementValue(group.gs, 8) !== X222A1) problems.push(`${at(group.gs)}: GS08 is not ${X222A1}`);
      for (const set of group.transactionSets) {
        if (elementValue(set.st, 1) !== '837') problems.push(`${at(set.st)}: ST01 is not 837`);
        if (elementValue(set.st, 3) !== elementValue(group.gs, 8)) problems.push(`${at(set.st)}: ST03 does not match GS08`);
        problems.push(...checkHierarchy(set), ...checkClaims(set), ...checkSegments(set));
      }
    }
  }
  return problems;
}

function checkHierarchy(set: X12TransactionSet): string[] {
  const problems: string[] = [];
  const levels = new Map<string, string>();
  const hasChildren = new Map<string, boolean>();
  const hls = set.segments.filter((s) => s.id === 'HL');
  hls.forEach((hl, i) => {
    const id = elementValue(hl, 1);
    const parent = elementValue(hl, 2);
    const level = elementValue(hl, 3);
    if (id !== String(i + 1)) problems.push(`${at(hl)}: HL01 should be ${i + 1}`);
    if (!(level in PARENT_LEVEL)) problems.push(`${at(hl)}: HL03 is not 20, 22 or 23`);
    const expectedParentLevel = PARENT_LEVEL[level];
    if (parent === '') {
      if (expectedParentLevel !== undefined) problems.push(`${at(hl)}: HL02 is empty but level ${level} needs a parent`);
    } else if (!levels.has(parent)) {
      problems.push(`${at(hl)}: HL02 names no earlier HL`);
    } else {
      if (levels.get(parent) !== expectedParentLevel) problems.push(`${at(hl)}: HL02 names an HL of the wrong level`);
      hasChildren.set(parent, true);
    }
    levels.set(id, level);
  });
  for (const hl of hls) {
    const expected = hasChildren.get(elementValue(hl, 1)) ? '1' : '0';
    if (elementValue(hl, 4) !== expected) problems.push(`${at(hl)}: HL04 should be ${expected}`);
  }
  return problems;
}

interface ClaimSpan {
  clm: ReadSegment;
  /** SBR01 of the 2000B loop the claim is under. */
  responsibility: string;
  diagnoses: number;
  lines: ReadSegment[];
  /** 2320/2330: per earlier payer, AMT*D, its claim CAS amounts and its id (2330B NM109). */
  otherPayers: { sbr: ReadSegment; paid?: string; adjustments: string[]; payerId?: string }[];
  /** 2430: per SVD, its line's SV102, SVD02 and its CAS amounts. */
  adjudications: { svd: ReadSegment; lineCharge: string; adjustments: string[] }[];
}

/** CAS amounts: CAS03, 06, 09, 12, 15, 18. */
function casAmounts(cas: ReadSegment): string[] {
  const out: string[] = [];
  for (let n = 3; n <= 18; n += 3) if (hasElement(cas, n)) out.push(elementValue(cas, n));
  return out;
}

/**
 * Claims with their diagnosis count, SV1 lines and coordination-of-benefits loops; a claim runs to the next CLM, HL
 * or SE. A CAS belongs to the 2320 loop before the first SV1, and to the SVD (2430) before it after.
 */
function claimSpans(set: X12TransactionSet): ClaimSpan[] {
  const spans: ClaimSpan[] = [];
  let current: ClaimSpan | undefined;
  let responsibility = '';
  let afterSubscriberHl = false;
  for (const seg of set.segments) {
    if (seg.id === 'CLM') {
      current = { clm: seg, responsibility, diagnoses: 0, lines: [], otherPayers: [], adjudications: [] };
      spans.push(current);
    } else if (seg.id === 'HL' || seg.id === 'SE') {
      current = undefined;
      afterSubscriberHl = elementValue(seg, 3) === '22';
    } else if (!current && seg.id === 'SBR' && afterSubscriberHl) {
      responsibility = elementValue(seg, 1);
    } else if (current && seg.id === 'HI') {
      for (let n = 1; n <= elementCount(seg); n++) {
        if (DIAGNOSIS_QUALIFIERS.has(componentValue(seg, n, 1))) current.diagnoses++;
      }
    } else if (current && seg.id === 'SV1') {
      current.lines.push(seg);
    } else if (current && seg.id === 'SBR') {
      current.otherPayers.push({ sbr: seg, adjustments: [] });
    } else if (current && seg.id === 'SVD') {
      const sv1 = current.lines[current.lines.length - 1];
      current.adjudications.push({ svd: seg, lineCharge: sv1 ? elementValue(sv1, 2) : '', adjustments: [] });
    } else if (current && seg.id === 'CAS') {
      const owner =
        current.lines.length > 0
          ? current.adjudications[current.adjudications.length - 1]
          : current.otherPayers[current.otherPayers.length - 1];
      owner?.adjustments.push(...casAmounts(seg));
    } else if (current && current.lines.length === 0 && seg.id === 'AMT' && elementValue(seg, 1) === 'D') {
      const other = current.otherPayers[current.otherPayers.length - 1];
      if (other) other.paid = elementValue(seg, 2);
    } else if (current && current.lines.length === 0 && seg.id === 'NM1' && elementValue(seg, 1) === 'PR') {
      const other = current.otherPayers[current.otherPayers.length - 1];
      if (other) other.payerId = elementValue(seg, 9);
    }
  }
  return spans;
}

/** How many earlier payers a claim of each SBR01 must name. */
const EARLIER_PAYERS: Record<string, number> = { S: 1, T: 2 };

/**
 * A secondary (S) or tertiary (T) claim names its earlier payers (2320), each with AMT*D, and each balances:
 * CLM02 = AMT*D + its claim CAS + the CAS of its SVD lines; each SVD balances its line: SV102 = SVD02 + its CAS.
 */
function checkCoordination(claim: ClaimSpan): string[] {
  const problems: string[] = [];
  const { clm } = claim;
  const needed = EARLIER_PAYERS[claim.responsibility] ?? 0;
  if (claim.otherPayers.length < needed) {
    problems.push(
      `${at(clm)}: SBR01 ${claim.responsibility} needs ${needed} other payer loop${needed === 1 ? '' : 's'} (2320), found ${claim.otherPayers.length}`,
    );
  }
  for (const a of claim.adjudications) {
    const amounts = [elementValue(a.svd, 2), ...a.adjustments];
    if (!amounts.every(isDecimal)) problems.push(`${at(a.svd)}: SVD02 or a CAS amount is not a decimal`);
    else if (!decimalsEqual(a.lineCharge, sumX12Decimals(amounts)))
      problems.push(`${at(a.svd)}: SVD02 + its CAS amounts do not equal the line's SV102`);
  }
  for (const o of claim.otherPayers) {
    if (o.paid === undefined) {
      problems.push(`${at(o.sbr)}: the other payer loop (2320) has no AMT*D`);
      continue;
    }
    const lineCas = claim.adjudications.filter((a) => elementValue(a.svd, 1) === o.payerId).flatMap((a) => a.adjustments);
    const amounts = [o.paid, ...o.adjustments, ...lineCas];
    if (!amounts.every(isDecimal)) problems.push(`${at(o.sbr)}: AMT*D or a CAS amount of the other payer is not a decimal`);
    else if (!decimalsEqual(elementValue(clm, 2), sumX12Decimals(amounts))) {
      problems.push(`${at(o.sbr)}: the other payer loop does not balance: AMT*D + its claim CAS + its SVD lines' CAS must equal CLM02`);
    }
  }
  return problems;
}

function checkClaims(set: X12TransactionSet): string[] {
  const problems: string[] = [];
  for (const claim of claimSpans(set)) {
    const { clm } = claim;
    const clm01 = elementValue(clm, 1);
    if (clm01 === '' || clm01.length > 20) problems.push(`${at(clm)}: CLM01 must be 1 to 20 characters`);
    if (claim.lines.length === 0) problems.push(`${at(clm)}: the claim has no SV1 line`);
    const amounts = claim.lines.map((sv1) => elementValue(sv1, 2));
    const bad = claim.lines.filter((sv1) => !isDecimal(elementValue(sv1, 2)));
    for (const sv1 of bad) problems.push(`${at(sv1)}: SV102 is not a decimal amount`);
    if (bad.length === 0 && !decimalsEqual(elementValue(clm, 2), sumX12Decimals(amounts))) {
      problems.push(`${at(clm)}: CLM02 does not equal the sum of its ${claim.lines.length} SV102 amounts`);
    }
    problems.push(...checkCoordination(claim));
    for (const sv1 of claim.lines) {
      const pointers = elementComponents(sv1, 7);
      if (pointers.length === 0 || pointers.length > 4 || pointers.some((p) => p === '')) {
        problems.push(`${at(sv1)}: SV107 needs 1 to 4 diagnosis pointers`);
      }
      for (const p of pointers.filter((x) => x !== '')) {
        const n = Number(p);
        if (!Number.isInteger(n) || n < 1 || n > claim.diagnoses) {
          problems.push(`${at(sv1)}: a diagnosis pointer is beyond the ${claim.diagnoses} HI diagnoses`);
        }
      }
    }
  }
  return problems;
}

function checkSegments(set: X12TransactionSet): string[] {
  const problems: string[] = [];
  for (const seg of set.segments) {
    if (seg.id === 'NM1' && elementValue(seg, 8) === 'XX' && !isValidNpi(elementValue(seg, 9))) {
      problems.push(`${at(seg)}: NM109 fails the NPI check digit (80840 Luhn)`);
    }
    const last = elementCount(seg);
    if (last > 0 && !hasElement(seg, last) && elementRepetitions(seg, last).length > 0) {
      problems.push(`${at(seg)}: ends with an empty element`);
    }
  }
  return problems;
}
