/** Fee-schedule CSV files (src/billing/claims/fee-schedule-file.ts): good rows, bad rows with their line, formulas. */
import { FeeScheduleFileError, FeeScheduleReader, parseCostFormula, type FeeScheduleRow } from '../../src/billing/claims/fee-schedule-file';

function read(text: string): FeeScheduleRow[] {
  const reader = new FeeScheduleReader('prices.csv');
  const rows = text.split('\n').flatMap((line, i) => reader.line(line, i + 1));
  reader.end();
  return rows;
}

const HEADER = 'code_system,code,method,effective_from,effective_to,amount,unit_cost,formula,description';

describe('fee-schedule file: good rows', () => {
  it('U&C per NDC (any hyphenated form → 11 digits), cost basis with a formula, vaccine administration fees', () => {
    const rows = read([
      HEADER,
      'NDC,0093-0058-01,uc,2024-01-01,,0.625,,,amoxicillin 500 mg cap',
      'NDC,00378-1805-10,cost,2024-01-01,2024-12-31,,0.21,AWP * 0.85 + 10.50,metformin',
      'NDC,12345-678-90,cost,2024-01-01,,,1.5,NADAC x 1.2,',
      'CPT,90471,admin,2024-01-01,,25.00,,,first vaccine administration',
      'HCPCS,g0008,admin,2024-01-01,,31.18,,,',
      'CPT,*,admin,2024-01-01,,20,,,any other administration',
    ].join('\n'));
    expect(rows.every((r) => r.ok)).toBe(true);
    const ok = rows.map((r) => (r.ok ? r.row : undefined));
    expect(ok[0]).toEqual({
      codeSystem: 'NDC', code: '00093005801', method: 'uc', effectiveFrom: '2024-01-01', effectiveTo: null, amount: '0.62500',
      unitCost: null, formula: null, source: 'prices.csv:2', description: 'amoxicillin 500 mg cap',
    });
    expect(ok[1]).toMatchObject({
      code: '00378180510', method: 'cost', effectiveTo: '2024-12-31', amount: null, unitCost: '0.21000',
      formula: { basis: 'AWP', multiplier: '0.8500', fee: '10.50' }, source: 'prices.csv:3',
    });
    expect(ok[2]).toMatchObject({ code: '12345067890', formula: { basis: 'NADAC', multiplier: '1.2000', fee: '0.00' } });
    expect(ok[2]).not.toHaveProperty('description');
    expect(ok.slice(3).map((r) => [r!.codeSystem, r!.code, r!.method, r!.amount])).toEqual([
      ['CPT', '90471', 'admin', '25.00000'], ['HCPCS', 'G0008', 'admin', '31.18000'], ['CPT', '*', 'admin', '20.00000'],
    ]);
  });

  it('columns in any order and any case; missing optional columns; blank lines and # comments skipped; quoted cells', () => {
    const rows = read([
      '# synthetic schedule',
      'Effective_From, CODE ,Method,code_system,Amount,Description',
      '',
      '2025-01-01,90471,admin,CPT,19.50,"admin, first"',
      '# a comment between rows',
      '2025-01-01,0093-0058-01,uc,NDC,0.70,',
    ].join('\n'));
    expect(rows.map((r) => (r.ok ? [r.line, r.row.code, r.row.amount, r.row.description ?? null] : r))).toEqual([
      [4, '90471', '19.50000', 'admin, first'],
      [6, '00093005801', '0.70000', null],
    ]);
  });
});

describe('fee-schedule file: bad rows are rejected with their line and reason, the rest kept', () => {
  it('each problem a biller would make', () => {
    const rows = read([
      HEADER,
      'NDC,0093005801,uc,2024-01-01,,0.62,,,',            // 2: 10 digits without hyphens
      'RXNORM,308191,uc,2024-01-01,,1.00,,,',              // 3
      'CPT,90471,flat,2024-01-01,,25,,,',                  // 4
      'CPT,9047,admin,2024-01-01,,25,,,',                  // 5
      'CPT,90471,admin,01/01/2024,,25,,,',                 // 6
      'CPT,90471,admin,2024-02-30,,25,,,',                 // 7: no such day
      'CPT,90471,admin,2024-06-01,2024-01-01,25,,,',       // 8
      'CPT,90471,admin,2024-01-01,,-5,,,',                 // 9
      'CPT,90471,admin,2024-01-01,,,,,',                   // 10
      'NDC,0093-0058-01,uc,2024-01-01,,0.1234567,,,',      // 11
      'NDC,0093-0058-01,cost,2024-01-01,,,0.5,,',          // 12: no formula
      'NDC,0093-0058-01,cost,2024-01-01,,,,AWP * 0.85,',   // 13: no unit cost
      'NDC,0093-0058-01,cost,2024-01-01,,,0.5,AWP - 10,',  // 14
      'NDC,0093-0058-01,cost,2024-01-01,,,0.5,MSRP * 0.85 + 1,', // 15
      'NDC,0093-0058-01,cost,2024-01-01,,12.00,0.5,AWP * 0.85,', // 16: amount on a cost row
      'NDC,0093-0058-01,uc,2024-01-01,,1.00,0.5,,',        // 17: unit cost on a uc row
      'NDC,*,admin,2024-01-01,,20,,,',                     // 18
      'CPT,90471,admin,2024-01-01,,25,,,',                 // 19: good
      'CPT,90471,admin,2024-01-01,,26,,,',                 // 20: repeats 19
      'CPT,90472,admin,2024-01-01,,15,,,,extra',           // 21
    ].join('\n'));
    const rejected = rows.filter((r) => !r.ok).map((r) => (r.ok ? undefined : `${r.line}: ${r.reason}`));
    expect(rejected).toEqual([
      '2: NDC "0093005801" is a 10-digit NDC without hyphens: which segment is short cannot be told',
      '3: code_system "RXNORM" is not NDC, CPT or HCPCS',
      '4: method "flat" is not uc, cost, admin',
      '5: CPT code "9047" is not 5 characters (e.g. 90471, G0008)',
      '6: effective_from "01/01/2024" is not a date (YYYY-MM-DD)',
      '7: effective_from "2024-02-30" is not a date (YYYY-MM-DD)',
      '8: effective_to 2024-01-01 is before effective_from 2024-06-01',
      '9: amount "-5" is not an amount (digits and a point)',
      '10: an admin row needs amount (the price per unit)',
      '11: amount has more than 5 decimal places',
      '12: a cost row needs formula (e.g. AWP * 0.85 + 10.50)',
      '13: a cost row needs unit_cost (the basis price per unit)',
      '14: formula "AWP - 10" is not BASIS * MULTIPLIER [+ FEE] (e.g. AWP * 0.85 + 10.50)',
      '15: formula basis MSRP is not one of AWP, WAC, NADAC, AAC, ACQ, COST',
      '16: a cost row prices by unit_cost and formula; amount is for uc and admin rows',
      '17: a uc row prices by amount; unit_cost and formula are for cost rows',
      '18: code * (any immunization administration) is only for CPT/HCPCS admin rows',
      '20: repeats line 19 (same code system, code, method and effective_from)',
      '21: 10 cells, the header names 9',
    ]);
    expect(rows.filter((r) => r.ok).map((r) => r.line)).toEqual([19]);
  });

  it('a file that is not a fee schedule: unknown or missing columns, no header, an open quote', () => {
    expect(() => read('code_system,code,method,price\n')).toThrow(new FeeScheduleFileError(1, 'unknown column "price" (columns: code_system, code, method, effective_from, effective_to, amount, unit_cost, formula, description)'));
    expect(() => read('code_system,code,amount\n')).toThrow(/line 1: the header lacks method, effective_from/);
    expect(() => read('\n# nothing\n')).toThrow(/no header line/);
    expect(() => read(`${HEADER}\nCPT,90471,admin,2024-01-01,,25,,,"never closed\n`)).toThrow(/line 2: a quoted cell is never closed/);
  });
});

describe('cost formula', () => {
  it.each([
    ['AWP * 0.85 + 10.50', { basis: 'AWP', multiplier: '0.8500', fee: '10.50' }],
    ['awp×0.8+1', { basis: 'AWP', multiplier: '0.8000', fee: '1.00' }],
    ['WAC x 1.05', { basis: 'WAC', multiplier: '1.0500', fee: '0.00' }],
    ['NADAC * 1 + 0.5', { basis: 'NADAC', multiplier: '1.0000', fee: '0.50' }],
  ])('%s', (text, parsed) => {
    expect(parseCostFormula(text)).toEqual(parsed);
  });

  it.each([
    ['AWP * 0.85 + 10.505', 'formula dispensing fee has more than 2 decimal places'],
    ['AWP * 0.123456', 'formula multiplier has more than 4 decimal places'],
    ['AWP * 0', 'formula multiplier must be above 0 and below 10'],
    ['AWP * 0.85 + 10.50; drop table', 'formula "AWP * 0.85 + 10.50; drop table" is not BASIS * MULTIPLIER [+ FEE] (e.g. AWP * 0.85 + 10.50)'],
    ['process.exit(1)', 'formula "process.exit(1)" is not BASIS * MULTIPLIER [+ FEE] (e.g. AWP * 0.85 + 10.50)'],
  ])('%s is refused', (text, reason) => {
    expect(parseCostFormula(text)).toBe(reason);
  });
});
