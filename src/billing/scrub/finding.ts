/** Building findings for a rule: claim-level or line-level, at the rule's severity unless told otherwise. */
import type { ScrubFinding, Severity } from '../model';
import type { ScrubRule } from './types';

type RuleHead = Pick<ScrubRule, 'id' | 'severity'>;

export function claimFinding(rule: RuleHead, message: string, severity: Severity = rule.severity): ScrubFinding {
  return { ruleId: rule.id, severity, scope: 'claim', message };
}

export function lineFinding(rule: RuleHead, lineNumber: number, message: string, severity: Severity = rule.severity): ScrubFinding {
  return { ruleId: rule.id, severity, scope: 'line', lineNumber, message };
}
