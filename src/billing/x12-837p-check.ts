/**
 * A structural checker for 837P text (ours, before it leaves the building; and for tests). Pure.
 *
 * `check837P(text)` lists every problem it finds, empty when none: the text reads as X12 (src/x12 reader),
 * envelopes (ISA 106 characters, ISA13 = IEA02 9 digits, IEA01/GE01/SE01 counts, GS06 = GE02, ST02 = SE02),
 * ST01 = 837 and GS08 = ST03 = 005010X222A1, HL01 numbered 1, 2, 3… in each set, HL02 naming an earlier HL
 * of the right level (20 ← 22 ← 23), HL04 = 1 exactly when children follow, CLM02 = Σ SV102 per claim,
 * CLM01 at most 20 characters, SV107 pointers 1 to 4 of them and within the claim's HI diagnoses, every
 * NM1 …*XX* NPI passing its check digit, and no segment ending in an empty element. Messages name segment
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
  diagnoses: number;
  lines: ReadSegment[];
}

/** Claims with their diagnosis count and SV1 lines; a claim runs to the next CLM, HL or SE. */
function claimSpans(set: X12TransactionSet): ClaimSpan[] {
  const spans: ClaimSpan[] = [];
  let current: ClaimSpan | undefined;
  for (const seg of set.segments) {
    if (seg.id === 'CLM') {
      current = { clm: seg, diagnoses: 0, lines: [] };
      spans.push(current);
    } else if (seg.id === 'HL' || seg.id === 'SE') {
      current = undefined;
    } else if (current && seg.id === 'HI') {
      for (let n = 1; n <= elementCount(seg); n++) {
        if (DIAGNOSIS_QUALIFIERS.has(componentValue(seg, n, 1))) current.diagnoses++;
      }
    } else if (current && seg.id === 'SV1') {
      current.lines.push(seg);
    }
  }
  return spans;
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
