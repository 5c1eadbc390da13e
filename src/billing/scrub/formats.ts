/** Code formats the rules share (DOMAIN.md §4), and small readers of claim lines. Pure. */
import { isDecimal, toScaled } from '../../core/decimal';
import type { Claim, ClaimLine } from '../model';
import { remembered } from './remember';

/** ICD-10-CM as billed: letter, digit, alphanumeric, then up to 4 more after an optional dot (E11.9, Z23, S72.001A). */
export const ICD10CM_FORM = /^[A-Z][0-9][A-Z0-9](?:\.?[A-Z0-9]{1,4})?$/;

/** CPT category I (5 digits), PLA (4 digits + U), MAAA (+ M), category II (+ F), category III (+ T). */
export const CPT_FORM = /^(?:\d{5}|\d{4}[UMFT])$/;

/** HCPCS level II: a letter A-V and 4 digits (D-codes are dental, CDT). */
export const HCPCS_FORM = /^[A-V]\d{4}$/;

export const MODIFIER_FORM = /^[A-Z0-9]{2}$/;

export function isWellFormedCode(line: Pick<ClaimLine, 'code' | 'codeSystem'>): boolean {
  return line.codeSystem === 'CPT' ? CPT_FORM.test(line.code) : HCPCS_FORM.test(line.code) && !line.code.startsWith('D');
}

const thousandths = remembered((text: string): bigint | undefined => (isDecimal(text) ? toScaled(text, 3) : undefined));
/** Decimal places of exactAmount. */
export const EXACT_AMOUNT_SCALE = 6;
const exact = remembered((text: string): bigint | undefined => (isDecimal(text) ? toScaled(text, EXACT_AMOUNT_SCALE) : undefined));

/** A line's units as thousandths (exact), or undefined when they are not a decimal number. */
export function unitsOf(line: ClaimLine): bigint | undefined {
  return thousandths(line.units);
}

/** An amount scaled by 10^EXACT_AMOUNT_SCALE (exact, for sums), or undefined when it is not a decimal number. */
export function exactAmount(text: string): bigint | undefined {
  return exact(text);
}

/** Units as a whole count for pairing arithmetic: 1 when the units are unreadable or not positive (other rules report those). */
export function countOf(line: ClaimLine): number {
  const units = unitsOf(line);
  return units === undefined || units <= 0n ? 1 : Math.max(1, Math.round(Number(units) / 1000));
}

/** The claim's lines grouped by date of service, in first-seen order. */
export function linesByDate(claim: Claim): Map<string, ClaimLine[]> {
  const byDate = new Map<string, ClaimLine[]>();
  for (const line of claim.lines) {
    const list = byDate.get(line.serviceDate);
    if (list) list.push(line);
    else byDate.set(line.serviceDate, [line]);
  }
  return byDate;
}

/** Codes as a reader sees them: "90471", "90471 ×2". */
export function describeCount(code: string, count: number): string {
  return count === 1 ? code : `${code} ×${count}`;
}

/** "1 vaccine product", "2 vaccine products". */
export function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}
