/**
 * Two parts of the mapping language on small synthetic mappings: dated table rows (a lookup's `at` picks the row
 * in force on a date) and held charges (a rule's `hold`: the record is written held with its reason instead of
 * dead-lettering the message), with their load-time checks at file:line:col.
 */
import { ConfigError, parseConfigText } from '../../src/core/config-file';
import { EngineError } from '../../src/core/errors';
import { parseHl7 } from '../../src/hl7/parse';
import { compileMapping, type MappingPlan } from '../../src/mappings/compile';
import { evaluateMapping } from '../../src/mappings/evaluate';
import { mappingFileSchema } from '../../src/mappings/schema';

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

/** One FT1 line: code in FT1-7, date in FT1-4, amount in FT1-11. */
const msg = (code: string, date: string, type = 'CG') =>
  parseHl7([
    'MSH|^~\\&|APP|FAC|RX|PH|20260301120000||DFT^P03|C1|P|2.5.1',
    'PID|1||P1',
    `FT1|1|T1||${date}||${type}|${code}`,
  ].join('\r'));

const SEASONAL = `
name: m
tables:
  products:
    FLU:
      - { code: "90653", from: 2025-08-01, to: 2026-07-31 }
      - { code: "90654", from: 2026-08-01, to: 2027-07-31 }
    TD: { code: "90714" }
  fees:
    "90653": "72.00"
    "90714": "40.00"
records:
  - name: line
    output: charge
    forEach: FT1
    vars:
      dos: { from: FT1-4, fn: date }
      product: { from: FT1-7.1, lookup: products.code, at: $dos, unknown: empty }
      fee: { from: $product, lookup: fees, unknown: empty }
    hold:
      - when: $product is empty
        reason: "no product code for {FT1-7.1} on {$dos}"
      - when: $fee is empty
        reason: "no fee for {$product}"
    reversal:
      when: FT1-6 = CD
      of: FT1-2
      missing: ignore
    fields:
      patient: PID-3.1
      transactionId: FT1-2
      serviceDate: $dos
      code: $product
      amount: $fee
`;

describe('dated table rows', () => {
  const p = plan(SEASONAL);

  it.each([
    ['2025-08-01', '90653'], // first day of a season
    ['2026-07-31', '90653'], // its last day
    ['2026-08-01', '90654'], // the next season's row
  ])('on %s the row in force gives %s', (date, code) => {
    const [charge] = evaluateMapping(p, msg('FLU', date.replaceAll('-', '')), CTX).charges;
    expect(charge).toMatchObject({ code, serviceDate: date });
  });

  it('an undated row applies on every date', () => {
    const [charge] = evaluateMapping(p, msg('TD', '19990101'), CTX).charges;
    expect(charge).toMatchObject({ code: '90714', chargeAmount: '40.00' });
    expect(charge!.holdReason).toBeUndefined();
  });

  it('at accepts an HL7 TS as well as YYYY-MM-DD; a value that is no date is MAPPING_VALUE_INVALID', () => {
    const tsPlan = plan(SEASONAL.replace('at: $dos', 'at: FT1-4'));
    expect(evaluateMapping(tsPlan, msg('FLU', '20251015083000'), CTX).charges[0]).toMatchObject({ code: '90653' });
    let error: unknown;
    try {
      evaluateMapping(tsPlan, msg('FLU', '2025XX15'), CTX);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(EngineError);
    expect((error as EngineError).code).toBe('MAPPING_VALUE_INVALID');
  });

  it('without unknown: empty, no row on the date dead-letters and says it was the date', () => {
    const strict = plan(SEASONAL.replace('lookup: products.code, at: $dos, unknown: empty', 'lookup: products.code, at: $dos'));
    expect(() => evaluateMapping(strict, msg('FLU', '20270901'), CTX)).toThrow(/not in table products on the lookup date/);
  });
});

describe('held charges', () => {
  const p = plan(SEASONAL);

  it('no row on the date: the charge is held with the first reason that holds; code and amount may be empty', () => {
    const [charge] = evaluateMapping(p, msg('FLU', '20270901'), CTX).charges;
    expect(charge).toMatchObject({
      kind: 'charge', code: '', chargeAmount: '0.00', serviceDate: '2027-09-01',
      holdReason: 'no product code for FLU on 2027-09-01',
    });
  });

  it('a product code without a fee: held with the fee reason', () => {
    const [charge] = evaluateMapping(p, msg('FLU', '20261001'), CTX).charges;
    expect(charge).toMatchObject({ code: '90654', chargeAmount: '0.00', holdReason: 'no fee for 90654' });
  });

  it('a reversal is never held: it reverses whatever line it names (here one whose fee is missing)', () => {
    const [charge] = evaluateMapping(p, msg('FLU', '20261001', 'CD'), CTX).charges;
    expect(charge).toMatchObject({ kind: 'reversal', reversalOfTransaction: 'T1', code: '90654', chargeAmount: null });
    expect(charge!.holdReason).toBeUndefined();
  });

  it('fields other than code and amount stay required on a held charge', () => {
    const noPatient = parseHl7(['MSH|^~\\&|APP|FAC|RX|PH|20260301120000||DFT^P03|C1|P|2.5.1', 'PID|1||', 'FT1|1|T1||20270901||CG|FLU'].join('\r'));
    expect(() => evaluateMapping(p, noPatient, CTX)).toThrow(/field patient.*is empty/);
  });
});

describe('load-time checks', () => {
  it('a lookup into a dated table without at is refused at the lookup', () => {
    const text = SEASONAL.replace('lookup: products.code, at: $dos, unknown: empty', 'lookup: products.code, unknown: empty');
    expect(issues(text)).toEqual([expect.stringMatching(/table products has dated rows \(from\/to\): give at/)]);
  });

  it('bad dates, to before from, a dated list row without from, and overlapping rows are reported at their line', () => {
    const text = `
name: m
tables:
  products:
    A:
      - { code: "1", from: 2025-13-01 }
    B:
      - { code: "1", from: 2025-08-01, to: 2025-07-31 }
    C:
      - { code: "1", to: 2025-07-31 }
    D:
      - { code: "1", from: 2025-08-01, to: 2026-07-31 }
      - { code: "2", from: 2026-07-01 }
records:
  - name: line
    output: charge
    forEach: FT1
    fields:
      patient: PID-3.1
      serviceDate: FT1-4
      code: { from: FT1-7, lookup: products.code, at: FT1-4 }
      amount: FT1-11
`;
    expect(issues(text)).toEqual([
      expect.stringMatching(/^6:\d+ from must be a date written YYYY-MM-DD/),
      expect.stringMatching(/^8:\d+ to \(2025-07-31\) is before from \(2025-08-01\)/),
      expect.stringMatching(/^10:\d+ a row of a list of dated rows needs from/),
      expect.stringMatching(/^12:\d+ rows of D overlap: 2025-08-01 to 2026-07-31 and from 2026-07-01/),
    ]);
  });

  it('hold is for charges only, and its reason and conditions may only use defined variables', () => {
    const text = `
name: m
records:
  - name: patient
    output: patient
    forEach: PID
    hold:
      when: $nope is empty
      reason: "because {$other}"
    fields:
      patient: PID-3.1
      asOf: { from: MSH-7, fn: datetime }
`;
    const found = issues(text);
    expect(found).toContainEqual(expect.stringMatching(/only charge records can be held/));
    expect(found).toContainEqual(expect.stringMatching(/\$nope is not defined in vars/));
    expect(found).toContainEqual(expect.stringMatching(/\$other is not defined in vars/));
  });

  it('at without lookup is refused', () => {
    const text = SEASONAL.replace('fee: { from: $product, lookup: fees, unknown: empty }', 'fee: { from: $product, at: $dos }');
    expect(issues(text)).toContainEqual(expect.stringMatching(/at picks a dated table row: it needs lookup/));
  });
});
