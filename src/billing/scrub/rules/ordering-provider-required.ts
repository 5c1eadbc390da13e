/**
 * Lines the payer rules say must name their ordering provider (payer rules orderingProviderRequiredFor, e.g.
 * Medicare clinical lab tests: a waived A1c 83036-QW without the prescriber who ordered it is denied). The
 * ordering provider goes out as 2420E NM1*DK; a line without one is an error. A charge that named an ordering
 * NPI the engine cannot name also lands here (the build reports that NPI under provider-named).
 */
import type { ScrubFinding } from '../../model';
import { inCodeRanges } from '../code-ranges';
import { lineFinding } from '../finding';
import type { ScrubRule } from '../types';

export const rule: ScrubRule = {
  id: 'ordering-provider-required',
  severity: 'error',
  scope: 'line',
  description: 'Lines whose code the payer rules list in orderingProviderRequiredFor name an ordering provider (2420E).',
  check(claim, { payerRules }) {
    const out: ScrubFinding[] = [];
    for (const line of claim.lines) {
      if (line.orderingProvider) continue;
      const policy = payerRules.payerRulesFor(claim.payer.id, line.serviceDate);
      if (!inCodeRanges(line.code, policy.orderingProviderRequiredFor)) continue;
      out.push(
        lineFinding(
          rule,
          line.lineNumber,
          `payer ${claim.payer.id} requires the ordering provider on ${line.code} (2420E NM1*DK): the line names none; have the charge carry the ordering prescriber's NPI`,
        ),
      );
    }
    return out;
  },
};
