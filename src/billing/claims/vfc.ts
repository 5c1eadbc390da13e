/**
 * State-supplied (VFC) vaccine doses on claims (DOMAIN.md §1.5): a dose whose VFC eligibility (HL7 table 0064)
 * is V02–V05 came from free state stock, so the pharmacy bills the administration but no product price. What the
 * claim carries for the product depends on the payer (billing.yaml `payers.<id>.vfcProductLine`):
 *   none      (default) no product line: the product charge is left unclaimed, listed as excluded (`vfc-stock`);
 *   sl-zero   the product CPT with modifier SL (state-supplied vaccine) at 0.00, beside the administration
 *             (state Medicaid programs usually want this).
 * Pure.
 */
import type { ChargeInput } from './inputs';

/** Table 0064 values that mean the dose came from free state stock (V01 = not VFC eligible: the product bills). */
export const STATE_SUPPLIED_ELIGIBILITY: ReadonlySet<string> = new Set(['V02', 'V03', 'V04', 'V05']);

export const VFC_PRODUCT_LINES = ['none', 'sl-zero'] as const;
export type VfcProductLine = (typeof VFC_PRODUCT_LINES)[number];

/** The modifier for a state-supplied vaccine product. */
export const STATE_SUPPLIED_MODIFIER = 'SL';

/** True for a line (admin or product) of a dose given from free state stock. */
export function isStateSupplied(charge: Pick<ChargeInput, 'vfcEligibility'>): boolean {
  return charge.vfcEligibility != null && STATE_SUPPLIED_ELIGIBILITY.has(charge.vfcEligibility.trim().toUpperCase());
}

/** True for the product line of a state-supplied dose (the one the payer setting decides about). */
export function isStateSuppliedProduct(charge: Pick<ChargeInput, 'vfcEligibility' | 'serviceKind'>): boolean {
  return charge.serviceKind === 'vaccine-product' && isStateSupplied(charge);
}

/**
 * The modifiers and amount a product line of a state-supplied dose carries for a payer taking `sl-zero`: SL first
 * (kept once; at most four modifiers in all) and 0.00 whatever the charge says. Any other line is as charged.
 */
export function productLineTerms(charge: ChargeInput, mode: VfcProductLine): { modifiers: string[]; chargeAmount: string } {
  if (mode !== 'sl-zero' || !isStateSuppliedProduct(charge)) return { modifiers: [...charge.modifiers], chargeAmount: charge.chargeAmount };
  const others = charge.modifiers.filter((m) => m.toUpperCase() !== STATE_SUPPLIED_MODIFIER);
  return { modifiers: [STATE_SUPPLIED_MODIFIER, ...others].slice(0, 4), chargeAmount: '0.00' };
}
