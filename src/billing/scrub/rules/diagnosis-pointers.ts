/** Every line points at 1 to 4 diagnoses (SV107), each an existing diagnosis position, none twice. */
import type { ScrubFinding } from '../../model';
import { lineFinding } from '../finding';
import type { ScrubRule } from '../types';

const MAX_POINTERS = 4;

export const rule: ScrubRule = {
  id: 'diagnosis-pointers',
  severity: 'error',
  scope: 'line',
  description: `Every line has 1 to ${MAX_POINTERS} diagnosis pointers, each naming a diagnosis on the claim, none repeated.`,
  check(claim) {
    const out: ScrubFinding[] = [];
    const n = claim.diagnoses.length;
    for (const line of claim.lines) {
      const pointers = line.diagnosisPointers;
      const report = (message: string) => out.push(lineFinding(rule, line.lineNumber, message));
      if (pointers.length === 0) report('the line points at no diagnosis');
      if (pointers.length > MAX_POINTERS) report(`the line has ${pointers.length} diagnosis pointers; at most ${MAX_POINTERS}`);
      pointers.forEach((p, i) => {
        if (!Number.isInteger(p) || p < 1 || p > n) report(`diagnosis pointer ${p} does not name a diagnosis (the claim has ${n})`);
        else if (pointers.indexOf(p) !== i) report(`diagnosis pointer ${p} is given twice`);
      });
    }
    return out;
  },
};
