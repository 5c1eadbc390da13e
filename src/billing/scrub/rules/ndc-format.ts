/** NDC on a line (2410 LIN/CTP): 11 digits (5-4-2, no hyphens), a quantity > 0 and a unit F2/GR/ME/ML/UN. */
import { isDecimal, toScaled } from '../../../core/decimal';
import type { ScrubFinding } from '../../model';
import { lineFinding } from '../finding';
import { NDC_UNITS } from '../tables';
import type { ScrubRule } from '../types';

function ndcProblem(ndc: string): string | undefined {
  if (/^\d{11}$/.test(ndc)) return undefined;
  if (/^\d{4,5}-\d{3,4}-\d{1,2}$/.test(ndc)) {
    return ndc.replace(/-/g, '').length === 11
      ? `NDC ${ndc} must be written without hyphens (${ndc.replace(/-/g, '')})`
      : `NDC ${ndc} is a 10-digit NDC: convert it to 11 digits (5-4-2) by padding its short segment with a 0`;
  }
  if (/^\d{10}$/.test(ndc)) return `NDC ${ndc} has 10 digits: convert it to 11 (5-4-2) from its hyphenated form`;
  return `NDC "${ndc}" is not an 11-digit NDC`;
}

export const rule: ScrubRule = {
  id: 'ndc-format',
  severity: 'error',
  scope: 'line',
  description: 'A line with an NDC has an 11-digit NDC, a quantity greater than zero and a unit of F2, GR, ME, ML or UN.',
  check(claim) {
    const out: ScrubFinding[] = [];
    for (const line of claim.lines) {
      const { ndc, ndcQuantity, ndcUnit } = line;
      if (ndc === undefined && ndcQuantity === undefined && ndcUnit === undefined) continue;
      const report = (message: string) => out.push(lineFinding(rule, line.lineNumber, message));
      if (ndc === undefined || ndc.trim() === '') {
        report(`${line.code} has an NDC quantity or unit but no NDC`);
      } else {
        const problem = ndcProblem(ndc);
        if (problem) report(problem);
      }
      if (ndcQuantity === undefined || ndcQuantity.trim() === '') report(`the NDC on ${line.code} has no quantity`);
      else if (!isDecimal(ndcQuantity) || toScaled(ndcQuantity, 3) <= 0n)
        report(`NDC quantity "${ndcQuantity}" on ${line.code} must be a number greater than zero`);
      if (ndcUnit === undefined || ndcUnit.trim() === '') report(`the NDC on ${line.code} has no unit (F2, GR, ME, ML or UN)`);
      else if (!NDC_UNITS.has(ndcUnit)) report(`NDC unit "${ndcUnit}" on ${line.code} must be one of F2, GR, ME, ML, UN`);
    }
    return out;
  },
};
