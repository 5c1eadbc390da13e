/**
 * NCCI procedure-to-procedure edits (CMS NCCI PTP table, `rxbridge codes import ncci`): two codes on the same
 * date of service that the table pairs. Modifier indicator 0: no modifier allows the pair (error). Indicator 1:
 * allowed when either line carries an NCCI-associated modifier (25, 59, XE, XS, XP, XU, anatomic modifiers…),
 * else an error naming the modifier to consider. Indicator 9: the edit does not apply. The finding is on the
 * column 2 line (the one the payer denies). A date no loaded release covers: ./required.ts.
 */
import type { ScrubFinding } from '../../model';
import { coverage, editsOf } from '../edits';
import { lineFinding } from '../finding';
import { linesByDate } from '../formats';
import { uncoveredFindings } from '../required';
import type { ScrubRule } from '../types';

/** NCCI-associated modifiers (NCCI Policy Manual, ch. I): these may bypass an edit with indicator 1. */
export const NCCI_MODIFIERS: ReadonlySet<string> = new Set([
  '24',
  '25',
  '27',
  '57',
  '58',
  '59',
  '78',
  '79',
  '91',
  'XE',
  'XP',
  'XS',
  'XU',
  'E1',
  'E2',
  'E3',
  'E4',
  'FA',
  'F1',
  'F2',
  'F3',
  'F4',
  'F5',
  'F6',
  'F7',
  'F8',
  'F9',
  'LC',
  'LD',
  'LM',
  'LT',
  'RC',
  'RI',
  'RT',
  'TA',
  'T1',
  'T2',
  'T3',
  'T4',
  'T5',
  'T6',
  'T7',
  'T8',
  'T9',
]);

export const rule: ScrubRule = {
  id: 'ncci-ptp',
  severity: 'error',
  scope: 'line',
  description:
    'No two codes on one date of service form an NCCI procedure-to-procedure pair, unless the edit lets an NCCI-associated modifier (25, 59, XE, XS, XP, XU…) allow it and one is billed.',
  check(claim, ctx) {
    const edits = editsOf(ctx);
    const byDate = linesByDate(claim);
    const paired = [...byDate].filter(([, lines]) => new Set(lines.map((l) => l.code)).size > 1).map(([dos]) => dos);
    const { covered, uncovered } = coverage(edits, 'ncci', paired);
    const out: ScrubFinding[] = uncoveredFindings(rule, ctx, claim.payer.id, 'ncci', edits.has('ncci'), uncovered, 'procedure pairs');
    for (const dos of covered) {
      const lines = byDate.get(dos)!;
      const release = edits.release('ncci', dos)!;
      const reported = new Set<string>();
      for (let i = 0; i < lines.length; i++) {
        for (let j = i + 1; j < lines.length; j++) {
          const [a, b] = [lines[i]!, lines[j]!];
          if (a.code === b.code) continue;
          const edit = edits.ptp(a.code, b.code, dos);
          if (!edit || edit.modifierIndicator === '9') continue;
          const [col1, col2] = edit.column1 === a.code ? [a, b] : [b, a];
          const key = `${col1.code}|${col2.code}`;
          if (reported.has(key)) continue;
          const modifier = [...col1.modifiers, ...col2.modifiers].find((m) => NCCI_MODIFIERS.has(m));
          if (edit.modifierIndicator === '1' && modifier) continue;
          reported.add(key);
          const why =
            edit.modifierIndicator === '0'
              ? 'modifier indicator 0: no modifier allows the pair'
              : 'modifier indicator 1: bill it with a modifier such as 25 (separate E/M service) or 59/XE/XS/XP/XU (distinct service) when the service was separate';
          out.push(
            lineFinding(
              rule,
              col2.lineNumber,
              `${col2.code} is bundled into ${col1.code} on ${dos} (NCCI PTP column 1 ${col1.code}, column 2 ${col2.code}; ${why}) (${release})`,
            ),
          );
        }
      }
    }
    return out;
  },
};
