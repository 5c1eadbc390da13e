/** Dates of service: real dates, not in the future, not before the patient's birth (which is never shown). */
import type { ScrubFinding } from '../../model';
import { lineFinding } from '../finding';
import { isIsoDate } from '../dates';
import type { ScrubRule } from '../types';

export const rule: ScrubRule = {
  id: 'service-date',
  severity: 'error',
  scope: 'line',
  description: "Every date of service is a date (YYYY-MM-DD), not after today and not before the patient's date of birth.",
  check(claim, { today }) {
    const out: ScrubFinding[] = [];
    const birth = claim.patient.birthDate;
    for (const line of claim.lines) {
      const dos = line.serviceDate;
      if (!isIsoDate(dos)) out.push(lineFinding(rule, line.lineNumber, `date of service "${dos}" is not a date (YYYY-MM-DD)`));
      else if (dos > today) out.push(lineFinding(rule, line.lineNumber, `date of service ${dos} is in the future (today is ${today})`));
      else if (birth !== undefined && isIsoDate(birth) && dos < birth) {
        out.push(lineFinding(rule, line.lineNumber, `date of service ${dos} is before the patient's date of birth`));
      }
    }
    return out;
  },
};
