/** Modifiers valid only on some codes (tables.MODIFIER_APPLIES_TO): QW on waived tests, 25 on E/M, SL on vaccines. */
import { lineFinding } from '../finding';
import { MODIFIER_APPLIES_TO } from '../tables';
import type { ScrubRule } from '../types';

export const rule: ScrubRule = {
  id: 'modifier-code',
  severity: 'error',
  scope: 'line',
  description: 'A modifier that a table restricts to some codes (QW, 25, SL) appears only on those codes.',
  check(claim) {
    return claim.lines.flatMap((line) =>
      line.modifiers.flatMap((m) => {
        const scope = Object.prototype.hasOwnProperty.call(MODIFIER_APPLIES_TO, m) ? MODIFIER_APPLIES_TO[m] : undefined;
        if (!scope || scope.applies(line.code)) return [];
        return [lineFinding(rule, line.lineNumber, `modifier ${m} applies only to ${scope.to}; ${line.code} is not one`)];
      }),
    );
  },
};
