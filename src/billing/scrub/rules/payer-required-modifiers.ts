/** Modifiers a payer requires on some lines (payer rules requiredModifiers), e.g. SL on state-supplied vaccine. */
import { isDecimal, toScaled } from '../../../mappings/decimal';
import type { ClaimLine } from '../../model';
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
    return claim.lines.flatMap((line) => {
      const policy = payerRules.payerRulesFor(claim.payer.id, line.serviceDate);
      return policy.requiredModifiers
        .filter((req) => appliesTo(req, line) && !line.modifiers.includes(req.modifier))
        .map((req) => lineFinding(rule, line.lineNumber,
          `payer ${claim.payer.id} requires modifier ${req.modifier} on ${line.code} (${req.reason})`));
    });
  },
};
