/**
 * CPT (the pharmacy's local list) and HCPCS codes active on the date of service, via the loaded code sets.
 * Ill-formed codes are code-format's. A code set that is not loaded gives one info note.
 */
import type { ScrubFinding } from '../../model';
import { claimFinding, lineFinding } from '../finding';
import { isWellFormedCode } from '../formats';
import type { ScrubRule } from '../types';

const SETS = {
  CPT: { kind: 'cpt', name: "the pharmacy's CPT list", missing: "is not on the pharmacy's CPT list" },
  HCPCS: { kind: 'hcpcs', name: 'the HCPCS code set', missing: 'is not in the HCPCS code set' },
} as const;

export const rule: ScrubRule = {
  id: 'code-active',
  severity: 'error',
  scope: 'line',
  description: "Every CPT code is on the pharmacy's CPT list and every HCPCS code in the HCPCS set, active on the date of service.",
  check(claim, { codeSets }) {
    const out: ScrubFinding[] = [];
    const notLoaded = new Set<string>();
    for (const line of claim.lines) {
      if (!isWellFormedCode(line)) continue;
      const set = SETS[line.codeSystem];
      if (!codeSets.has(set.kind)) {
        if (!notLoaded.has(set.kind))
          out.push(claimFinding(rule, `${set.name} is not loaded: ${line.codeSystem} codes were not checked against it`, 'info'));
        notLoaded.add(set.kind);
        continue;
      }
      const status = codeSets[set.kind](line.code, line.serviceDate);
      const release = status?.release ? ` (${status.release})` : '';
      if (!status) out.push(lineFinding(rule, line.lineNumber, `${line.codeSystem} ${line.code} ${set.missing}`));
      else if (!status.valid)
        out.push(lineFinding(rule, line.lineNumber, `${line.codeSystem} ${line.code} is not valid on ${line.serviceDate}${release}`));
      else if (!status.billable)
        out.push(lineFinding(rule, line.lineNumber, `${line.codeSystem} ${line.code} is not active on ${line.serviceDate}${release}`));
    }
    return out;
  },
};
