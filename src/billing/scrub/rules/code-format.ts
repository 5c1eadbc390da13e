/** CPT and HCPCS level II formats (DOMAIN.md §4), and a code billed under the right code system. */
import { lineFinding } from '../finding';
import { CPT_FORM, HCPCS_FORM } from '../formats';
import type { ScrubRule } from '../types';

function problem(code: string, system: 'CPT' | 'HCPCS'): string | undefined {
  if (system === 'CPT') {
    if (CPT_FORM.test(code)) return undefined;
    if (HCPCS_FORM.test(code)) return `${code} is a HCPCS code but the line bills it as CPT`;
    return `"${code}" is not a CPT code (5 digits, or 4 digits and F, T, U or M)`;
  }
  if (HCPCS_FORM.test(code))
    return code.startsWith('D') ? `${code} is a dental (CDT) code: it is not billed on a professional claim` : undefined;
  if (CPT_FORM.test(code)) return `${code} is a CPT code but the line bills it as HCPCS`;
  return `"${code}" is not a HCPCS code (a letter A-V and 4 digits)`;
}

export const rule: ScrubRule = {
  id: 'code-format',
  severity: 'error',
  scope: 'line',
  description: 'Every line code is a well-formed CPT or HCPCS level II code of the code system the line names.',
  check(claim) {
    return claim.lines.flatMap((line) => {
      const message = problem(line.code, line.codeSystem);
      return message ? [lineFinding(rule, line.lineNumber, message)] : [];
    });
  },
};
