/** The mapping test runner (src/mappings/test-file.ts) and `rxbridge mappings test` (src/cli/mappings-test.ts). */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError } from '../../src/core/config-file';
import { mappingsTest } from '../../src/cli/mappings-test';
import type { MappingPlan } from '../../src/mappings/compile';
import { compileMappingText } from '../../src/mappings/load';
import {
  discoverMappingTests, parseMappingTestFile, runMappingCase, runMappingTests, type CaseResult, type MappingTestFile,
} from '../../src/mappings/test-file';

/** A small mapping: a charge per FT1 with type CG, a coverage per IN1. */
const MINI = `name: mini
records:
  - name: line
    output: charge
    forEach: FT1
    when: FT1-6 = CG
    fields:
      patient: PID-3.1
      transactionId: FT1-2
      serviceDate: { from: FT1-4.1, fn: date }
      code: FT1-7.1
      amount: FT1-11.1.1
      units: FT1-10
      modifiers: FT1-26[*].1
  - name: cov
    output: coverage
    forEach: IN1
    fields:
      patient: PID-3.1
      asOf: { from: MSH-7, fn: datetime }
      planId: IN1-2.1
      priority: IN1-22
`;

let root: string;
let plan: MappingPlan;
beforeAll(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'rxb-mapping-tests-'));
  plan = compileMappingText(MINI, 'mini', path.join(root, 'mini.yaml'), {});
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

/** A synthetic DFT with the given segments after MSH/PID (one per line, as a test file writes them). */
const message = (...lines: string[]): string => [
  'MSH|^~\\&|APP|FAC|RXBRIDGE|HOSP|20240115103000||DFT^P03|CTL-9|P|2.5.1',
  'PID|1||MRN-T1^^^FAC^MR||TESTPATIENT^ALEX',
  ...lines,
].join('\n');
const CG1 = 'FT1|1|TX-1||20240115||CG|99213|||1|50';
const CG2 = `FT1|2|TX-2||20240116||CG|99214|||2|80${'|'.repeat(15)}25~59`; // FT1-26: 25~59
const NO_DATE = 'FT1|3|TX-3||||CG|99215|||1|10';
const IN1 = 'IN1|1|PLAN-A|||||||||||||||||||||1';

/** Parses a test file written as YAML text (in a temp file name, so issues name it). */
function testFile(yaml: string): MappingTestFile {
  return parseMappingTestFile(yaml, path.join(root, 'inline.test.yaml'), {});
}

/** Runs one case given as YAML lines (indented under `cases: - `). */
function runCase(yamlCase: Record<string, unknown>): CaseResult {
  const file = testFile(`cases:\n  - ${JSON.stringify({ name: 'a case', ...yamlCase })}\n`);
  return runMappingCase(plan, file.cases[0]!, root);
}

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

const difference = (r: CaseResult): string => {
  if (r.passed) throw new Error('expected the case to fail');
  return r.difference;
};

describe('a passing case', () => {
  it('compares only the fields named, by count and order; numbers as their string form; null and lists', () => {
    const file = testFile(`
cases:
  - name: two charges and a coverage
    hl7: |
      ${message(CG1, CG2, IN1).split('\n').join('\n      ')}
    expect:
      charges:
        - sourceKey: test|APP|FAC|CTL-9|2|line
          code: "99213"
          units: "1.000"
          chargeAmount: "50.00"
          modifiers: []
          renderingNpi: null
          reversalMissing: null
        - { code: "99214", modifiers: ["25", 59], serviceDate: "2024-01-16" }
      coverages:
        - { planId: PLAN-A, priority: 1, patientRef: MRN-T1 }
`);
    expect(runMappingTests(plan, file, root)).toEqual([{ name: 'two charges and a coverage', passed: true }]);
  });

  it('an omitted list is not checked; [] means none', () => {
    expect(runCase({ hl7: message(CG1), expect: { coverages: [] } })).toEqual({ name: 'a case', passed: true });
    expect(difference(runCase({ hl7: message(CG1), expect: { charges: [] } }))).toBe([
      'charges: expected 0 charges, got 1',
      '  got charge #1: kind "charge", code "99213", serviceDate "2024-01-15"',
    ].join('\n'));
  });

  it('context overrides the defaults (channel test, sender MSH-3|MSH-4, control id MSH-10)', () => {
    const r = runCase({ hl7: message(CG1), context: { channel: 'inbound', sender: 'X|Y' }, expect: { charges: [{ sourceKey: 'inbound|X|Y|CTL-9|2|line' }] } });
    expect(r.passed).toBe(true);
  });

  it('an expected error with its location', () => {
    expect(runCase({ hl7: message(CG1, NO_DATE), error: 'MAPPING_FIELD_MISSING', errorLocation: { segment: 'FT1', sequence: 2, field: 4 } }).passed).toBe(true);
    expect(runCase({ hl7: message(NO_DATE), error: 'MAPPING_FIELD_MISSING' }).passed).toBe(true);
    expect(runCase({ hl7: 'PID|1||X', error: 'PARSE_FAILED' }).passed).toBe(true);
  });

  it('reads file: relative to the given directory, decoding it as the intake does (CR, CRLF or LF)', () => {
    fs.writeFileSync(path.join(root, 'cr.hl7'), message(CG1).replace(/\n/g, '\r'));
    fs.writeFileSync(path.join(root, 'crlf.hl7'), `${message(CG1).replace(/\n/g, '\r\n')}\r\n`);
    for (const file of ['cr.hl7', 'crlf.hl7']) {
      expect(runCase({ file, expect: { charges: [{ code: '99213', sourceKey: 'test|APP|FAC|CTL-9|2|line' }] } })).toEqual({ name: 'a case', passed: true });
    }
  });
});

describe('each kind of failure says what differs', () => {
  it('a field: which record, which field, expected vs actual', () => {
    const r = runCase({ hl7: message(CG1, CG2), expect: { charges: [{ code: '99213' }, { code: '99215', units: '2.000' }] } });
    expect(difference(r)).toBe('charge #2 code: expected "99215", got "99214"');
  });

  it('null expected, a value found; a value expected, null found; lists (in the record type\'s field order)', () => {
    const r = runCase({ hl7: message(CG1), expect: { charges: [{ transactionId: null, ndc: '00000000000', modifiers: ['25'] }] } });
    expect(difference(r)).toBe([
      'charge #1 transactionId: expected null, got "TX-1"',
      'charge #1 modifiers: expected ["25"], got []',
      'charge #1 ndc: expected "00000000000", got null',
    ].join('\n'));
  });

  it('a YAML number that lost its form gets a hint', () => {
    const file = testFile(`cases:\n  - name: n\n    hl7: "${message(CG1).replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}"\n    expect: { charges: [{ units: 1.000 }] }\n`);
    expect(difference(runMappingTests(plan, file, root)[0]!))
      .toBe('charge #1 units: expected "1", got "1.000" (an unquoted number loses its form in YAML: write "1.000")');
  });

  it('a count mismatch lists the records found, with the fields the case names', () => {
    const r = runCase({ hl7: message(CG1, CG2), expect: { charges: [{ code: '99213', units: '1.000' }] } });
    expect(difference(r)).toBe([
      'charges: expected 1 charge, got 2',
      '  got charge #1: code "99213", units "1.000"',
      '  got charge #2: code "99214", units "2.000"',
    ].join('\n'));
    expect(difference(runCase({ hl7: message(CG1), expect: { coverages: [{ planId: 'P' }] } }))).toBe('coverages: expected 1 coverage, got 0');
  });

  it('an error expected, records made', () => {
    const r = runCase({ hl7: message(CG1, IN1), error: 'MAPPING_FIELD_MISSING' });
    expect(difference(r)).toBe('expected error MAPPING_FIELD_MISSING, but the mapping succeeded with 1 charge, 0 patients, 1 coverage');
  });

  it('records expected, an error raised (its code, location and message)', () => {
    const r = runCase({ hl7: message(CG1, NO_DATE), expect: { charges: [{ code: '99213' }] } });
    expect(difference(r)).toMatch(/^expected records, but the mapping failed with MAPPING_FIELD_MISSING at FT1\[2\]-4: mapping mini, rule line, field serviceDate/);
    expect(difference(runCase({ hl7: 'not hl7', expect: {} }))).toMatch(/^expected records, but the mapping failed with PARSE_FAILED at MSH\[1\]: /);
  });

  it('the wrong error code', () => {
    const r = runCase({ hl7: message(NO_DATE), error: 'MAPPING_VALUE_INVALID' });
    expect(difference(r)).toMatch(/^expected error MAPPING_VALUE_INVALID, got MAPPING_FIELD_MISSING at FT1\[1\]-4: mapping mini, rule line, field serviceDate/);
  });

  it('the right code at the wrong location: each key that differs', () => {
    const r = runCase({ hl7: message(NO_DATE), error: 'MAPPING_FIELD_MISSING', errorLocation: { segment: 'FT1', field: 7, component: 1 } });
    const lines = difference(r).split('\n');
    expect(lines.slice(0, 2)).toEqual(['error location field: expected 7, got 4', 'error location component: expected 1, got none']);
    expect(lines[2]).toMatch(/^\(the MAPPING_FIELD_MISSING error is at FT1\[1\]-4: mapping mini/);
    expect(lines).toHaveLength(3);
  });

  it('an unreadable file: is a failure naming the file', () => {
    expect(difference(runCase({ file: 'nope.hl7', expect: {} }))).toBe(`cannot read ${path.join(root, 'nope.hl7')} (ENOENT)`);
  });
});

describe('a bad .test.yaml is reported at file:line:col', () => {
  const issuesOf = (yaml: string): string[] => {
    try {
      testFile(yaml);
    } catch (err) {
      if (err instanceof ConfigError) return err.message.split('\n');
      throw err;
    }
    throw new Error('expected a ConfigError');
  };
  const at = (line: number, col: number, reason: string) => `${path.join(root, 'inline.test.yaml')}:${line}:${col}: ${reason}`;
  const startsWith = (text: string) => new RegExp(`^${escapeRegExp(text)}`);

  it('an unknown key, in a case and in an expected record', () => {
    const lines = issuesOf([
      'cases:',
      '  - name: a',
      '    hl7: MSH|^~\\&|A',
      '    expect:',
      '      charges:',
      '        - { code: "1", colour: blue }',
      '    wat: 1',
    ].join('\n'));
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(startsWith(at(6, 24, 'unknown key "colour" (allowed: sourceKey, reversalOfTransaction, ')));
    expect(lines[1]).toMatch(startsWith(at(7, 5, 'unknown key "wat"')));
  });

  it('hl7 and file together, neither expect nor error, errorLocation without error, unknown error code, a value of the wrong type', () => {
    const lines = issuesOf([
      'cases:',
      '  - name: a',
      '    hl7: x',
      '    file: y.hl7',
      '    expect: {}',
      '  - name: b',
      '    hl7: x',
      '    errorLocation: { field: 4 }',
      '  - name: c',
      '    hl7: x',
      '    error: MAPPING_OOPS',
      '  - name: d',
      '    hl7: x',
      '    expect: { charges: [{ code: { a: 1 } }] }',
    ].join('\n'));
    expect(lines).toEqual([
      at(4, 11, 'use one of hl7 and file'),
      at(6, 5, 'a case needs expect (the records) or error (the error code)'),
      at(8, 20, 'errorLocation goes with error'),
      expect.stringMatching(startsWith(at(11, 12, 'not an error code of docs/errors.md'))),
      at(14, 33, 'an expected value must be text, a number, true/false, null or a list of text'),
    ]);
  });

  it('duplicate case names, no cases, invalid YAML', () => {
    expect(issuesOf('cases:\n  - { name: a, hl7: x, expect: {} }\n  - { name: a, hl7: x, expect: {} }\n'))
      .toEqual([at(3, 13, 'another case already has this name')]);
    expect(issuesOf('cases: []\n')).toEqual([at(1, 8, 'cases needs at least 1 entry')]);
    expect(issuesOf('cases:\n  - name: [a\n')[0]).toMatch(/inline\.test\.yaml:\d+:\d+: invalid YAML/);
  });
});

describe('discoverMappingTests and `rxbridge mappings test`', () => {
  let n = 0;
  function dir(files: Record<string, string>): string {
    const d = path.join(root, `dir-${++n}`);
    fs.mkdirSync(d);
    for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(d, name), text);
    return d;
  }
  const yamlCase = (name: string, code: string) => `  - name: ${name}\n    hl7: |\n      ${message(CG1).split('\n').join('\n      ')}\n    expect: { charges: [{ code: "${code}" }] }\n`;
  const run = (names: string[], d: string): { code: number; lines: string[] } => {
    const lines: string[] = [];
    const code = mappingsTest(names, d, {}, (l) => lines.push(l));
    return { code, lines };
  };

  it('pairs each test file with its mapping; lists untested mappings; reports problems with positions', () => {
    const d = dir({
      'mini.yaml': MINI,
      'mini.test.yaml': `cases:\n${yamlCase('ok', '99213')}`,
      'extra.test.yaml': `mapping: mini\ncases:\n${yamlCase('also ok', '99213')}`,
      'other.yaml': MINI.replace('name: mini', 'name: other'),
      'orphan.test.yaml': `mapping: gone\ncases:\n${yamlCase('x', '1')}`,
      'broken.yaml': MINI.replace('name: mini', 'name: broken').replace('code: FT1-7.1', 'code: FT1-x'),
      'broken.test.yaml': `cases:\n${yamlCase('x', '1')}`,
      'nofile.test.yaml': 'mapping: mini\ncases:\n  - name: f\n    file: missing.hl7\n    expect: {}\n',
    });
    const { suites, untested } = discoverMappingTests(d, {});
    expect(untested).toEqual(['other']);
    const byName = new Map(suites.map((s) => [s.name, s]));
    expect([...byName.keys()]).toEqual(['broken', 'extra', 'mini', 'nofile', 'orphan']);
    expect(byName.get('mini')).toMatchObject({ mapping: 'mini', problems: [] });
    expect(byName.get('mini')!.plan!.name).toBe('mini');
    expect(byName.get('extra')).toMatchObject({ mapping: 'mini', problems: [] });
    expect(byName.get('orphan')).toMatchObject({ mapping: 'gone', plan: undefined, tests: undefined });
    expect(byName.get('orphan')!.problems).toEqual([{ file: path.join(d, 'orphan.test.yaml'), line: 1, col: 10, reason: `no mapping "gone" in ${d} (expected gone.yaml)` }]);
    expect(byName.get('broken')!.problems).toEqual([expect.objectContaining({ file: path.join(d, 'broken.yaml'), line: 11, col: 13 })]);
    expect(byName.get('nofile')!.problems).toEqual([{ file: path.join(d, 'nofile.test.yaml'), line: 4, col: 11, reason: `no such file: ${path.join(d, 'missing.hl7')}` }]);
    expect(discoverMappingTests(path.join(root, 'no-such-dir'), {})).toEqual({ suites: [], untested: [] });
  });

  it('prints a line per case, the difference under a failure, a summary; exit 0 only when all pass', () => {
    const d = dir({ 'mini.yaml': MINI, 'mini.test.yaml': `cases:\n${yamlCase('right code', '99213')}${yamlCase('wrong code', '99999')}` });
    expect(run([], d)).toEqual({
      code: 1,
      lines: [
        '✓ mini: right code',
        '✗ mini: wrong code',
        '    charge #1 code: expected "99999", got "99213"',
        '1 passed, 1 failed',
      ],
    });
    fs.writeFileSync(path.join(d, 'mini.test.yaml'), `cases:\n${yamlCase('right code', '99213')}`);
    expect(run([], d)).toEqual({ code: 0, lines: ['✓ mini: right code', '1 passed, 0 failed'] });
  });

  it('load errors print file:line:col and fail the run; NAME selects test files', () => {
    const d = dir({
      'mini.yaml': MINI,
      'mini.test.yaml': `cases:\n${yamlCase('ok', '99213')}`,
      'other.yaml': MINI.replace('name: mini', 'name: other'),
      'other.test.yaml': 'cases:\n  - name: x\n    hl7: x\n    bogus: 1\n    expect: {}\n',
      'lonely.yaml': MINI.replace('name: mini', 'name: lonely'),
    });
    const all = run([], d);
    expect(all.code).toBe(1);
    expect(all.lines).toEqual([
      '✓ mini: ok',
      `✗ other: cannot run ${path.join(d, 'other.test.yaml')}`,
      expect.stringMatching(new RegExp(`^    ${escapeRegExp(path.join(d, 'other.test.yaml'))}:4:5: unknown key "bogus"`)),
      '✗ mapping lonely has no test file (add lonely.test.yaml beside it)',
      '2 problems besides the cases (see ✗ above)',
      '1 passed, 0 failed',
    ]);
    expect(run(['mini'], d)).toEqual({ code: 0, lines: ['✓ mini: ok', '1 passed, 0 failed'] });
    expect(run(['nothing'], d)).toEqual({
      code: 1,
      lines: [`✗ nothing: no test file in ${d} names it (nothing.test.yaml)`, '1 problem besides the cases (see ✗ above)', '0 passed, 0 failed'],
    });
  });
});
