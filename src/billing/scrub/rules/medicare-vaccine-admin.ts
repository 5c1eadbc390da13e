/**
 * Medicare Part B vaccine administration (DOMAIN.md §2.5, §3), for payers whose rules say medicarePartB:
 * G0008/G0009/G0010 one for one with flu / pneumococcal / hepatitis B products, and no 90471-90474 for those
 * vaccines. Other payers get a warning when a claim carries G0008-G0010.
 */
import type { ScrubFinding } from '../../model';
import { claimFinding, lineFinding } from '../finding';
import { countOf, describeCount, linesByDate, plural } from '../formats';
import { CPT_VACCINE_ADMIN, MEDICARE_ADMIN_FOR_GROUP, VACCINE_ADMIN, vaccineGroupOf, type VaccineGroup } from '../tables';
import type { ScrubRule } from '../types';

const GROUP_NAMES: Partial<Record<VaccineGroup, string>> = { FLU: 'flu', PNEUMO: 'pneumococcal', HEPB: 'hepatitis B' };
const MEDICARE_GROUPS = Object.keys(MEDICARE_ADMIN_FOR_GROUP) as VaccineGroup[];

export const rule: ScrubRule = {
  id: 'medicare-vaccine-admin',
  severity: 'error',
  scope: 'claim',
  description:
    'Medicare Part B: one G0008/G0009/G0010 per flu/pneumococcal/hepatitis B product and no 90471-90474 for them; other payers: G0008-G0010 is a warning.',
  check(claim, { payerRules }) {
    const out: ScrubFinding[] = [];
    for (const [dos, lines] of linesByDate(claim)) {
      const policy = payerRules.payerRulesFor(claim.payer.id, dos);
      if (!policy.medicarePartB) {
        for (const line of lines) {
          if (VACCINE_ADMIN[line.code]?.medicareGroup === undefined) continue;
          out.push(
            lineFinding(
              rule,
              line.lineNumber,
              `${line.code} is a Medicare administration code but payer ${claim.payer.id} has no Medicare Part B rules: bill 90471-90474, or add the payer to billing/payer-rules`,
              'warning',
            ),
          );
        }
        continue;
      }
      const productsIn = (group: VaccineGroup) => lines.filter((l) => vaccineGroupOf(l) === group);
      const count = (ls: typeof lines) => ls.reduce((n, l) => n + countOf(l), 0);
      for (const group of MEDICARE_GROUPS) {
        const gCode = MEDICARE_ADMIN_FOR_GROUP[group]!;
        const products = productsIn(group);
        const admins = count(lines.filter((l) => l.code === gCode));
        if (admins === count(products)) continue;
        const name = GROUP_NAMES[group]!;
        const codes = products.map((l) => l.code).join(', ');
        out.push(
          claimFinding(
            rule,
            count(products) === 0
              ? `${describeCount(gCode, admins)} on ${dos} without a ${name} vaccine product: Medicare bills ${gCode} once per ${name} product`
              : `${plural(count(products), `${name} vaccine product`)} (${codes}) on ${dos} with ${admins === 0 ? `no ${gCode}` : describeCount(gCode, admins)}: Medicare bills ${gCode} once per ${name} product`,
          ),
        );
      }
      const cptAdmins = lines.filter((l) => CPT_VACCINE_ADMIN.has(l.code));
      const medicareProducts = MEDICARE_GROUPS.some((g) => productsIn(g).length > 0);
      if (cptAdmins.length > 0 && medicareProducts && count(cptAdmins) > count(productsIn('OTHER'))) {
        for (const line of cptAdmins) {
          out.push(
            lineFinding(
              rule,
              line.lineNumber,
              `Medicare does not pay ${line.code} for flu, pneumococcal or hepatitis B vaccines: bill G0008, G0009 or G0010`,
            ),
          );
        }
      }
    }
    return out;
  },
};
