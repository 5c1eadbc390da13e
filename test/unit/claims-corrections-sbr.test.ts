/**
 * Two payer-facing rules of the 837P: a payer that takes no electronic replacement/void (payer rule
 * acceptsCorrections: false → the correction claim is held, rule corrections-accepted), and SBR03 (group number)
 * and SBR04 (group name) never together (the TR3 sends SBR04 only without SBR03).
 */
import { isHeld, parsePayerRules, scrubClaim } from '../../src/billing/scrub';
import { write837P } from '../../src/billing/x12-837p';
import { check837P } from '../../src/billing/x12-837p-check';
import { ConfigError } from '../../src/core/config-file';
import { buildClaim, context, DOS, line } from './scrub-fixtures';
import { CONTROL, INTERCHANGE, NOW, SUBSCRIBER, claim as x12Claim, line as x12Line } from './x12-claims';

const RULES = parsePayerRules([{
  file: 'rules.yaml',
  text: `
rules:
  - payers: ["*"]
    from: 2015-10-01
  - payers: ["SYNNOCORR1"]
    from: 2020-01-01
    to: 2025-06-30
    acceptsCorrections: false
`,
}]);

const correction = (frequency: '1' | '7' | '8', payerId: string, serviceDate = DOS) => buildClaim({
  frequency, payerClaimNumber: frequency === '1' ? undefined : 'PCN-2025-0001',
  payer: { id: payerId, name: 'SYNTHETIC PLAN' },
  lines: [line('99606', { serviceKind: 'mtm', serviceDate, diagnosisPointers: [1] })],
  diagnoses: ['E11.9'],
});
const findingsOf = (frequency: '1' | '7' | '8', payerId: string, serviceDate?: string) =>
  scrubClaim(correction(frequency, payerId, serviceDate), context({ payerRules: RULES })).filter((f) => f.ruleId === 'corrections-accepted');

describe('corrections-accepted', () => {
  it('holds a replacement to a payer that takes none, saying what the biller does instead', () => {
    const findings = findingsOf('7', 'SYNNOCORR1');
    expect(findings).toEqual([{
      ruleId: 'corrections-accepted', severity: 'error', scope: 'claim',
      message: 'payer SYNNOCORR1 takes no electronic replacement (frequency 7) claims (payer rules: acceptsCorrections false): correct payer claim PCN-2025-0001 the way the payer asks (its portal, a paper corrected claim or a call); this claim stays held as the record of the change (an override would send what the payer rejects)',
    }]);
    expect(isHeld(findings)).toBe(true);
  });

  it('holds a void too', () => {
    expect(findingsOf('8', 'SYNNOCORR1').map((f) => f.message)[0]).toMatch(/^payer SYNNOCORR1 takes no electronic void \(frequency 8\) claims.*: void payer claim PCN-2025-0001/);
  });

  it('lets originals through, corrections to other payers, and dates of service outside the rule', () => {
    expect(findingsOf('1', 'SYNNOCORR1')).toEqual([]);
    expect(findingsOf('7', 'SYNCOM01')).toEqual([]);
    expect(findingsOf('7', 'SYNNOCORR1', '2025-07-01')).toEqual([]);
  });

  it('acceptsCorrections must be true or false', () => {
    let thrown: unknown;
    try {
      parsePayerRules([{ file: 'bad.yaml', text: 'rules:\n  - payers: ["X1"]\n    from: 2020-01-01\n    acceptsCorrections: "no"\n' }]);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(ConfigError);
    expect((thrown as ConfigError).issues[0]).toMatchObject({ file: 'bad.yaml', line: 4 });
  });
});

describe('SBR03 / SBR04', () => {
  const sbr = (subscriber: typeof SUBSCRIBER) => {
    const text = write837P([x12Claim({ subscriber, lines: [x12Line(1, { code: '99606', chargeAmount: '60.00', serviceKind: 'mtm' })] })],
      INTERCHANGE, CONTROL, NOW);
    expect(check837P(text)).toEqual([]);
    return text.split('\n').filter((s) => s.startsWith('SBR'));
  };

  it('a group number and a group name → SBR03 only', () => {
    expect(sbr({ ...SUBSCRIBER, groupNumber: 'GRP123', groupName: 'EXAMPLE EMPLOYER' })).toEqual(['SBR*P*18*GRP123******CI~']);
  });

  it('a group name without a number → SBR04', () => {
    const { groupNumber: _n, ...rest } = SUBSCRIBER;
    expect(sbr({ ...rest, groupName: 'EXAMPLE EMPLOYER' })).toEqual(['SBR*P*18**EXAMPLE EMPLOYER*****CI~']);
  });

  it('neither → both empty', () => {
    const { groupNumber: _n, ...rest } = SUBSCRIBER;
    expect(sbr(rest)).toEqual(['SBR*P*18*******CI~']);
  });
});
