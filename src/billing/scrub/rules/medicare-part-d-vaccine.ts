/**
 * Coverage route (DOMAIN.md §2.5): Medicare Part B covers flu, pneumococcal, hepatitis B and COVID-19
 * vaccines; others (zoster, Tdap, RSV, …) are Part D and go to the drug plan by NCPDP. A warning, because a
 * few are Part B when given for an injury or exposure. It looks only at the lines on the claim: a Part D vaccine
 * the payer routes to NCPDP by code (billing.yaml) is not on the claim and does not concern the flu lines left.
 */
import { lineFinding } from '../finding';
import { vaccineGroupOf } from '../tables';
import type { ScrubRule } from '../types';

export const rule: ScrubRule = {
  id: 'medicare-part-d-vaccine',
  severity: 'warning',
  scope: 'line',
  description: 'Medicare Part B claims bill only Part B vaccines (flu, pneumococcal, hepatitis B, COVID-19).',
  check(claim, { payerRules }) {
    return claim.lines.flatMap((line) => {
      if (vaccineGroupOf(line) !== 'OTHER') return [];
      if (!payerRules.payerRulesFor(claim.payer.id, line.serviceDate).medicarePartB) return [];
      return [
        lineFinding(
          rule,
          line.lineNumber,
          `vaccine ${line.code} is not a Medicare Part B vaccine (flu, pneumococcal, hepatitis B, COVID-19): Part D vaccines are billed to the drug plan (NCPDP) unless Part B covers this use; route the code to ncpdp for this payer (billing.yaml routeByCode or routeByCodeList) to leave it off the claim`,
        ),
      ];
    });
  },
};
