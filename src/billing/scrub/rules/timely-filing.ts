/**
 * Timely filing (DOMAIN.md §4): each line must be filed within the payer's limit counted from its date of
 * service (days, or calendar years where a Feb 29 date ends on Feb 28), per the payer rules in force then.
 */
import { lineFinding } from '../finding';
import { addDays, addYears, isIsoDate } from '../dates';
import type { ScrubRule } from '../types';

export const rule: ScrubRule = {
  id: 'timely-filing',
  severity: 'error',
  scope: 'line',
  description: "Every line is filed within the payer's timely filing limit from its date of service.",
  check(claim, { payerRules, today }) {
    return claim.lines.flatMap((line) => {
      const dos = line.serviceDate;
      if (!isIsoDate(dos)) return []; // service-date reports it
      const { amount, unit } = payerRules.payerRulesFor(claim.payer.id, dos).timelyFiling;
      const lastDay = unit === 'days' ? addDays(dos, amount) : addYears(dos, amount);
      if (today <= lastDay) return [];
      const limit = `${amount} ${unit === 'days' ? (amount === 1 ? 'day' : 'days') : amount === 1 ? 'year' : 'years'}`;
      return [
        lineFinding(
          rule,
          line.lineNumber,
          `${line.code} on ${dos} is past timely filing: payer ${claim.payer.id} allows ${limit} from the date of service, which ended on ${lastDay}`,
        ),
      ];
    });
  },
};
