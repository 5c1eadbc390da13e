/**
 * The three 835 balancing equations (DOMAIN.md §2.3, 005010X221A1 section 1.10.2):
 *   service:     SVC02 − Σ line CAS = SVC03
 *   claim:       CLP03 − Σ (claim CAS + line CAS) = CLP04  (claim CAS only when the claim has no SVC)
 *   transaction: BPR02 = Σ CLP04 − Σ PLB amounts
 * balance835 lists every equation that fails, in plain words naming our claim control number (CLP01) and the
 * amounts, never patient data. assertBalanced835 refuses the whole 835 with REMITTANCE_UNBALANCED. Pure.
 */
import { EngineError } from '../../core/errors';
import { fromScaled, toScaled } from '../../core/decimal';
import type { Adjustment, Remittance, ServicePayment } from '../model';

const SCALE = 2;
const cents = (amount: string): bigint => toScaled(amount, SCALE);
const text = (value: bigint): string => fromScaled(value, SCALE);
const sumOf = <T>(items: readonly T[], amount: (item: T) => string): bigint =>
  items.reduce((total, item) => total + cents(amount(item)), 0n);
const adjustmentTotal = (adjustments: readonly Adjustment[]): bigint => sumOf(adjustments, (a) => a.amount);

/** The reasons `rem` does not balance; [] when all three equations hold. */
export function balance835(rem: Remittance): string[] {
  const reasons: string[] = [];
  let claimsPaid = 0n;
  for (const claim of rem.claims) {
    claimsPaid += cents(claim.paid);
    let lineAdjustments = 0n;
    claim.services.forEach((service, i) => {
      const adjusted = adjustmentTotal(service.adjustments);
      lineAdjustments += adjusted;
      const expected = cents(service.charge) - adjusted;
      if (expected !== cents(service.paid)) {
        reasons.push(
          `claim ${claim.controlNumber} service ${i + 1} (${describe(service)}): charge ${service.charge} − ` +
            `adjustments ${text(adjusted)} = ${text(expected)}, but the service paid is ${service.paid}`,
        );
      }
    });
    const adjusted = adjustmentTotal(claim.adjustments) + lineAdjustments;
    const expected = cents(claim.charge) - adjusted;
    if (expected !== cents(claim.paid)) {
      const which = claim.services.length > 0 ? 'claim and service adjustments' : 'claim adjustments';
      reasons.push(
        `claim ${claim.controlNumber}: charge ${claim.charge} − ${which} ${text(adjusted)} = ${text(expected)}, ` +
          `but the claim paid is ${claim.paid}`,
      );
    }
  }
  const providerAdjusted = sumOf(rem.providerAdjustments, (p) => p.amount);
  const expected = claimsPaid - providerAdjusted;
  if (expected !== cents(rem.paymentAmount)) {
    reasons.push(
      `payment ${rem.paymentAmount} (BPR02) does not equal claims paid ${text(claimsPaid)} − provider ` +
        `adjustments ${text(providerAdjusted)} = ${text(expected)}`,
    );
  }
  return reasons;
}

/** Throws REMITTANCE_UNBALANCED (all reasons, joined by "; ") when `rem` does not balance. */
export function assertBalanced835(rem: Remittance): void {
  const reasons = balance835(rem);
  if (reasons.length > 0) {
    throw new EngineError(
      'REMITTANCE_UNBALANCED',
      `the 835 (trace ${rem.traceNumber}) does not balance and is refused: ${reasons.join('; ')}`,
    );
  }
}

function describe(service: ServicePayment): string {
  const code = service.code === '' ? 'no procedure code' : service.code;
  return [code, ...service.modifiers].join(' ');
}
