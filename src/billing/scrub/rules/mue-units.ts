/**
 * Medically Unlikely Edits (CMS MUE table, `rxbridge codes import mue`): the units of a code within its MUE.
 * MUE adjudication indicator 1 (claim line edit): each line's units; 2 or 3 (date of service edits, policy or
 * clinical): the units of every line with the code on the date, summed. The message names the MAI, since it says
 * whether splitting lines with modifiers can ever be right (only MAI 1). A date no loaded release covers:
 * ./required.ts.
 */
import type { ScrubFinding } from '../../model';
import { MUE_INDICATOR_LABELS } from '../../codesets/edits';
import { coverage, editsOf } from '../edits';
import { lineFinding } from '../finding';
import { linesByDate, unitsOf } from '../formats';
import { uncoveredFindings } from '../required';
import type { ScrubRule } from '../types';

const units = (thousandths: bigint): string => {
  const whole = thousandths / 1000n;
  const rest = thousandths % 1000n;
  return rest === 0n ? String(whole) : `${whole}.${String(rest).padStart(3, '0').replace(/0+$/, '')}`;
};

export const rule: ScrubRule = {
  id: 'mue-units',
  severity: 'error',
  scope: 'line',
  description: 'Units of each code stay within its CMS MUE: per line for MAI 1, summed over the date of service for MAI 2 and 3.',
  check(claim, ctx) {
    const edits = editsOf(ctx);
    const byDate = linesByDate(claim);
    const { covered, uncovered } = coverage(edits, 'mue', byDate.keys());
    const out: ScrubFinding[] = uncoveredFindings(rule, ctx, claim.payer.id, 'mue', edits.has('mue'), uncovered, 'units');
    for (const dos of covered) {
      const release = edits.release('mue', dos)!;
      const byCode = new Map<string, typeof claim.lines>();
      for (const line of byDate.get(dos)!) byCode.set(line.code, [...(byCode.get(line.code) ?? []), line]);
      for (const [code, lines] of byCode) {
        const mue = edits.mue(code, dos);
        if (!mue) continue;
        const ceiling = BigInt(mue.maxUnits) * 1000n;
        const mai = MUE_INDICATOR_LABELS[mue.indicator];
        if (mue.indicator === '1') {
          for (const line of lines) {
            const u = unitsOf(line);
            if (u !== undefined && u > ceiling) {
              out.push(
                lineFinding(
                  rule,
                  line.lineNumber,
                  `${code}: ${line.units} units on the line exceed its MUE of ${mue.maxUnits} (${mai}) (${release})`,
                ),
              );
            }
          }
          continue;
        }
        const total = lines.reduce((sum, l) => sum + (unitsOf(l) ?? 0n), 0n);
        if (total > ceiling) {
          out.push(
            lineFinding(
              rule,
              lines[0]!.lineNumber,
              `${code}: ${units(total)} units on ${dos} exceed its MUE of ${mue.maxUnits} (${mai}: the units of every line with the code that day count) (${release})`,
            ),
          );
        }
      }
    }
    return out;
  },
};
