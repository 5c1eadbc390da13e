/** Modifiers a payer requires on some lines (payer rules requiredModifiers), e.g. SL on state-supplied vaccine. */
import { isDecimal, toScaled } from '../../../core/decimal';
import type { ClaimLine, ScrubFinding } from '../../model';
import { lineFinding } from '../finding';
import type { RequiredModifier } from '../payer-rules';
import type { ScrubRule } from '../types';

function appliesTo(req: RequiredModifier, line: ClaimLine): boolean {
  if (req.codes && !req.codes.includes(line.code)) return false;
  if (req.serviceKinds && !req.serviceKinds.includes(line.serviceKind)) return false;
  if (req.zeroChargeOnly && !(isDecimal(line.chargeAmount) && toScaled(line.chargeAmount, 2) === 0n)) return false;
  return true;
}

export const rule: ScrubRule = {
  id: 'payer-required-modifiers',
  severity: 'error',
  scope: 'line',
  description: 'Lines carry the modifiers the payer rules require for them.',
  check(claim, { payerRules }) {
    const out: ScrubFinding[] = [];
    for (const line of claim.lines) {
      for (const req of payerRules.payerRulesFor(claim.payer.id, line.serviceDate).requiredModifiers) {
        if (!appliesTo(req, line) || line.modifiers.includes(req.modifier)) continue;
        out.push(
          lineFinding(rule, line.lineNumber, `payer ${claim.payer.id} requires modifier ${req.modifier} on ${line.code} (${req.reason})`),
        );
      }
    }
    return out;
  },
};
