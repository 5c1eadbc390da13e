/**
 * An operator's edits of a claim (diagnoses, place of service, a line's modifiers and units), pure. They are
 * stored with the claim and applied again whenever the claim is rebuilt from its charges (correct, a payer claim
 * number that arrives), so a correction never silently undoes what a biller fixed by hand. The scrubber judges the
 * result: edits are checked only for shape here (a bad code is the scrubber's finding, not a refusal).
 *
 * Diagnoses: the list replaces the claim's (principal first). Each line keeps pointing at the codes it pointed at
 * that are still on the claim; a line left with none points at the first diagnoses (up to four).
 * Units: SV104 only; the line charge stays as the charge was sent (the pharmacy system priced the units it sent).
 */
import { EngineError } from '../../core/errors';
import type { Claim } from '../model';
import type { ClaimEdits } from '../ports';
import { MAX_DIAGNOSES_PER_CLAIM, MAX_POINTERS_PER_LINE, diagnosesOfLine } from './build';
import { sumAmounts } from './money';

export const MAX_MODIFIERS_PER_LINE = 4;

/** The claim with the edits applied (lines matched by charge id; edits of charges not on the claim are ignored). */
export function applyEdits(claim: Claim, edits: ClaimEdits | undefined): Claim {
  if (!edits || isEmpty(edits)) return claim;
  let out: Claim = { ...claim, lines: claim.lines.map((l) => ({ ...l })) };
  if (edits.placeOfService !== undefined) out.placeOfService = edits.placeOfService;
  for (const line of out.lines) {
    const e = edits.lines?.[line.chargeId];
    if (!e) continue;
    if (e.modifiers !== undefined) line.modifiers = [...e.modifiers];
    if (e.units !== undefined) line.units = e.units;
  }
  if (edits.diagnoses !== undefined) {
    const diagnoses = [...edits.diagnoses];
    const lines = out.lines.map((line) => {
      const kept = diagnosesOfLine(claim, line)
        .map((d) => diagnoses.indexOf(d) + 1)
        .filter((p) => p > 0);
      const pointers = kept.length > 0 ? kept : diagnoses.slice(0, MAX_POINTERS_PER_LINE).map((_, i) => i + 1);
      return { ...line, diagnosisPointers: pointers };
    });
    out = { ...out, diagnoses, lines };
  }
  return { ...out, totalCharge: sumAmounts(out.lines.map((l) => l.chargeAmount)) };
}

/** `next` merged over `base`: a later edit of the same field wins; lines merge per charge. */
export function mergeEdits(base: ClaimEdits, next: ClaimEdits): ClaimEdits {
  const lines: NonNullable<ClaimEdits['lines']> = { ...(base.lines ?? {}) };
  for (const [chargeId, e] of Object.entries(next.lines ?? {})) lines[chargeId] = { ...(lines[chargeId] ?? {}), ...e };
  return {
    ...base,
    ...next,
    ...(Object.keys(lines).length > 0 ? { lines } : {}),
  };
}

export function isEmpty(edits: ClaimEdits): boolean {
  return edits.diagnoses === undefined && edits.placeOfService === undefined && Object.keys(edits.lines ?? {}).length === 0;
}

/** An operator's edit as asked for: lines by their line number (LX01). */
export interface ClaimEditRequest {
  diagnoses?: string[];
  placeOfService?: string;
  lines?: Array<{ lineNumber: number; modifiers?: string[]; units?: string }>;
}

/**
 * Normalizes an operator's edit (codes upper-cased and trimmed, units as a decimal); BAD_REQUEST with the reason
 * when its shape is wrong (too many diagnoses or modifiers, units that are not a positive number, a line the
 * claim does not have).
 */
export function normalizeEdits(claim: Pick<Claim, 'lines'>, edits: ClaimEditRequest): ClaimEdits {
  const out: ClaimEdits = {};
  if (edits.diagnoses !== undefined) {
    const diagnoses = [...new Set(edits.diagnoses.map((d) => d.trim().toUpperCase()).filter((d) => d !== ''))];
    if (diagnoses.length === 0) throw new EngineError('BAD_REQUEST', 'a claim needs at least one diagnosis');
    if (diagnoses.length > MAX_DIAGNOSES_PER_CLAIM)
      throw new EngineError('BAD_REQUEST', `a claim carries at most ${MAX_DIAGNOSES_PER_CLAIM} diagnoses`);
    out.diagnoses = diagnoses;
  }
  if (edits.placeOfService !== undefined) {
    const pos = edits.placeOfService.trim();
    if (!/^\d{2}$/.test(pos)) throw new EngineError('BAD_REQUEST', `place of service "${pos}" must be two digits (e.g. 01 pharmacy)`);
    out.placeOfService = pos;
  }
  for (const e of edits.lines ?? []) {
    const chargeId = claim.lines.find((l) => l.lineNumber === e.lineNumber)?.chargeId;
    if (chargeId === undefined) throw new EngineError('BAD_REQUEST', `the claim has no line ${e.lineNumber}`);
    const line: { modifiers?: string[]; units?: string } = {};
    if (e.modifiers !== undefined) {
      const modifiers = e.modifiers.map((m) => m.trim().toUpperCase()).filter((m) => m !== '');
      if (modifiers.length > MAX_MODIFIERS_PER_LINE)
        throw new EngineError('BAD_REQUEST', `a line carries at most ${MAX_MODIFIERS_PER_LINE} modifiers`);
      line.modifiers = modifiers;
    }
    if (e.units !== undefined) {
      const units = e.units.trim();
      if (!/^\d{1,7}(\.\d{1,3})?$/.test(units) || Number(units) <= 0) {
        throw new EngineError('BAD_REQUEST', `units "${units}" must be a positive number (at most 3 decimals)`);
      }
      line.units = units;
    }
    out.lines = { ...(out.lines ?? {}), [chargeId]: line };
  }
  if (isEmpty(out)) throw new EngineError('BAD_REQUEST', 'the edit changes nothing: give diagnoses, placeOfService or lines');
  return out;
}

/** What an edit changed, before → after, in plain words for the claim history (codes only, no patient data). */
export function describeEdit(before: Claim, after: Claim): string[] {
  const out: string[] = [];
  const list = (values: readonly string[]) => (values.length > 0 ? values.join(', ') : 'none');
  if (list(before.diagnoses) !== list(after.diagnoses)) out.push(`diagnoses ${list(before.diagnoses)} → ${list(after.diagnoses)}`);
  if (before.placeOfService !== after.placeOfService) out.push(`place of service ${before.placeOfService} → ${after.placeOfService}`);
  for (const line of after.lines) {
    const old = before.lines.find((l) => l.chargeId === line.chargeId);
    if (!old) continue;
    const what = `line ${line.lineNumber} (${line.code})`;
    if (list(old.modifiers) !== list(line.modifiers)) out.push(`${what} modifiers ${list(old.modifiers)} → ${list(line.modifiers)}`);
    if (old.units !== line.units) out.push(`${what} units ${old.units} → ${line.units}`);
  }
  return out;
}
