/**
 * Unit ceilings from the payer rules: maxUnits per code (summed over the date of service, like an MUE) and
 * maxUnitsPerLine for any code.
 */
import type { ScrubFinding } from '../../model';
import { lineFinding } from '../finding';
import { linesByDate, unitsOf } from '../formats';
import type { ScrubRule } from '../types';

export const rule: ScrubRule = {
  id: 'units-max',
  severity: 'error',
  scope: 'line',
  description: "Units stay within the payer rules' limits: per code and date of service (maxUnits) and per line (maxUnitsPerLine).",
  check(claim, { payerRules }) {
    const out: ScrubFinding[] = [];
    for (const [dos, lines] of linesByDate(claim)) {
      const policy = payerRules.payerRulesFor(claim.payer.id, dos);
      const lineCeiling = BigInt(policy.maxUnitsPerLine) * 1000n;
      const perCode = new Map<string, { units: bigint; lastLine: number }>();
      for (const line of lines) {
        const units = unitsOf(line);
        if (units === undefined || units <= 0n) continue; // units-positive reports it
        if (units > lineCeiling) {
          out.push(
            lineFinding(
              rule,
              line.lineNumber,
              `units ${line.units} of ${line.code} exceed ${policy.maxUnitsPerLine}, the most a line may bill`,
            ),
          );
        }
        const sum = perCode.get(line.code);
        perCode.set(line.code, { units: (sum?.units ?? 0n) + units, lastLine: line.lineNumber });
      }
      for (const [code, { units, lastLine }] of perCode) {
        const max = Object.prototype.hasOwnProperty.call(policy.maxUnits, code) ? policy.maxUnits[code] : undefined;
        if (max === undefined || units <= BigInt(max) * 1000n) continue;
        const shown = units % 1000n === 0n ? String(units / 1000n) : (Number(units) / 1000).toString();
        out.push(
          lineFinding(
            rule,
            lastLine,
            `${code} bills ${shown} units on ${dos}; payer ${claim.payer.id} allows at most ${max} per date of service`,
          ),
        );
      }
    }
    return out;
  },
};
