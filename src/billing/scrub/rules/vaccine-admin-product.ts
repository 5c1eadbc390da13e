/**
 * Vaccine administration ↔ product (DOMAIN.md §3, §4): per date of service, the administrations (90471-90474,
 * G0008-G0010) match the non-COVID-19 products one for one, and 90480 matches the COVID-19 products. The
 * administration of a state-supplied (VFC) dose needs no product line unless the claim bills state-supplied products.
 * Which G-code goes with which product is medicare-vaccine-admin's.
 */
import type { ClaimLine, ScrubFinding } from '../../model';
import { claimFinding } from '../finding';
import { countOf, describeCount, linesByDate, plural } from '../formats';
import { VACCINE_ADMIN, vaccineGroupOf } from '../tables';
import type { ScrubRule } from '../types';

const FAMILIES = [
  { pairs: 'NON_COVID' as const, admin: 'vaccine administration', product: 'vaccine product', isProduct: (g: string) => g !== 'COVID' },
  {
    pairs: 'COVID' as const,
    admin: 'COVID-19 administration',
    product: 'COVID-19 vaccine product',
    isProduct: (g: string) => g === 'COVID',
  },
];

function summary(lines: readonly ClaimLine[]): { count: number; codes: string } {
  const byCode = new Map<string, number>();
  for (const l of lines) byCode.set(l.code, (byCode.get(l.code) ?? 0) + countOf(l));
  const count = [...byCode.values()].reduce((a, b) => a + b, 0);
  return { count, codes: [...byCode].map(([code, n]) => describeCount(code, n)).join(', ') };
}

export const rule: ScrubRule = {
  id: 'vaccine-admin-product',
  severity: 'error',
  scope: 'claim',
  description:
    'On each date of service every vaccine administration has its vaccine product line and every product its administration (90480 with COVID-19 products).',
  check(claim) {
    if (!claim.lines.some((l) => VACCINE_ADMIN[l.code]?.pairsWith !== undefined || vaccineGroupOf(l) !== undefined)) {
      return []; // no vaccine line: nothing to pair
    }
    const out: ScrubFinding[] = [];
    for (const [dos, lines] of linesByDate(claim)) {
      for (const family of FAMILIES) {
        const productLines = lines.filter((l) => {
          const group = vaccineGroupOf(l);
          return group !== undefined && family.isProduct(group);
        });
        // A state-supplied (VFC) dose's administration stands alone for a payer that takes no product line for
        // it (billing.yaml vfcProductLine none); when the claim carries state-supplied products, they pair.
        const stateProducts = productLines.some((l) => l.stateSupplied);
        const admins = summary(
          lines.filter((l) => VACCINE_ADMIN[l.code]?.pairsWith === family.pairs && (!l.stateSupplied || stateProducts)),
        );
        const products = summary(productLines);
        if (admins.count === products.count) continue;
        let message: string;
        if (products.count === 0) message = `${family.admin} ${admins.codes} on ${dos} has no ${family.product} line`;
        else if (admins.count === 0) message = `${family.product} ${products.codes} on ${dos} has no administration code`;
        else
          message = `on ${dos}, ${plural(admins.count, family.admin)} (${admins.codes}) for ${plural(products.count, family.product)} (${products.codes}): bill one administration per product`;
        out.push(claimFinding(rule, message));
      }
    }
    return out;
  },
};
