/**
 * Diagnosis sex conflicts (Medicare Code Editor lists, `rxbridge codes import mce`): a diagnosis for males only
 * billed for a female patient, or for females only for a male patient (patient sex M or F; U or none: one
 * warning when a diagnosis has a sex edit). Dates no MCE release covers are reported once, by mce-age.
 */
import type { ScrubFinding } from '../../model';
import { isIsoDate } from '../dates';
import { coverage, editsOf } from '../edits';
import { claimFinding } from '../finding';
import { ICD10CM_FORM } from '../formats';
import type { ScrubRule } from '../types';

const SEX_WORD = { M: 'male', F: 'female' } as const;

export const rule: ScrubRule = {
  id: 'mce-sex',
  severity: 'error',
  scope: 'claim',
  description: "No diagnosis conflicts with the patient's sex (MCE lists of diagnoses for males only and for females only).",
  check(claim, ctx) {
    const diagnoses = [...new Set(claim.diagnoses.filter((c) => ICD10CM_FORM.test(c)))];
    if (diagnoses.length === 0) return [];
    const edits = editsOf(ctx);
    const { covered } = coverage(edits, 'mce', claim.lines.map((l) => l.serviceDate).filter(isIsoDate));
    const sex = claim.patient.sex === 'M' || claim.patient.sex === 'F' ? claim.patient.sex : undefined;
    const out: ScrubFinding[] = [];
    const messages = new Set<string>();
    for (const dos of covered) {
      const release = edits.release('mce', dos)!;
      for (const code of diagnoses) {
        for (const edit of edits.mce(code, dos)) {
          if (edit.edit !== 'male' && edit.edit !== 'female') continue;
          if (!sex) {
            messages.add(`warning:diagnosis ${code} is for ${edit.edit} patients only and the patient's sex is not known: not checked`);
          } else if (SEX_WORD[sex] !== edit.edit) {
            messages.add(`diagnosis ${code} is for ${edit.edit} patients only; the patient is ${SEX_WORD[sex]} (${release})`);
          }
        }
      }
    }
    for (const m of messages) {
      out.push(m.startsWith('warning:') ? claimFinding(rule, m.slice('warning:'.length), 'warning') : claimFinding(rule, m));
    }
    return out;
  },
};
