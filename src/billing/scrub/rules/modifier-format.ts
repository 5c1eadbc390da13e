/** Modifiers (SV101-3..6): at most 4, each 2 capital letters or digits, none twice. */
import type { ScrubFinding } from '../../model';
import { lineFinding } from '../finding';
import { MODIFIER_FORM } from '../formats';
import type { ScrubRule } from '../types';

const MAX_MODIFIERS = 4;

export const rule: ScrubRule = {
  id: 'modifier-format',
  severity: 'error',
  scope: 'line',
  description: `Every line has at most ${MAX_MODIFIERS} modifiers, each 2 capital letters or digits, none repeated.`,
  check(claim) {
    const out: ScrubFinding[] = [];
    for (const line of claim.lines) {
      const report = (message: string) => out.push(lineFinding(rule, line.lineNumber, message));
      const mods = line.modifiers;
      if (mods.length > MAX_MODIFIERS) report(`${line.code} has ${mods.length} modifiers (${mods.join(', ')}); at most ${MAX_MODIFIERS}`);
      mods.forEach((m, i) => {
        if (!MODIFIER_FORM.test(m)) report(`modifier "${m}" on ${line.code} is not 2 capital letters or digits`);
        else if (mods.indexOf(m) !== i) report(`modifier ${m} is given twice on ${line.code}`);
      });
    }
    return out;
  },
};
