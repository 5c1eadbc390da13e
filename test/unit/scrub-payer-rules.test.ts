/**
 * Payer rules as data: the shipped billing/payer-rules folder loads, payerRulesFor resolves defaults, payer
 * entries and effective dates, and every problem in a file is reported at file:line:col.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError, type ConfigIssue } from '../../src/core/config-file';
import { BUILT_IN_POLICY, NO_PAYER_RULES, parsePayerRules } from '../../src/billing/scrub/payer-rules';
import { loadPayerRulesDir, PAYER_RULES_DIR } from '../../src/billing/scrub/payer-rules-files';

function issuesOf(files: Array<{ file: string; text: string }>): ConfigIssue[] {
  try {
    parsePayerRules(files);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).code).toBe('CONFIG_INVALID');
    return [...(err as ConfigError).issues];
  }
  throw new Error('expected a ConfigError');
}
const one = (text: string) => issuesOf([{ file: 'p.yaml', text }]);
const at = (line: number, col: number, reason: string | RegExp, file = 'p.yaml') =>
  expect.objectContaining({ file, line, col, reason: typeof reason === 'string' ? reason : expect.stringMatching(reason) });

describe('the shipped payer rules (billing/payer-rules)', () => {
  const rules = loadPayerRulesDir(PAYER_RULES_DIR);

  it('ships default.yaml and medicare.yaml', () => {
    const names = fs.readdirSync(PAYER_RULES_DIR);
    expect(names).toEqual(expect.arrayContaining(['default.yaml', 'medicare.yaml']));
  });

  it('gives every payer the defaults', () => {
    const policy = rules.payerRulesFor('ANYPAYER', '2025-01-15');
    expect(policy).toMatchObject({
      payerId: 'ANYPAYER', dateOfService: '2025-01-15', timelyFiling: { amount: 365, unit: 'days' }, medicarePartB: false,
      maxUnitsPerLine: 99, requiredModifiers: [],
    });
    expect(policy.maxUnits['90471']).toBe(1);
    expect(policy.sources).toEqual([expect.stringMatching(/default\.yaml:\d+$/)]);
  });

  it('gives the Medicare sample its Part B policy and one calendar year', () => {
    const policy = rules.payerRulesFor('SYNMCR01', '2025-01-15');
    expect(policy).toMatchObject({ medicarePartB: true, timelyFiling: { amount: 1, unit: 'years' } });
    expect(policy.maxUnits.G0008).toBe(1); // inherited from the defaults
    expect(policy.sources).toHaveLength(2);
  });

  it('falls back to the built-in policy before any entry is effective', () => {
    const policy = rules.payerRulesFor('SYNMCR01', '2010-01-01');
    expect(policy).toMatchObject({ ...BUILT_IN_POLICY, sources: [] });
  });
});

describe('payerRulesFor', () => {
  const rules = parsePayerRules([
    {
      file: 'default.yaml',
      text: 'rules:\n  - payers: ["*"]\n    from: 2020-01-01\n    maxUnits: { "90471": 1, "99607": 4 }\n'
        + '    requiredModifiers: [{ modifier: JZ, codes: [J1234], reason: no drug wasted }]\n',
    },
    {
      file: 'plan.yaml',
      text: [
        'rules:',
        '  - payers: ["PLAN1", "PLAN2"]',
        '    from: 2024-01-01',
        '    to: 2024-12-31',
        '    timelyFilingDays: 90',
        '    maxUnits: { "99607": 2 }',
        '  - payers: ["PLAN1"]',
        '    from: 2025-01-01',
        '    timelyFilingDays: 120',
        '    requiredModifiers: [{ modifier: SL, serviceKinds: [vaccine-product], reason: state-supplied vaccine }]',
      ].join('\n'),
    },
  ]);

  it('takes the entry effective on the date of service, ends inclusive', () => {
    expect(rules.payerRulesFor('PLAN1', '2024-12-31').timelyFiling).toEqual({ amount: 90, unit: 'days' });
    expect(rules.payerRulesFor('PLAN1', '2025-01-01').timelyFiling).toEqual({ amount: 120, unit: 'days' });
    expect(rules.payerRulesFor('PLAN2', '2025-01-01').timelyFiling).toEqual({ amount: 365, unit: 'days' });
    expect(rules.payerRulesFor('PLAN2', '2024-06-01').timelyFiling).toEqual({ amount: 90, unit: 'days' });
  });

  it('merges maxUnits per code and adds required modifiers to the defaults', () => {
    const p2024 = rules.payerRulesFor('PLAN1', '2024-06-01');
    expect(p2024.maxUnits).toEqual({ '90471': 1, '99607': 2 });
    const p2025 = rules.payerRulesFor('PLAN1', '2025-06-01');
    expect(p2025.maxUnits).toEqual({ '90471': 1, '99607': 4 });
    expect(p2025.requiredModifiers.map((r) => r.modifier)).toEqual(['JZ', 'SL']);
    expect(p2025.requiredModifiers[1]).toEqual({ modifier: 'SL', serviceKinds: ['vaccine-product'], zeroChargeOnly: false, reason: 'state-supplied vaccine' });
    expect(p2025.sources).toEqual(['default.yaml:2', 'plan.yaml:7']);
  });

  it('with no files, is the built-in policy', () => {
    expect(NO_PAYER_RULES.payerRulesFor('X', '2025-01-01')).toMatchObject(BUILT_IN_POLICY);
  });
});

describe('payer rule file problems, at file:line:col', () => {
  it('rejects overlapping date ranges for one payer across files, at the later entry', () => {
    const issues = issuesOf([
      { file: 'a.yaml', text: 'rules:\n  - payers: ["P1"]\n    from: 2024-01-01\n    to: 2024-12-31\n    timelyFilingDays: 90\n' },
      { file: 'b.yaml', text: 'description: x\nrules:\n  - payers: ["P2", "P1"]\n    from: 2024-06-01\n' },
    ]);
    expect(issues).toEqual([at(4, 11, 'payer "P1" already has rules from 2024-01-01 until 2024-12-31 (a.yaml:2); date ranges must not overlap', 'b.yaml')]);
  });

  it('rejects an open-ended entry followed by another', () => {
    expect(one('rules:\n  - payers: ["*"]\n    from: 2020-01-01\n  - payers: ["*"]\n    from: 2024-01-01\n'))
      .toEqual([at(5, 11, 'payer "*" already has rules from 2020-01-01 with no end date (p.yaml:2); date ranges must not overlap')]);
  });

  it('accepts back-to-back ranges', () => {
    expect(() => parsePayerRules([{ file: 'p.yaml', text: 'rules:\n  - payers: ["P"]\n    from: 2020-01-01\n    to: 2023-12-31\n  - payers: ["P"]\n    from: 2024-01-01\n' }]))
      .not.toThrow();
  });

  it('asks for quoted payer ids (bare digits lose their leading zeros)', () => {
    expect(one('rules:\n  - payers: [00431]\n    from: 2024-01-01\n'))
      .toEqual([at(2, 14, /^payers\[0\] must be quoted text \(a payer id, e\.g\. "00431"\)/)]);
  });

  it('reports dates, ranges and conflicting keys', () => {
    expect(one('rules:\n  - payers: ["P"]\n    from: 2024-02-30\n')).toEqual([at(3, 11, 'from must be a date written YYYY-MM-DD')]);
    expect(one('rules:\n  - payers: ["P"]\n    from: 2024-02-01\n    to: 2024-01-01\n'))
      .toEqual([at(4, 9, 'to (2024-01-01) is before from (2024-02-01)')]);
    expect(one('rules:\n  - payers: ["P"]\n    from: 2024-02-01\n    timelyFilingDays: 90\n    timelyFilingYears: 1\n'))
      .toEqual([at(5, 24, 'give timelyFilingDays or timelyFilingYears, not both')]);
    expect(one('rules:\n  - payers: ["*", "P"]\n    from: 2024-02-01\n'))
      .toEqual([at(2, 13, '"*" (every payer) must stand alone in payers')]);
  });

  it('reports unknown keys, bad codes and bad modifiers', () => {
    expect(one('rules:\n  - payers: ["P"]\n    from: 2024-02-01\n    timelyFiling: 90\n'))
      .toEqual([at(4, 5, /^unknown key "timelyFiling"/)]);
    expect(one('rules:\n  - payers: ["P"]\n    from: 2024-02-01\n    maxUnits:\n      00100: 1\n'))
      .toEqual([at(5, 14, 'maxUnits key "100" is not a CPT or HCPCS code (quote codes with leading zeros)')]);
    expect(one('rules:\n  - payers: ["P"]\n    from: 2024-02-01\n    requiredModifiers:\n      - { modifier: sl, codes: ["90686"], reason: x }\n'))
      .toEqual([at(5, 21, 'modifier must be 2 capital letters or digits')]);
    expect(one('rules:\n  - payers: ["P"]\n    from: 2024-02-01\n    requiredModifiers:\n      - { modifier: SL, reason: x }\n'))
      .toEqual([at(5, 9, 'a required modifier needs codes or serviceKinds (or both) to say which lines it applies to')]);
  });

  it('reports every file at once, in file order', () => {
    const issues = issuesOf([
      { file: 'a.yaml', text: 'rules: []\n' },
      { file: 'b.yaml', text: 'rules:\n  - from: 2024-01-01\n' },
    ]);
    expect(issues).toEqual([
      at(1, 8, 'rules needs at least 1 entry', 'a.yaml'),
      at(2, 5, 'missing required key "payers"', 'b.yaml'),
    ]);
  });
});

describe('loadPayerRulesDir', () => {
  let dir: string;
  beforeEach(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'payer-rules-')); });
  afterEach(() => { fs.rmSync(dir, { recursive: true, force: true }); });

  it('reads every .yaml file of a folder, and nothing else', () => {
    fs.writeFileSync(path.join(dir, 'a.yaml'), 'rules:\n  - payers: ["P"]\n    from: 2024-01-01\n    timelyFilingDays: 60\n');
    fs.writeFileSync(path.join(dir, 'notes.txt'), 'not yaml: [');
    expect(loadPayerRulesDir(dir).payerRulesFor('P', '2024-05-01').timelyFiling).toEqual({ amount: 60, unit: 'days' });
  });

  it('names the file of a problem', () => {
    fs.writeFileSync(path.join(dir, 'bad.yaml'), 'rules:\n  - payers: ["P"]\n    from: soon\n');
    expect(() => loadPayerRulesDir(dir)).toThrow(`${path.join(dir, 'bad.yaml')}:3:11: from must be a date written YYYY-MM-DD`);
  });

  it('reports a missing folder as a ConfigError', () => {
    expect(() => loadPayerRulesDir(path.join(dir, 'missing'))).toThrow(ConfigError);
  });
});
