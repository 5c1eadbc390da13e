/**
 * The mapping language itself, on small synthetic mappings: expressions, named functions, segment groups and
 * selectors, variables, tables with wildcards, the three outputs, and the load-time checks with file:line:col.
 */
import { parseConfigText, ConfigError } from '../../src/core/config-file';
import { parseHl7 } from '../../src/hl7/parse';
import { parsePath, formatPath } from '../../src/hl7/path';
import { compileMapping, type MappingPlan } from '../../src/mappings/compile';
import { evaluateMapping } from '../../src/mappings/evaluate';
import { parseCondition, parseSource, parseTemplate } from '../../src/mappings/expressions';
import { applyFunctions, FunctionError, MAPPING_FUNCTIONS } from '../../src/mappings/functions';
import { mappingFileSchema } from '../../src/mappings/schema';
import { occurrencesOf } from '../../src/mappings/scope';
import { thrown } from './helpers';

const CTX = { channel: 'ch', sender: 'APP|FAC', controlId: 'C1' };

function plan(yaml: string): MappingPlan {
  return compileMapping(parseConfigText(yaml, 'm.yaml', mappingFileSchema, {}), 'm.yaml');
}

function issues(yaml: string): string[] {
  try {
    parseConfigText(yaml, 'm.yaml', mappingFileSchema, {});
  } catch (err) {
    if (err instanceof ConfigError) return err.issues.map((i) => `${i.line}:${i.col} ${i.reason}`);
    throw err;
  }
  return [];
}

/** A segment from field number → raw text; unnamed fields are empty. */
function seg(name: string, fields: Record<number, string>): string {
  const max = Math.max(...Object.keys(fields).map(Number));
  const parts = [name];
  for (let i = 1; i <= max; i++) parts.push(fields[i] ?? '');
  return parts.join('|');
}
const rxa = (date: string, notes: string, status: string) => seg('RXA', { 1: '0', 2: '1', 3: date, 9: notes, 20: status });

const msg = (...segments: string[]) => parseHl7(['MSH|^~\\&|APP|FAC|RX|PH|20240301120000||VXU^V04|C1|P|2.5.1', ...segments].join('\r'));

describe('paths with segment selectors', () => {
  it.each(['PID-3[2].1', 'OBX[2]-5.1', 'OBX(where OBX-3.1=64994-7)-5.1', 'IN1(where IN1-22!=1)-36', 'FT1-19[*].1'])('%s round-trips', (p) => {
    expect(formatPath(parsePath(p))).toBe(p);
  });

  it.each([
    ['OBX(where PID-3=1)-5', /same segment/],
    ['OBX(where OBX-3[*]=1)-5', /no selector and no \[\*\]/],
    ['OBX[0]-5', /1 or greater/],
    ['OBX(OBX-3=1)-5', /\(where SEG-n\.n=value\)/],
  ])('%s is refused', (p, reason) => {
    expect(() => parsePath(p)).toThrow(reason);
  });
});

describe('expressions', () => {
  it('sources: paths, variables and quoted literals; | outside parentheses and quotes', () => {
    expect(parseSource('IN1(where IN1-22=1)-36 | $member | "a | b"')).toEqual([
      { kind: 'path', ref: parsePath('IN1(where IN1-22=1)-36'), text: 'IN1(where IN1-22=1)-36' },
      { kind: 'var', name: 'member' },
      { kind: 'literal', value: 'a | b' },
    ]);
    expect(() => parseSource('PID-3 |')).toThrow(/empty alternative/);
    expect(() => parseSource('$1x')).toThrow(/variable name/);
  });

  it('conditions', () => {
    expect(parseCondition('FT1-6 in [CG, "C D"]')).toMatchObject({ kind: 'compare', op: 'in', values: ['CG', 'C D'] });
    expect(parseCondition('ORC-1 not in [CA]')).toMatchObject({ op: 'not in', values: ['CA'] });
    expect(parseCondition('RXA-18 is empty')).toMatchObject({ kind: 'empty' });
    expect(parseCondition('$x != "00"')).toMatchObject({ op: '!=', values: ['00'] });
    expect(parseCondition('IN1(where IN1-22=1)-36 is present')).toMatchObject({ kind: 'present' });
    expect(() => parseCondition('FT1-6=CG')).toThrow(/spaces around the operator/);
    expect(() => parseCondition('FT1-6 in CG')).toThrow(/take a list/);
  });

  it('templates', () => {
    expect(parseTemplate('{RXD-7}-{RXD-1}')).toEqual([parseSource('RXD-7'), '-', parseSource('RXD-1')]);
    expect(() => parseTemplate('{RXD-7')).toThrow(/without "}"/);
  });
});

describe('named functions', () => {
  const fn = (name: string, v: string) => applyFunctions([name], v);
  it.each([
    ['0182-1061-05', '00182106105'], ['12345-678-90', '12345067890'], ['12345-6789-1', '12345678901'],
    ['12345-6789-01', '12345678901'], ['12345678901', '12345678901'],
  ])('ndc11 %s → %s', (input, out) => expect(fn('ndc11', input)).toBe(out));

  it.each(['1234567890', '123-45-6', 'ABCDE-1234-12', '1234-1234-123'])('ndc11 refuses %s without quoting it', (v) => {
    let err: unknown;
    try { fn('ndc11', v); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(FunctionError);
    expect((err as Error).message).not.toContain(v);
  });

  it('datetime keeps precision and offset', () => {
    expect(fn('datetime', '20240301')).toBe('2024-03-01T00:00:00.000Z');
    expect(fn('datetime', '202403011230-0500')).toBe('2024-03-01T12:30:00.000-05:00');
    expect(fn('datetime', '20240301123045.12+0100')).toBe('2024-03-01T12:30:45.120+01:00');
    expect(() => fn('datetime', '20240230')).toThrow(FunctionError);
    expect(() => fn('datetime', '202403012500')).toThrow(FunctionError);
  });

  it('coded values', () => {
    expect(['SEL', '01', 'SPO', 'CHD', 'XYZ'].map((v) => fn('relationship', v))).toEqual(['18', '18', '01', '19', 'G8']);
    expect(['1', 'P', 's', 'T'].map((v) => fn('cobPriority', v))).toEqual(['1', '1', '2', '3']);
    expect(() => fn('cobPriority', 'X')).toThrow(FunctionError);
    expect(['C4', 'hc', 'N4', 'LN', 'ZZ'].map((v) => fn('codeSystem', v))).toEqual(['CPT', 'HCPCS', 'NDC', 'LOINC', 'LOCAL']);
    expect(['m', 'F', 'O'].map((v) => fn('sex', v))).toEqual(['M', 'F', 'U']);
    expect(fn('npi', '1234567893')).toBe('1234567893');
    expect(() => fn('npi', '123')).toThrow(FunctionError);
  });

  it('an empty value skips every function', () => {
    for (const name of Object.keys(MAPPING_FUNCTIONS)) expect(applyFunctions([name], '')).toBe('');
  });
});

describe('segment groups', () => {
  it('leading members open a group; trailing ones join; other segments end it', () => {
    const m = msg('PID|1||P1', 'ORC|RE||F1', 'RXA|0|1|20240301', 'RXR|IM', 'OBX|1', 'NTE|1', 'OBX|2', 'RXA|0|1|20240301', 'ORC|RE||F3', 'TQ1|1', 'RXA|0|1|20240302', 'OBX|1', 'ZZZ|1', 'OBX|9');
    const occ = occurrencesOf(m, 'RXA', ['ORC', 'TQ1', 'TQ2', 'RXA', 'RXR', 'OBX', 'NTE']);
    expect(occ).toEqual([
      { anchor: 3, start: 2, end: 7 },
      { anchor: 8, start: 8, end: 8 },
      { anchor: 11, start: 9, end: 12 },
    ]);
  });
});

const VXU_LIKE = `
name: m
tables:
  admin:
    "MCR|FLU|*": G0008
    "*|*|1": "90471"
    "*|*|*": "90472"
  fees: { G0008: "30", "90471": "25", "90472": "15" }
records:
  - name: admin
    output: charge
    forEach: RXA
    group: [ORC, RXA, RXR, OBX]
    when: [RXA-20 = CP, { any: [RXA-9.1 = "00", RXA-9.1 is empty] }]
    vars:
      payer: { from: IN1-15, lookup: payers, unknown: empty, default: COM }
      group: { from: RXA-5.1, default: x }
    fields:
      patient: PID-3.1
      serviceDate: { from: RXA-3, fn: date }
      transactionId: { template: "{ORC-3.1 | \\"none\\"}-admin" }
      code: { template: "{$payer}|FLU|{$sequence}", lookup: admin }
      amount: { template: "{$payer}|FLU|{$sequence}", lookup: admin, fn: trim }
      vfcEligibility: OBX(where OBX-3.1=64994-7)-5.1
`;

describe('evaluation', () => {
  const p = () => plan(`
name: m
tables:
  payers: { MA: MCR, MB: MCR }
  admin:
    "MCR|*": G0008
    "*|1": "90471"
    "*": "90472"
  fees: { G0008: "30.00", "90471": "25", "90472": "15" }
records:
  - name: admin
    output: charge
    forEach: RXA
    group: [ORC, RXA, RXR, OBX]
    when: [RXA-20 = CP, { any: [RXA-9.1 = "00", RXA-9.1 is empty] }]
    vars:
      payer: { from: IN1-15, lookup: payers, unknown: empty, default: COM }
      code: { template: "{$payer}|{$sequence}", lookup: admin }
    fields:
      patient: PID-3.1
      serviceDate: { from: RXA-3, fn: date }
      transactionId: { template: "{ORC-3.1 | \\"none\\"}-admin" }
      code: $code
      amount: { from: $code, lookup: fees }
      vfcEligibility: OBX(where OBX-3.1=64994-7)-5.1
      orderingNpi: OBX[2]-5.1
`);

  it('groups, selectors, $sequence, composite keys with wildcards, templates with fallbacks', () => {
    const m = msg('PID|1||P1', 'ORC|RE||F1', rxa('20240301', '00', 'CP'), 'OBX|1|CE|64994-7||V02', 'OBX|2|CE|X||1234567893',
      rxa('20240301', '01', 'CP'), // historical: no record, no sequence number
      'ORC|RE', rxa('20240302', '', 'CP'), 'OBX|1|CE|30963-3||VXC50');
    const charges = evaluateMapping(p(), m, CTX).charges;
    expect(charges.map((c) => [c.sourceKey, c.code, c.chargeAmount, c.transactionId, c.vfcEligibility, c.orderingNpi])).toEqual([
      ['ch|APP|FAC|C1|3|admin', '90471', '25.00', 'F1-admin', 'V02', '1234567893'],
      ['ch|APP|FAC|C1|8|admin', '90472', '15.00', 'none-admin', null, null],
    ]);
    const medicare = msg('PID|1||P1', seg('IN1', { 1: '1', 2: 'PLAN', 15: 'MB' }), rxa('20240301', '', 'CP'));
    expect(evaluateMapping(p(), medicare, CTX).charges.map((c) => [c.code, c.chargeAmount])).toEqual([['G0008', '30.00']]);
  });

  it('a lookup miss with unknown: error names the table and the field, not the value', () => {
    const q = plan(`
name: m
tables: { codes: { A: "1" } }
records:
  - name: r
    output: charge
    forEach: FT1
    fields: { patient: PID-3.1, serviceDate: FT1-4, code: { from: FT1-7, lookup: codes }, amount: FT1-11 }
`);
    const err = thrown(() => evaluateMapping(q, msg('PID|1||P1', seg('FT1', { 1: '1', 4: '20240301', 7: 'SECRETCODE', 11: '5' })), CTX));
    expect(err.code).toBe('MAPPING_LOOKUP_MISSING');
    expect(err.message).toBe('mapping m, rule r, field code (FT1-7): the value is not in table codes');
    expect(err.location).toEqual({ segment: 'FT1', sequence: 1, field: 7 });
  });

  it('patients and coverages, with reversal options carried on charges', () => {
    const q = plan(`
name: m
records:
  - name: who
    output: patient
    forEach: PID
    fields:
      patient: PID-3.1
      asOf: { from: EVN-2 | MSH-7, fn: datetime }
      familyName: PID-5.1
      birthDate: PID-7
      sex: { from: PID-8, fn: sex }
  - name: ins
    output: coverage
    forEach: IN1
    group: [IN1, IN2]
    fields:
      patient: PID-3.1
      asOf: { from: EVN-2 | MSH-7, fn: datetime }
      planId: IN1-2.1 | IN1-3.1
      memberId: IN1-36 | IN2-61
      priority: { from: IN1-22, fn: cobPriority }
      effectiveDate: { from: IN1-12, fn: date }
`);
    const m = parseHl7(['MSH|^~\\&|A|F|R|P|20240301120000-0500||ADT^A08|C1|P|2.5.1', 'EVN|A08|202402011000', 'PID|1||P1||DOE^JANE||19800102|f',
      seg('IN1', { 1: '1', 2: 'GOLD', 12: '20240101', 22: '2' }), 'IN2|1', seg('IN1', { 1: '2', 3: 'PAYER9' }), seg('IN2', { 1: '1', 61: 'M-61' })].join('\r'));
    const out = evaluateMapping(q, m, CTX);
    expect(out.patients).toEqual([expect.objectContaining({ patientRef: 'P1', asOf: '2024-02-01T10:00:00.000Z', familyName: 'DOE', birthDate: '1980-01-02', sex: 'F' })]);
    expect(out.coverages.map((c) => [c.planId, c.memberId, c.priority, c.effectiveDate])).toEqual([['GOLD', null, 2, '2024-01-01'], ['PAYER9', 'M-61', 1, null]]);
  });
});

describe('load-time checks report file:line:col', () => {
  const base = (fields: string, extra = '') => `name: m
tables:
  t: { A: { code: "1" } }
records:
  - name: r
    output: charge
    forEach: FT1
${extra}    fields:
${fields}`;

  it.each([
    ['      patient: PID-3.1\n      serviceDate: FT1-4\n      code: { from: $nope }\n      amount: FT1-11\n', /11:13 \$nope is not defined/],
    ['      patient: PID-3.1\n      serviceDate: FT1-4\n      code: { from: FT1-7, lookup: t }\n      amount: FT1-11\n', /11:\d+ .*has columns/],
    ['      patient: PID-3.1\n      serviceDate: FT1-4\n      code: { from: FT1-7, lookup: t.cost }\n      amount: FT1-11\n', /11:\d+ .*no column cost/],
    ['      patient: PID-3.1\n      serviceDate: FT1-4\n      code: { from: FT1-7, lookup: u }\n      amount: FT1-11\n', /11:\d+ no table named u/],
    ['      patient: PID-3.1\n      serviceDate: FT1-4\n      code: { from: FT1-7, fn: shout }\n      amount: FT1-11\n', /11:\d+ .*unknown function/],
    ['      patient: PID-3.1\n      serviceDate: FT1-4\n      code: FT1-7\n      amount: FT1-11\n      colour: FT1-1\n', /13:\d+ charge records have no field colour/],
    ['      patient: PID-3.1\n      code: FT1-7\n      amount: FT1-11\n', /9:7 charge records need serviceDate/],
    ['      patient: PID-3.1\n      serviceDate: FT1-4\n      code: FT1-7[*]\n', /11:13 \[\*\] reads a list/],
  ])('%#', (fields, expected) => {
    expect(issues(base(fields)).join('\n')).toMatch(expected);
  });

  it('rule conditions may use vars (computed on first use), but not those that depend on $sequence', () => {
    const text = `name: m
tables: { billable: { "4548-4": "83036" } }
records:
  - name: r
    output: charge
    forEach: OBX
    when: [$billed is present, $later is empty]
    vars:
      billed: { from: OBX-3.1, lookup: billable, unknown: empty }
      nth: { template: "{$sequence}" }
      later: { from: $nth }
    fields: { patient: PID-3.1, serviceDate: OBX-14, code: $billed, amount: { const: "12" } }
`;
    expect(issues(text).join('\n')).toMatch(/7:11 \$later depends on \$sequence/);
    const ok = plan(text.replace(', $later is empty', ''));
    const out = evaluateMapping(ok, msg('PID|1||P1', seg('OBX', { 1: '1', 3: '4548-4', 14: '20240301' }), seg('OBX', { 1: '2', 3: '8302-2', 14: '20240301' })), CTX);
    expect(out.charges.map((c) => [c.code, c.sourceKey])).toEqual([['83036', 'ch|APP|FAC|C1|2|r']]);
  });

  it('rule conditions name undefined vars; reversal only on charges; rule names unique', () => {
    const text = `name: m
records:
  - name: r
    output: patient
    forEach: PID
    when: $x = 1
    reversal: { when: PID-1 = 1, of: PID-2 }
    fields: { patient: PID-3, asOf: MSH-7 }
  - name: r
    output: patient
    forEach: PID
    fields: { patient: PID-3, asOf: MSH-7 }
`;
    const found = issues(text).join('\n');
    expect(found).toMatch(/6:11 \$x is not defined in vars/);
    expect(found).toMatch(/7:15 only charge records can be reversals/);
    expect(found).toMatch(/9:11 another rule is already named r/);
  });

  it('a reversal needs of, line or match to find its charge, and line needs lineId', () => {
    const rule = (reversal: string) => `name: m
records:
  - name: r
    output: charge
    forEach: FT1
    reversal: ${reversal}
    fields: { patient: PID-3, serviceDate: FT1-4, code: FT1-7, amount: FT1-11 }
`;
    expect(issues(rule('{ when: FT1-6 = CD }')).join('\n')).toMatch(/6:15 a reversal needs of, line or match/);
    expect(issues(rule('{ when: FT1-6 = CD, line: FT1-31 }')).join('\n')).toMatch(/6:15 line needs lineId/);
    expect(issues(rule('{ when: FT1-6 = CD, match: [patient, color] }')).join('\n')).toMatch(/6:\d+ .*patient.*code.*serviceDate.*amount/);
    expect(issues(rule('{ when: FT1-6 = CD, missing: park }')).join('\n')).toMatch(/error.*ignore.*hold/);
    expect(issues(rule('{ when: FT1-6 = CD, line: FT1-31, lineId: FT1-1, match: [patient, code], missing: hold }'))).toEqual([]);
  });

  it('an example mapping from the docs loads', () => {
    expect(() => plan(VXU_LIKE.replace('      payer: { from: IN1-15, lookup: payers, unknown: empty, default: COM }\n', '      payer: { const: COM }\n'))).not.toThrow();
  });
});
