/**
 * Ordering provider required by payer rule (orderingProviderRequiredFor): the key's codes and ranges, how it
 * resolves, the shipped Medicare sample, and the rule on the biller's case — a Medicare A1c (83036-QW) with and
 * without the prescriber who ordered it.
 */
import { ConfigError, type ConfigIssue } from '../../src/core/config-file';
import { inCodeRanges, parseCodeRange } from '../../src/billing/scrub/code-ranges';
import { SCRUB_RULES, scrubClaim, isHeld } from '../../src/billing/scrub';
import { parsePayerRules } from '../../src/billing/scrub/payer-rules';
import { loadPayerRulesDir, PAYER_RULES_DIR } from '../../src/billing/scrub/payer-rules-files';
import type { Claim } from '../../src/billing/model';
import { buildMedicareClaim, context, DOS, line, MEDICARE, NPI } from './scrub-fixtures';

const rule = SCRUB_RULES.find((r) => r.id === 'ordering-provider-required')!;
const PRESCRIBER = { npi: NPI.ordering, familyName: 'PRESCRIBER', givenName: 'SAMPLE' };

function rulesWith(medicare: string) {
  return parsePayerRules([{
    file: 'r.yaml',
    text: `rules:\n  - payers: ["*"]\n    from: 2015-10-01\n    orderingProviderRequiredFor: ["99999"]\n`
      + `  - payers: ["${MEDICARE}"]\n    from: 2020-01-01\n${medicare}`,
  }]);
}

function issuesOf(text: string): ConfigIssue[] {
  try {
    parsePayerRules([{ file: 'p.yaml', text }]);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return [...(err as ConfigError).issues];
  }
  throw new Error('expected a ConfigError');
}

/** A Medicare claim for one waived A1c; `ordered` puts the prescriber on the line. */
function a1c(ordered: boolean): Claim {
  return buildMedicareClaim({
    diagnoses: ['E11.9'],
    lines: [line('83036', { serviceKind: 'poc-test', modifiers: ['QW'], ...(ordered ? { orderingProvider: PRESCRIBER } : {}) })],
  });
}

describe('code ranges', () => {
  it('reads a code or a range of codes of one shape', () => {
    expect(parseCodeRange('83036')).toEqual({ from: '83036', to: '83036' });
    expect(parseCodeRange('80047-89398')).toEqual({ from: '80047', to: '89398' });
    expect(parseCodeRange('g0000-g9999')).toEqual({ from: 'G0000', to: 'G9999' });
    expect(parseCodeRange('0001U-0999U')).toEqual({ from: '0001U', to: '0999U' });
    for (const bad of ['8303', '89398-80047', '80047-G0008', '0001U-09999', '1-2-3', '']) expect(parseCodeRange(bad)).toBeUndefined();
  });
  it('matches codes of the range\'s shape between its ends, inclusive', () => {
    const lab = [parseCodeRange('80047-89398')!, parseCodeRange('G0103')!];
    expect(['80047', '83036', '87880', '89398', 'G0103'].filter((c) => inCodeRanges(c, lab))).toHaveLength(5);
    expect(['80046', '89399', '90471', '8303U', 'G0104'].filter((c) => inCodeRanges(c, lab))).toEqual([]);
  });
});

describe('payer rules: orderingProviderRequiredFor', () => {
  it('a payer\'s list replaces the default one; [] turns it off', () => {
    const rules = rulesWith('    orderingProviderRequiredFor: ["80047-89398", "G0103"]\n');
    expect(rules.payerRulesFor('OTHER', DOS).orderingProviderRequiredFor).toEqual([{ from: '99999', to: '99999' }]);
    expect(rules.payerRulesFor(MEDICARE, DOS).orderingProviderRequiredFor)
      .toEqual([{ from: '80047', to: '89398' }, { from: 'G0103', to: 'G0103' }]);
    expect(rulesWith('    orderingProviderRequiredFor: []\n').payerRulesFor(MEDICARE, DOS).orderingProviderRequiredFor).toEqual([]);
    expect(rulesWith('    medicarePartB: true\n').payerRulesFor(MEDICARE, DOS).orderingProviderRequiredFor).toEqual([{ from: '99999', to: '99999' }]);
  });
  it('reports a bad code or range at file:line:col', () => {
    const issues = issuesOf('rules:\n  - payers: ["X1"]\n    from: 2020-01-01\n    orderingProviderRequiredFor: ["89398-80047", 83036]\n');
    expect(issues).toEqual([
      expect.objectContaining({ file: 'p.yaml', line: 4, reason: expect.stringMatching(/orderingProviderRequiredFor\[0\] is not a CPT\/HCPCS code or a range/) }),
      expect.objectContaining({ file: 'p.yaml', line: 4, reason: expect.stringMatching(/must be quoted text/) }),
    ]);
  });
  it('the shipped Medicare sample requires the ordering provider on clinical lab codes', () => {
    const policy = loadPayerRulesDir(PAYER_RULES_DIR).payerRulesFor('SYNMCR01', DOS);
    expect(inCodeRanges('83036', policy.orderingProviderRequiredFor)).toBe(true);
    expect(inCodeRanges('G0008', policy.orderingProviderRequiredFor)).toBe(false);
    expect(loadPayerRulesDir(PAYER_RULES_DIR).payerRulesFor('SYNCOM01', DOS).orderingProviderRequiredFor).toEqual([]);
  });
});

describe('ordering-provider-required', () => {
  const medicare = context({ payerRules: rulesWith('    orderingProviderRequiredFor: ["80047-89398"]\n') });
  it('the biller\'s case: a Medicare A1c 83036-QW without the ordering prescriber is held', () => {
    const findings = rule.check(a1c(false), medicare);
    expect(findings).toEqual([{
      ruleId: 'ordering-provider-required', severity: 'error', scope: 'line', lineNumber: 1,
      message: 'payer SYNMCR01 requires the ordering provider on 83036 (2420E NM1*DK): the line names none; have the charge carry the ordering prescriber\'s NPI',
    }]);
    expect(isHeld(scrubClaim(a1c(false), medicare))).toBe(true);
  });
  it('with the ordering prescriber on the line the claim is clean', () => {
    expect(rule.check(a1c(true), medicare)).toEqual([]);
    expect(scrubClaim(a1c(true), medicare)).toEqual([]);
  });
  it('lines outside the list, and payers without the key, need none', () => {
    expect(rule.check(buildMedicareClaim(), medicare)).toEqual([]); // G0008 + flu product
    expect(rule.check({ ...a1c(false), payer: { id: 'SYNCOM01', name: 'X' } }, context())).toEqual([]);
  });
});
