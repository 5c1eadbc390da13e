/**
 * Pricing a charge the feed sent without an amount (pure; docs/billing.md "Pricing"). A mapping rule with
 * `unpriced: write` writes such a charge unpriced (a dispense whose RDS/RDE carries no FT1); claim building prices
 * it here from the fee-schedule rows (`rxbridge prices import`) in force on its date of service, before routing:
 * the price is the pharmacy's own charge for the service, the same whichever payer is billed (an NCPDP claim needs
 * the usual-and-customary charge too).
 *
 * Which row (rows match the charge's code: an NDC dispense by its 11-digit NDC, any other line by its CPT/HCPCS
 * code; CPT and HCPCS rows are one code space):
 *   1. usual & customary (`uc`): amount per unit × quantity;
 *   2. cost basis (`cost`): unit cost × quantity × multiplier, rounded to the cent, + dispensing fee
 *      (the formula `AWP * 0.85 + 10.50`);
 *   3. vaccine administration fee (`admin`) for the code, then the `*` row (any immunization administration):
 *      amount per administration × units.
 * Within one method, the row with the latest effective date that covers the date of service wins (a newer row
 * supersedes an open-ended older one). Quantity: the NDC quantity for an NDC line, else the units.
 */
import { fromScaled, multiply, toScaled } from '../../core/decimal';
import type { ChargeInput } from './inputs';

export type PriceMethod = 'uc' | 'cost' | 'admin';
export const PRICE_METHODS: readonly PriceMethod[] = ['uc', 'cost', 'admin'];

/** The parsed `basis * multiplier + fee` of a cost row: no text is ever evaluated. */
export interface CostFormula {
  /** The cost basis the unit cost is (AWP, WAC, NADAC, AAC, ACQ): a label, it changes no arithmetic. */
  basis: string;
  multiplier: string;
  /** The dispensing fee added once per line, two decimals. */
  fee: string;
}

/** One fee-schedule row, as imported. */
export interface FeeRow {
  /** NDC, CPT or HCPCS. */
  codeSystem: string;
  /** 11-digit NDC, a CPT/HCPCS code, or `*` (admin rows only: any immunization administration). */
  code: string;
  method: PriceMethod;
  effectiveFrom: string;
  /** Inclusive; null: open-ended. */
  effectiveTo: string | null;
  /** uc and admin: the price per unit (two decimals). */
  amount: string | null;
  /** cost: the basis price per unit (per tablet, mL, gram…). */
  unitCost: string | null;
  formula: CostFormula | null;
  /** Where the row came from, for the claim's note: `prices.csv:3`. */
  source: string;
  description?: string;
}

export interface Price {
  chargeId: string;
  amount: string;
  /** In words, for the claim's info note and the charge's record: which row, which formula. */
  pricedBy: string;
}

const coversDate = (r: FeeRow, date: string) => r.effectiveFrom <= date && (r.effectiveTo === null || r.effectiveTo >= date);
const sameCodeSpace = (a: string, b: string) => {
  const space = (s: string) => (s.toUpperCase() === 'NDC' ? 'NDC' : 'CODE');
  return space(a) === space(b);
};

/** The row in force on `date` among rows of one method: the latest effective date wins. */
function inForce(rows: readonly FeeRow[], date: string): FeeRow | undefined {
  let best: FeeRow | undefined;
  for (const r of rows) if (coversDate(r, date) && (!best || r.effectiveFrom > best.effectiveFrom)) best = r;
  return best;
}

/** The price of an unpriced charge on its date of service, or undefined when no row covers it. */
export function priceCharge(charge: ChargeInput, schedule: readonly FeeRow[]): Price | undefined {
  const isNdc = charge.codeSystem.toUpperCase() === 'NDC';
  const code = charge.code;
  const quantity = isNdc ? (charge.ndcQuantity ?? charge.units) : charge.units;
  const rowsFor = (method: PriceMethod, c: string) =>
    schedule.filter((r) => r.method === method && r.code === c && sameCodeSpace(r.codeSystem, charge.codeSystem));
  const date = charge.serviceDate;
  const where = (r: FeeRow) => `${r.source}, in force from ${r.effectiveFrom}`;

  const uc = inForce(rowsFor('uc', code), date);
  if (uc && uc.amount !== null) {
    return {
      chargeId: charge.id,
      amount: multiply(uc.amount, quantity, 2),
      pricedBy: `usual & customary ${trim(uc.amount)} × ${trim(quantity)} (${where(uc)})`,
    };
  }
  const cost = inForce(rowsFor('cost', code), date);
  if (cost && cost.unitCost !== null && cost.formula) {
    const f = cost.formula;
    const ingredient = multiply(multiply(cost.unitCost, quantity, 5), f.multiplier, 2);
    const amount = fromScaled(toScaled(ingredient, 2) + toScaled(f.fee, 2), 2);
    return {
      chargeId: charge.id,
      amount,
      pricedBy: `${f.basis} ${trim(cost.unitCost)} × ${trim(quantity)} × ${trim(f.multiplier)} + ${f.fee} (${where(cost)})`,
    };
  }
  const admin =
    inForce(rowsFor('admin', code), date) ??
    (charge.serviceKind === 'immunization-admin' && !isNdc
      ? inForce(
          schedule.filter((r) => r.method === 'admin' && r.code === '*'),
          date,
        )
      : undefined);
  if (admin && admin.amount !== null) {
    return {
      chargeId: charge.id,
      amount: multiply(admin.amount, charge.units, 2),
      pricedBy: `vaccine administration fee ${trim(admin.amount)} × ${trim(charge.units)} (${where(admin)})`,
    };
  }
  return undefined;
}

/** "30.000" → "30", "2.500" → "2.5": quantities as a biller reads them. */
function trim(q: string): string {
  return q.includes('.') ? q.replace(/0+$/, '').replace(/\.$/, '') : q;
}

/** The codes (11-digit NDCs and CPT/HCPCS codes) whose rows pricing these charges may read. */
export function codesToPrice(charges: readonly ChargeInput[]): string[] {
  return [...new Set(charges.filter((c) => c.unpriced && c.status === 'active').map((c) => c.code))];
}
