/**
 * Diagnosis age conflicts (Medicare Code Editor lists, `rxbridge codes import mce`): a diagnosis on the newborn
 * (age 0), pediatric (0–17), maternity (12–55) or adult (15–124) list, for a patient whose age on the date of
 * service (from the patient's birth date) is outside the list's range. The ranges come from the imported lists.
 * A patient without a birth date: one warning when a diagnosis has an age edit. This rule also reports the dates
 * no loaded MCE release covers (for mce-sex too): ./required.ts.
 */
import type { ScrubFinding } from '../../model';
import { ageOn, isIsoDate } from '../dates';
import { coverage, editsOf } from '../edits';
import { claimFinding } from '../finding';
import { ICD10CM_FORM } from '../formats';
import { uncoveredFindings } from '../required';
import type { ScrubRule } from '../types';

export const rule: ScrubRule = {
  id: 'mce-age',
  severity: 'error',
  scope: 'claim',
  description: "No diagnosis conflicts with the patient's age on the date of service (MCE newborn, pediatric, maternity and adult lists).",
  check(claim, ctx) {
    const diagnoses = [...new Set(claim.diagnoses.filter((c) => ICD10CM_FORM.test(c)))];
    if (diagnoses.length === 0) return [];
    const edits = editsOf(ctx);
    const { covered, uncovered } = coverage(edits, 'mce', claim.lines.map((l) => l.serviceDate).filter(isIsoDate));
    const out: ScrubFinding[] = uncoveredFindings(
      rule,
      ctx,
      claim.payer.id,
      'mce',
      edits.has('mce'),
      uncovered,
      'diagnosis ages and sexes',
    );
    const birthDate = claim.patient.birthDate;
    const messages = new Set<string>();
    const warnings = new Set<string>();
    for (const dos of covered) {
      const release = edits.release('mce', dos)!;
      for (const code of diagnoses) {
        for (const edit of edits.mce(code, dos)) {
          if (edit.ageFrom === null || edit.ageTo === null) continue;
          const range = edit.ageFrom === edit.ageTo ? `age ${edit.ageFrom}` : `ages ${edit.ageFrom}–${edit.ageTo}`;
          const age = birthDate ? ageOn(birthDate, dos) : undefined;
          if (age === undefined) {
            warnings.add(`diagnosis ${code} is for ${range} (${edit.edit}) and the patient has no usable birth date: age not checked`);
          } else if (age < edit.ageFrom || age > edit.ageTo) {
            messages.add(`diagnosis ${code} is a ${edit.edit} diagnosis (${range}); the patient is ${age} on ${dos} (${release})`);
          }
        }
      }
    }
    return [...out, ...[...messages].map((m) => claimFinding(rule, m)), ...[...warnings].map((m) => claimFinding(rule, m, 'warning'))];
  },
};
