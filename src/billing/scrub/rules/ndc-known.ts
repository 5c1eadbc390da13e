/** An 11-digit NDC is in the loaded NDC directory and marketed on the date of service. Without the directory: one info note. */
import type { ScrubFinding } from '../../model';
import { claimFinding, lineFinding } from '../finding';
import type { ScrubRule } from '../types';

export const rule: ScrubRule = {
  id: 'ndc-known',
  severity: 'error',
  scope: 'line',
  description: 'Every NDC is in the NDC directory and active (marketed) on the date of service.',
  check(claim, { codeSets }) {
    const lines = claim.lines.filter((l) => l.ndc !== undefined && /^\d{11}$/.test(l.ndc));
    if (lines.length === 0) return [];
    if (!codeSets.has('ndc')) return [claimFinding(rule, 'the NDC directory is not loaded: NDCs were not checked against it', 'info')];
    const out: ScrubFinding[] = [];
    for (const line of lines) {
      const ndc = line.ndc!;
      const status = codeSets.ndc(ndc, line.serviceDate);
      const release = status?.release ? ` (${status.release})` : '';
      if (!status) out.push(lineFinding(rule, line.lineNumber, `NDC ${ndc} is not in the NDC directory`));
      else if (!status.valid) out.push(lineFinding(rule, line.lineNumber, `NDC ${ndc} is not valid on ${line.serviceDate}${release}`));
      else if (!status.billable)
        out.push(lineFinding(rule, line.lineNumber, `NDC ${ndc} is not marketed on ${line.serviceDate}${release}`));
    }
    return out;
  },
};
