/**
 * A vaccine product billed for a patient outside the ages it is licensed for (./tables.ts PRODUCT_AGES, from
 * the products' FDA prescribing information): e.g. high-dose influenza vaccine (90662, 65 and older) for an
 * 11-year-old. The age is the patient's on the line's date of service; without a usable birth date, a warning.
 */
import type { ScrubFinding } from '../../model';
import { ageOn } from '../dates';
import { lineFinding } from '../finding';
import { PRODUCT_AGES } from '../tables';
import type { ScrubRule } from '../types';

export const rule: ScrubRule = {
  id: 'product-age',
  severity: 'error',
  scope: 'line',
  description:
    'A vaccine product licensed for some ages only (high-dose influenza vaccine: 65 and older) is billed for a patient of those ages.',
  check(claim) {
    const out: ScrubFinding[] = [];
    for (const line of claim.lines) {
      const limits = Object.prototype.hasOwnProperty.call(PRODUCT_AGES, line.code) ? PRODUCT_AGES[line.code] : undefined;
      if (!limits) continue;
      const range =
        limits.to === undefined
          ? `${limits.from} and older`
          : limits.from === undefined
            ? `${limits.to} and younger`
            : `${limits.from}–${limits.to}`;
      const age = claim.patient.birthDate ? ageOn(claim.patient.birthDate, line.serviceDate) : undefined;
      if (age === undefined) {
        out.push(
          lineFinding(
            rule,
            line.lineNumber,
            `${line.code} (${limits.product}) is for ages ${range}; the patient has no usable birth date: age not checked`,
            'warning',
          ),
        );
      } else if ((limits.from !== undefined && age < limits.from) || (limits.to !== undefined && age > limits.to)) {
        out.push(
          lineFinding(
            rule,
            line.lineNumber,
            `${line.code} (${limits.product}) is for ages ${range}; the patient is ${age} on ${line.serviceDate}`,
          ),
        );
      }
    }
    return out;
  },
};
