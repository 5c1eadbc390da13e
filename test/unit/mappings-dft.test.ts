import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { ConfigError } from '../../src/core/config-file';
import { thrown } from './helpers';
import { decodeHl7, normalizeSegments } from '../../src/hl7/charset';
import { parseHl7 } from '../../src/hl7/parse';
import type { ChargeRecord } from '../../src/mappings/records';
import { compileMapping, type MappingPlan } from '../../src/mappings/compile';
import { evaluateMapping, type MappingContext } from '../../src/mappings/evaluate';
import { loadMappings, MappingRegistry } from '../../src/mappings/load';
import { mappingFileSchema } from '../../src/mappings/schema';

const REPO_MAPPINGS = path.join(__dirname, '../../mappings');
const CORPUS = path.join(__dirname, '../../../shared/corpus/hl7');
const CTX: MappingContext = { channel: 'pharmacy-inbound', sender: 'RXSYS|PHARM01', controlId: 'CTL-1' };

let plan: MappingPlan;
beforeAll(() => {
  const plans = loadMappings(REPO_MAPPINGS, {});
  expect([...plans.keys()]).toContain('dft-p03');
  plan = plans.get('dft-p03')!;
});

/** The real mapping with `unknown: error` on the code lookup (schema-validated and compiled like loadMappings does). */
function strictPlan(): MappingPlan {
  const raw = parseYaml(fs.readFileSync(path.join(REPO_MAPPINGS, 'dft-p03.yaml'), 'utf8')) as { records: Array<{ fields: { code: { unknown: string } } }> };
  raw.records[0]!.fields.code.unknown = 'error';
  return compileMapping(mappingFileSchema.parse(raw), 'strict.yaml');
}

/** The fields a DFT line leaves empty. */
const NOT_IN_DFT = {
  ndcQuantity: null, ndcUnit: null, rxNumber: null, fillNumber: null, daysSupply: null, daw: null, lot: null,
  vfcEligibility: null, placeOfService: null,
} as const;


// ---------------------------------------------------------------------------------------------------------------
// Corpus

const readCorpus = (name: string): string => normalizeSegments(decodeHl7(fs.readFileSync(path.join(CORPUS, name)), 'UTF-8'));
const dftFiles = fs.readdirSync(CORPUS).filter((f) => f.endsWith('.hl7')).sort().filter((f) => {
  const { header } = parseHl7(readCorpus(f));
  return header.messageCode === 'DFT' && header.triggerEvent === 'P03';
});

/** Values read by eye from the corpus files: both FHIR-Converter samples carry the same two FT1 lines. */
const firstLine = (index: number, sender: string): ChargeRecord => ({
  sourceKey: `pharmacy-inbound|${sender}|MSG00001|${index}|line`,
  kind: 'charge',
  serviceKind: 'other',
  reversalOfTransaction: null,
  transactionId: '12345',
  serviceDate: '2019-11-22',
  patientRef: 'PATID1234',
  codeSystem: 'CPT', // FT1-25.3 = C4
  code: '71045',
  modifiers: ['26'],
  units: '2.000',
  chargeAmount: '100.00', // FT1-11 = 100&USD (FT1-12 50&USD is ignored)
  diagnoses: ['29857009', '68235000'],
  renderingNpi: '9941339108',
  orderingNpi: null,
  ndc: '00182106105', // FT1-29 0182-1061-05 (4-4-2) as 11 digits
  ...NOT_IN_DFT,
  rxNumber: 'PN-12345', // FT1-42 (2.6+), the prescription number
});
const secondLine = (index: number, sender: string): ChargeRecord => ({
  sourceKey: `pharmacy-inbound|${sender}|MSG00001|${index}|line`,
  kind: 'charge',
  serviceKind: 'other',
  reversalOfTransaction: null,
  transactionId: null,
  serviceDate: '2019-11-22',
  patientRef: 'PATID1234',
  codeSystem: 'CPT',
  code: '99011', // FT1-25 wins over FT1-7 (626.2)
  modifiers: [],
  units: '1.000',
  chargeAmount: '120.00',
  diagnoses: ['29857009'],
  renderingNpi: null, // FT1-20 is ^^^
  orderingNpi: null,
  ndc: null,
  ...NOT_IN_DFT,
});
const SENDER = 'IMMAPP|GHHSFacility^2.16.840.1.122848.1.30^ISO';
const EXPECTED: Record<string, ChargeRecord[]> = {
  'microsoft__FHIR-Converter__DFT-P03-01.hl7': [firstLine(10, SENDER), secondLine(14, SENDER)],
  'microsoft__FHIR-Converter__DFT-P03-02.hl7': [firstLine(14, SENDER), secondLine(23, SENDER)],
};

describe('dft-p03 over the corpus', () => {
  it('finds the DFT^P03 samples', () => {
    expect(dftFiles).toEqual(Object.keys(EXPECTED).sort());
  });

  it.each(dftFiles)('%s: one record per CG/CD line, with the values in the file', (file) => {
    const msg = parseHl7(readCorpus(file));
    const ctx = { channel: 'pharmacy-inbound', sender: `${msg.header.sendingApplication}|${msg.header.sendingFacility}`, controlId: msg.header.controlId };
    const records = evaluateMapping(plan, msg, ctx).charges;
    // Source keys end with the FT1's position in the message and the rule name.
    const ft1Indexes = msg.segments.flatMap((s, i) => (s.name === 'FT1' ? [i] : []));
    expect(records.map((r) => r.sourceKey.split('|').slice(-2).join('|'))).toEqual(ft1Indexes.map((i) => `${i}|line`));
    expect(records).toEqual(EXPECTED[file]);
    // Pure and deterministic: the same input gives the same records.
    expect(evaluateMapping(plan, parseHl7(readCorpus(file)), ctx).charges).toEqual(records);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Synthetic messages

/** An FT1 line from field number → raw text; unnamed fields are empty. */
function ft1(fields: Record<number, string>): string {
  const max = Math.max(...Object.keys(fields).map(Number));
  const parts = ['FT1'];
  for (let i = 1; i <= max; i++) parts.push(fields[i] ?? '');
  return parts.join('|');
}

function dft(version: string, ...lines: string[]): string {
  return [
    `MSH|^~\\&|RXSYS|PHARM01|RXBRIDGE|HOSP|20240115103000||DFT^P03|CTL-1|P|${version}`,
    'EVN|P03|20240115103000',
    'PID|1||MRN001^^^PHARM01^MR~SSN999^^^USSSA^SS||DOE^JANE||19800101|F',
    'PV1|1|O',
    ...lines,
  ].join('\r');
}

const run = (text: string, p: MappingPlan = plan): ChargeRecord[] => evaluateMapping(p, parseHl7(text), CTX).charges;
const one = (text: string, p: MappingPlan = plan): ChargeRecord => {
  const records = run(text, p);
  expect(records).toHaveLength(1);
  return records[0]!;
};

describe('dft-p03 on synthetic 2.3 and 2.5.1 messages', () => {
  it('2.3: FT1-4 is a TS; fields added later (26, 29, 31) are simply absent', () => {
    const r = one(dft('2.3', ft1({ 1: '1', 2: 'TX-1', 4: '20240115103000', 5: '20240116', 6: 'CG', 7: 'J1100^DEXAMETHASONE^HCPCS', 10: '2', 11: '35.5', 20: '1234567893^SMITH^ANNA' })));
    expect(r).toEqual<ChargeRecord>({
      sourceKey: 'pharmacy-inbound|RXSYS|PHARM01|CTL-1|4|line',
      kind: 'charge',
      serviceKind: 'other',
      reversalOfTransaction: null,
      transactionId: 'TX-1',
      serviceDate: '2024-01-15',
      patientRef: 'MRN001',
      codeSystem: 'HCPCS',
      code: 'J1100',
      modifiers: [],
      units: '2.000',
      chargeAmount: '35.50',
      diagnoses: [],
      renderingNpi: '1234567893',
      orderingNpi: null,
      ndc: null,
      ...NOT_IN_DFT,
    });
  });

  it('2.5.1: FT1-4 is a DR (start^end) and its start is the date of service', () => {
    const r = one(dft('2.5.1', ft1({ 1: '1', 2: 'TX-1', 4: '20240115^20240120', 5: '20240121', 6: 'CG', 7: '90471^IMMUNIZATION ADMIN^C4', 10: '1', 11: '25&USD', 21: '1987654321^JONES^BOB', 29: '49281-0421-50^FLUZONE^N4' })));
    expect(r.serviceDate).toBe('2024-01-15');
    expect(r.code).toBe('90471');
    expect(r.codeSystem).toBe('CPT');
    expect(r.chargeAmount).toBe('25.00');
    expect(r.orderingNpi).toBe('1987654321');
    expect(r.renderingNpi).toBeNull();
    expect(r.ndc).toBe('49281042150');
  });

  it('CP amount "100&USD" is 100.00; an extended amount is rounded half away from zero', () => {
    expect(one(dft('2.5.1', ft1({ 4: '20240115', 6: 'CG', 7: '99213', 11: '100&USD' }))).chargeAmount).toBe('100.00');
    expect(one(dft('2.5.1', ft1({ 4: '20240115', 6: 'CG', 7: '99213', 11: '12.345&USD' }))).chargeAmount).toBe('12.35');
    expect(one(dft('2.5.1', ft1({ 4: '20240115', 6: 'CG', 7: '99213', 11: '.5' }))).chargeAmount).toBe('0.50');
  });

  it('FT1-11 empty: unit amount (FT1-12) × quantity (FT1-10); FT1-11 wins when both are present', () => {
    const r = one(dft('2.5.1', ft1({ 4: '20240115', 6: 'CG', 7: '99213', 10: '3', 12: '12.5&USD' })));
    expect(r.units).toBe('3.000');
    expect(r.chargeAmount).toBe('37.50');
    expect(one(dft('2.5.1', ft1({ 4: '20240115', 6: 'CG', 7: '99213', 10: '2.5', 12: '0.333' }))).chargeAmount).toBe('0.83');
    expect(one(dft('2.5.1', ft1({ 4: '20240115', 6: 'CG', 7: '99213', 10: '3', 11: '30', 12: '12.5' }))).chargeAmount).toBe('30.00');
  });

  it('quantity defaults to 1 when FT1-10 is empty', () => {
    const r = one(dft('2.5.1', ft1({ 4: '20240115', 6: 'CG', 7: '99213', 12: '40' })));
    expect(r.units).toBe('1.000');
    expect(r.chargeAmount).toBe('40.00');
  });

  it('FT1-25 is preferred over FT1-7; FT1-7 is used when FT1-25 is empty', () => {
    const both = one(dft('2.5.1', ft1({ 4: '20240115', 6: 'CG', 7: 'RX-LOCAL-7^LOCAL THING^L', 11: '10', 25: '99213^OFFICE VISIT^CPT' })));
    expect([both.code, both.codeSystem]).toEqual(['99213', 'CPT']);
    const only7 = one(dft('2.5.1', ft1({ 4: '20240115', 6: 'CG', 7: 'RX-LOCAL-7^LOCAL THING^L', 11: '10' })));
    expect([only7.code, only7.codeSystem]).toEqual(['RX-LOCAL-7', 'LOCAL']);
  });

  it.each([
    ['C4', 'CPT'], ['CPT4', 'CPT'], ['cpt-4', 'CPT'], ['HC', 'HCPCS'], ['N4', 'NDC'], ['NDC', 'NDC'], ['99ZZZ', 'LOCAL'], ['', 'CPT'],
  ])('coding system %j is billed as %s (code kept when not in the table)', (system, billed) => {
    const r = one(dft('2.5.1', ft1({ 4: '20240115', 6: 'CG', 7: `A123^X^${system}`, 11: '1' })));
    expect([r.code, r.codeSystem]).toEqual(['A123', billed]);
  });

  it('modifiers: every repetition of FT1-26, at most four', () => {
    const r = one(dft('2.5.1', ft1({ 4: '20240115', 6: 'CG', 7: '99213', 11: '1', 26: '25^SIGNIFICANT~59^DISTINCT~~GT~95~76' })));
    expect(r.modifiers).toEqual(['25', '59', 'GT', '95']);
    expect(one(dft('2.5.1', ft1({ 4: '20240115', 6: 'CG', 7: '99213', 11: '1', 26: 'GT' }))).modifiers).toEqual(['GT']);
  });

  it('diagnoses: every repetition of FT1-19 (component 1)', () => {
    const r = one(dft('2.5.1', ft1({ 4: '20240115', 6: 'CG', 7: '99213', 11: '1', 19: 'E11.9^TYPE 2 DIABETES^I10~I10^HYPERTENSION^I10~Z23^ENCOUNTER FOR IMMUNIZATION^I10' })));
    expect(r.diagnoses).toEqual(['E11.9', 'I10', 'Z23']);
  });

  it('unescapes values (a code with an escaped separator)', () => {
    const r = one(dft('2.5.1', ft1({ 4: '20240115', 6: 'CG', 7: 'A\\T\\B', 11: '1' })));
    expect(r.code).toBe('A&B');
  });

  it('a CD line reverses the line of its message whose Set ID (FT1-1) FT1-31 names; else it names FT1-2 across messages', () => {
    const records = run(dft('2.5.1',
      ft1({ 1: '1', 2: 'TX-1', 4: '20240115', 6: 'CG', 7: '99213', 11: '25' }),
      ft1({ 1: '2', 2: 'TX-2', 4: '20240115', 6: 'CD', 7: '99213', 11: '-25', 31: '1' }),
    ));
    expect(records[1]).toMatchObject({
      kind: 'reversal', reversalOfLine: records[0]!.sourceKey, reversalOfTransaction: 'TX-2', transactionId: 'TX-2',
      chargeAmount: '-25.00', reversalMissing: 'hold', reversalMatch: ['patient', 'code', 'serviceDate', 'amount'],
    });
    // A Set ID naming no FT1 here (an e-claim line, a line of an earlier message): FT1-2 and the attributes.
    const elsewhere = one(dft('2.5.1', ft1({ 1: '2', 2: 'TX-2', 4: '20240115', 6: 'CD', 7: '99213', 11: '-25', 31: '7' })));
    expect(elsewhere.reversalOfLine).toBeUndefined();
    expect(elsewhere.reversalOfTransaction).toBe('TX-2');
    // A credit naming itself reverses nothing of its own.
    expect(one(dft('2.5.1', ft1({ 1: '1', 2: 'TX-1', 4: '20240115', 6: 'CD', 7: '99213', 11: '25', 31: '1' }))).reversalOfLine).toBeUndefined();
    const without31 = one(dft('2.3', ft1({ 1: '1', 2: 'TX-1', 4: '20240115', 6: 'CD', 7: '99213', 11: '25' })));
    expect(without31).toMatchObject({ kind: 'reversal', reversalOfTransaction: 'TX-1', transactionId: 'TX-1' });
    // Neither FT1-31 nor FT1-2: matched on patient, code, date and amount only (no dead letter).
    const bare = one(dft('2.5.1', ft1({ 4: '20240115', 6: 'CD', 7: '99213', 11: '5' })));
    expect(bare).toMatchObject({ kind: 'reversal', reversalOfTransaction: null, reversalMissing: 'hold' });
  });

  it('PY, AJ, CO (and unknown types) make no record; source keys keep the segment index', () => {
    const records = run(dft('2.5.1',
      ft1({ 1: '1', 4: '20240115', 6: 'PY', 7: 'CASH', 11: '10' }),
      ft1({ 1: '2', 4: '20240115', 6: 'CG', 7: '99213', 11: '75' }),
      'NTE|1||a note',
      ft1({ 1: '3', 4: '20240115', 6: 'AJ', 7: 'ADJ', 11: '-5' }),
      ft1({ 1: '4', 4: '20240115', 6: 'CO', 7: 'COPAY', 11: '20' }),
      ft1({ 1: '5', 4: '20240115', 6: 'XX', 7: 'WHAT', 11: '1' }),
      ft1({ 1: '6', 2: 'TX-6', 4: '20240116', 6: 'CD', 7: '99213', 11: '-75', 31: 'TX-5' }),
    ));
    expect(records.map((r) => [r.sourceKey, r.kind, r.serviceDate])).toEqual([
      ['pharmacy-inbound|RXSYS|PHARM01|CTL-1|5|line', 'charge', '2024-01-15'],
      ['pharmacy-inbound|RXSYS|PHARM01|CTL-1|10|line', 'reversal', '2024-01-16'],
    ]);
    // A line that makes nothing is not even validated (PY line without a date).
    expect(run(dft('2.5.1', ft1({ 6: 'PY', 11: 'abc' })))).toEqual([]);
    // No FT1 at all: no records.
    expect(run(dft('2.5.1'))).toEqual([]);
  });

  it('a code in the table is billed as the mapped code and system (table beats the sender\'s system)', () => {
    const r = one(dft('2.5.1', ft1({ 4: '20240115', 6: 'CG', 7: 'MTM-INIT^INITIAL MTM^L', 11: '75' })));
    expect([r.code, r.codeSystem]).toEqual(['99605', 'CPT']);
    const viaFt125 = one(dft('2.5.1', ft1({ 4: '20240115', 6: 'CG', 7: 'X', 11: '1', 25: 'FLU-ADMIN^^L' })));
    expect([viaFt125.code, viaFt125.codeSystem]).toEqual(['90471', 'CPT']);
  });

  it('unknown: error — a code missing from the table is MAPPING_LOOKUP_MISSING at the FT1 line', () => {
    const strict = strictPlan();
    expect(one(dft('2.5.1', ft1({ 4: '20240115', 6: 'CG', 7: 'MTM-FUP', 11: '50' })), strict).code).toBe('99606');
    const err = thrown(() => run(dft('2.5.1',
      ft1({ 1: '1', 4: '20240115', 6: 'CG', 7: 'MTM-FUP', 11: '50' }),
      ft1({ 1: '2', 4: '20240115', 6: 'CG', 7: 'SECRET-CODE-77', 11: '50' }),
    ), strict));
    expect(err.code).toBe('MAPPING_LOOKUP_MISSING');
    expect(err.retryable).toBe(false);
    expect(err.location).toEqual({ segment: 'FT1', sequence: 2, field: 25 });
    expect(err.message).not.toContain('SECRET-CODE-77');
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Errors

describe('dft-p03 errors name the location, never the value', () => {
  const cases: Array<[string, string, string, { segment: string; sequence?: number; field?: number }, string[]]> = [
    ['missing FT1-4', dft('2.5.1', ft1({ 6: 'CG', 7: '99213', 11: '1' })), 'MAPPING_FIELD_MISSING', { segment: 'FT1', sequence: 1, field: 4 }, ['99213']],
    ['impossible date', dft('2.5.1', ft1({ 4: '20260230', 6: 'CG', 7: '99213', 11: '1' })), 'MAPPING_VALUE_INVALID', { segment: 'FT1', sequence: 1, field: 4 }, ['20260230']],
    ['month-precision date', dft('2.5.1', ft1({ 4: '202601', 6: 'CG', 7: '99213', 11: '1' })), 'MAPPING_VALUE_INVALID', { segment: 'FT1', sequence: 1, field: 4 }, ['202601']],
    ['non-numeric amount', dft('2.5.1', ft1({ 4: '20240115', 6: 'CG', 7: '99213', 11: 'TWELVE&USD' })), 'MAPPING_VALUE_INVALID', { segment: 'FT1', sequence: 1, field: 11 }, ['TWELVE']],
    ['missing amount', dft('2.5.1', ft1({ 4: '20240115', 6: 'CG', 7: '99213', 10: '2' })), 'MAPPING_FIELD_MISSING', { segment: 'FT1', sequence: 1, field: 11 }, []],
    ['non-numeric quantity', dft('2.5.1', ft1({ 4: '20240115', 6: 'CG', 7: '99213', 10: 'LOTS', 11: '5' })), 'MAPPING_VALUE_INVALID', { segment: 'FT1', sequence: 1, field: 10 }, ['LOTS']],
    ['missing code', dft('2.5.1', ft1({ 4: '20240115', 6: 'CG', 11: '5' })), 'MAPPING_FIELD_MISSING', { segment: 'FT1', sequence: 1, field: 25 }, []],
    ['empty PID-3', dft('2.5.1', ft1({ 4: '20240115', 6: 'CG', 7: '99213', 11: '5' })).replace('MRN001^^^PHARM01^MR~SSN999^^^USSSA^SS', ''), 'MAPPING_FIELD_MISSING', { segment: 'PID', sequence: 1, field: 3 }, []],
    ['no PID segment', dft('2.5.1', ft1({ 4: '20240115', 6: 'CG', 7: '99213', 11: '5' })).replace(/PID\|[^\r]*\r/, ''), 'MAPPING_FIELD_MISSING', { segment: 'PID', sequence: 1, field: 3 }, []],
    ['second FT1 bad', dft('2.5.1', ft1({ 4: '20240115', 6: 'CG', 7: '99213', 11: '5' }), 'NTE|1', ft1({ 4: '2024011X', 6: 'CG', 7: '99213', 11: '5' })), 'MAPPING_VALUE_INVALID', { segment: 'FT1', sequence: 2, field: 4 }, ['2024011X']],
  ];

  it.each(cases)('%s', (_name, text, code, location, values) => {
    const err = thrown(() => run(text));
    expect(err.code).toBe(code);
    expect(err.retryable).toBe(false);
    expect(err.location).toEqual(location);
    for (const v of [...values, 'MRN001', 'DOE', 'JANE']) expect(err.message).not.toContain(v);
  });

  it('a non-numeric unit amount is MAPPING_VALUE_INVALID without the value', () => {
    const err = thrown(() => run(dft('2.5.1', ft1({ 4: '20240115', 6: 'CG', 7: '99213', 10: '2', 12: 'FREE99' }))));
    expect(err.code).toBe('MAPPING_VALUE_INVALID');
    expect(err.location).toMatchObject({ segment: 'FT1', sequence: 1 });
    expect(err.message).not.toContain('FREE99');
  });

  // BUG (src/mappings/evaluate.ts amountOf): an invalid FT1-12 (unit amount) is reported at the location of
  // `amount` (FT1-11, the first path of fields.amount), so the ERR segment points the sender at the wrong field.
  test('a non-numeric unit amount is located at FT1-12', () => {
    const err = thrown(() => run(dft('2.5.1', ft1({ 4: '20240115', 6: 'CG', 7: '99213', 10: '2', 12: 'FREE99' }))));
    expect(err.location).toEqual({ segment: 'FT1', sequence: 1, field: 12 });
  });
});

// ---------------------------------------------------------------------------------------------------------------
// compile and load

describe('the compiled plan', () => {
  it('is frozen and has the file\'s rules and tables', () => {
    expect(Object.isFrozen(plan)).toBe(true);
    expect(plan.rules.map((r) => [r.name, r.output, r.forEach])).toEqual([['line', 'charge', 'FT1'], ['expanded-line', 'charge', 'FT1']]);
    expect(plan.rules[0]!.group).toEqual(['FT1', 'NTE', 'PR1', 'ROL']);
    expect(plan.rules[1]!.group).toEqual(['FT1', 'NTE', 'PRT', 'PR1', 'ROL', 'DG1']); // DFT^P11: the line's own DG1s
    expect(plan.tables.get('chargeMaster')?.exact.get('MTM-ADD')).toEqual({ code: '99607', system: 'CPT', kind: 'mtm' });
    expect(plan.file).toBe(path.join(REPO_MAPPINGS, 'dft-p03.yaml'));
  });
});

describe('loadMappings', () => {
  let root: string;
  let n = 0;
  beforeAll(() => { root = fs.mkdtempSync(path.join(os.tmpdir(), 'rxb-mappings-')); });
  afterAll(() => { fs.rmSync(root, { recursive: true, force: true }); });

  function dir(files: Record<string, string>): string {
    const d = path.join(root, `case-${++n}`);
    fs.mkdirSync(d);
    for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(d, name), text);
    return d;
  }

  /** A minimal mapping; line numbers matter: `code` is line 9, the last line (amount) is line 10. */
  const mini = (name: string, extra: { code?: string; tail?: string } = {}): string => [
    `name: ${name}`,
    'records:',
    '  - name: line',
    '    output: charge',
    '    forEach: FT1',
    '    fields:',
    '      patient: PID-3.1',
    '      serviceDate: FT1-4.1',
    `      code: ${extra.code ?? 'FT1-7.1'}`,
    '      amount: FT1-11.1.1',
    ...(extra.tail ? [extra.tail] : []),
    '',
  ].join('\n');

  const configError = (d: string): ConfigError => {
    try {
      loadMappings(d, {});
    } catch (err) {
      if (err instanceof ConfigError) return err;
      throw err;
    }
    throw new Error('expected a ConfigError');
  };

  it('loads every *.yaml except *.test.yaml, keyed by file name, with defaults filled in', () => {
    const d = dir({ 'mini.yaml': mini('mini'), 'mini.test.yaml': 'not: [valid', 'notes.txt': 'ignored' });
    const plans = loadMappings(d, {});
    expect([...plans.keys()]).toEqual(['mini']);
    const p = plans.get('mini')!;
    expect(p.description).toBe('');
    expect(p.rules[0]!.group).toEqual(['FT1']);
    expect(p.rules[0]!.reversal).toBeUndefined();
    expect(p.rules[0]!.fields.map((f) => f.name)).toEqual(['patient', 'serviceDate', 'code', 'amount']);
  });

  it('a missing directory loads nothing', () => {
    expect(loadMappings(path.join(root, 'does-not-exist'), {}).size).toBe(0);
  });

  it('the mapping name must match the file name', () => {
    const d = dir({ 'other-name.yaml': mini('mini') });
    const err = configError(d);
    expect(err.code).toBe('CONFIG_INVALID');
    const file = path.join(d, 'other-name.yaml');
    expect(err.message).toContain(`${file}:1:1:`);
    expect(err.message).toMatch(/must match the file name "other-name"/);
  });

  it('an unknown key is reported at file:line:col', () => {
    const d = dir({ 'mini.yaml': mini('mini', { tail: '    colour: blue' }) });
    const err = configError(d);
    expect(err.message).toContain(`${path.join(d, 'mini.yaml')}:11:5: unknown key "colour"`);
    expect(err.issues).toHaveLength(1);
  });

  it('a source that is not an HL7 path ("FT1-x") is reported at its value', () => {
    const d = dir({ 'mini.yaml': mini('mini', { code: 'FT1-x' }) });
    const err = configError(d);
    expect(err.issues).toHaveLength(1);
    expect(err.issues[0]).toMatchObject({ file: path.join(d, 'mini.yaml'), line: 9, col: 13 });
    expect(err.message).toMatch(/Invalid HL7 path "FT1-x"/);
  });

  it('a bad later alternative is reported at its value, not at 1:1', () => {
    const d = dir({ 'mini.yaml': mini('mini', { code: 'FT1-7.1 | FT1-7.x' }) });
    const err = configError(d);
    expect(err.issues).toHaveLength(1);
    expect(err.issues[0]).toMatchObject({ file: path.join(d, 'mini.yaml'), line: 9, col: 13 });
    expect(err.message).toMatch(/Invalid HL7 path "FT1-7\.x"/);
  });

  it('[*] on a single-value field is refused at load', () => {
    const d = dir({ 'mini.yaml': mini('mini', { code: 'FT1-7[*].1' }) });
    const err = configError(d);
    expect(err.message).toMatch(/\[\*\] reads a list; this value takes one/);
    expect(err.issues[0]).toMatchObject({ line: 9, col: 13 });
  });

  it('reports the problems of every file at once', () => {
    const d = dir({ 'a.yaml': mini('b'), 'c.yaml': mini('c', { tail: '    bogus: x' }), 'ok.yaml': mini('ok') });
    const err = configError(d);
    expect(err.issues.map((i) => path.basename(i.file))).toEqual(['a.yaml', 'c.yaml']);
  });

  it('text saved through the API may not read environment variables (previews would show them)', () => {
    const d = dir({ 'mini.yaml': mini('mini') });
    const registry = new MappingRegistry(d, { SECRET: 'postgres://user:pw@db/x' });
    const text = mini('mini', { code: '${SECRET}' });
    let err: unknown;
    try { registry.compileSubmitted('mini', text); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).issues[0]).toMatchObject({ line: 9, col: 13 });
    expect((err as ConfigError).message).toMatch(/environment variables .* are not allowed/);
    expect((err as ConfigError).message).not.toContain('pw@db');
    // A literal "$${" is fine, and the same text from a file on the server may use the environment.
    expect(() => registry.compileSubmitted('mini', mini('mini', { tail: '      transactionId: { const: "$${x}" }' }))).not.toThrow();
    expect(() => registry.compile('mini', text)).toThrow(ConfigError); // ${SECRET} is not an HL7 path either way
  });

  it('YAML escapes of "$" do not smuggle an environment variable into a mapping saved through the API', () => {
    const d = dir({ 'mini.yaml': mini('mini') });
    const registry = new MappingRegistry(d, { DATABASE_URL: 'postgres://user:pw@db/x' });
    for (const escaped of ['"\\x24{DATABASE_URL}"', '"\\u0024{DATABASE_URL}"', '"\\U00000024{DATABASE_URL}"', '"$\\x7BDATABASE_URL}"']) {
      const text = mini('mini', { tail: `      transactionId: { const: ${escaped} }` });
      let err: unknown;
      try { registry.compileSubmitted('mini', text); } catch (e) { err = e; }
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).message).toMatch(/environment variables .* are not allowed/);
      expect((err as ConfigError).message).not.toContain('pw@db');
    }
    // A "${" only in a comment is never interpolated, so it is no reason to refuse.
    expect(() => registry.compileSubmitted('mini', `# costs \${x}\n${mini('mini')}`)).not.toThrow();
  });

  it('MappingRegistry.reload keeps the previous set when a file is bad', () => {
    const d = dir({ 'mini.yaml': mini('mini') });
    const registry = new MappingRegistry(d, {});
    expect(registry.names()).toEqual(['mini']);
    fs.writeFileSync(path.join(d, 'second.yaml'), mini('second', { code: 'FT1-x' }));
    expect(() => registry.reload()).toThrow(ConfigError);
    expect(registry.names()).toEqual(['mini']);
    fs.writeFileSync(path.join(d, 'second.yaml'), mini('second'));
    registry.reload();
    expect(registry.names().sort()).toEqual(['mini', 'second']);
    expect(registry.get('second')?.name).toBe('second');
  });
});
