/**
 * A rule's `unpriced`: a charge line without an amount dead-letters by default (`error`), or is written unpriced
 * (`write`) for billing to price from the fee schedule. Reversals and held lines keep their own rules.
 */
import { ConfigError, parseConfigText } from '../../src/core/config-file';
import { EngineError } from '../../src/core/errors';
import { parseHl7 } from '../../src/hl7/parse';
import { compileMapping } from '../../src/mappings/compile';
import { evaluateMapping } from '../../src/mappings/evaluate';
import { mappingFileSchema } from '../../src/mappings/schema';

const CTX = { channel: 'ch', sender: 'APP|FAC', controlId: 'C1' };

const mapping = (unpriced: string) => `
name: m
records:
  - name: line
    output: charge
    forEach: FT1
${unpriced}
    reversal:
      when: FT1-6 = CD
      of: FT1-2
      missing: ignore
    fields:
      patient: PID-3.1
      serviceDate: FT1-4
      code: FT1-7
      transactionId: FT1-2
      units: FT1-10
      amount: FT1-11
      unitAmount: FT1-12
`;

const run = (yaml: string, ft1: string) => evaluateMapping(
  compileMapping(parseConfigText(yaml, 'm.yaml', mappingFileSchema, {}), 'm.yaml'),
  parseHl7(['MSH|^~\\&|APP|FAC|RX|PH|20260301120000||DFT^P03|C1|P|2.5.1', 'PID|1||P1', ft1].join('\r')),
  CTX,
);

describe('unpriced', () => {
  it('write: a line without amount or unit amount is written with amount null, marked unpriced', () => {
    const [c] = run(mapping('    unpriced: write'), 'FT1|1|T1||20260301||CG|99605|||2').charges;
    expect(c).toMatchObject({ kind: 'charge', code: '99605', units: '2.000', chargeAmount: null, unpriced: true });
  });

  it('write: a line with a price is priced as usual and not marked', () => {
    const [a] = run(mapping('    unpriced: write'), 'FT1|1|T1||20260301||CG|99605|||2|40.00').charges;
    expect(a).toMatchObject({ chargeAmount: '40.00' });
    expect(a).not.toHaveProperty('unpriced');
    const [b] = run(mapping('    unpriced: write'), 'FT1|1|T1||20260301||CG|99605|||2||15.00').charges;
    expect(b).toMatchObject({ chargeAmount: '30.00' });
    expect(b).not.toHaveProperty('unpriced');
  });

  it('write: a reversal without an amount still reverses the full amount (not unpriced)', () => {
    const [r] = run(mapping('    unpriced: write'), 'FT1|1|T1||20260301||CD|99605').charges;
    expect(r).toMatchObject({ kind: 'reversal', chargeAmount: null });
    expect(r).not.toHaveProperty('unpriced');
  });

  it('default (error): the message dead-letters with MAPPING_FIELD_MISSING at the amount', () => {
    for (const yaml of [mapping(''), mapping('    unpriced: error')]) {
      expect(() => run(yaml, 'FT1|1|T1||20260301||CG|99605|||2')).toThrow(EngineError);
      try {
        run(yaml, 'FT1|1|T1||20260301||CG|99605|||2');
      } catch (err) {
        expect((err as EngineError).code).toBe('MAPPING_FIELD_MISSING');
      }
    }
  });

  it('load-time checks: an unknown value, and unpriced on a patient rule, at file:line:col', () => {
    const problems = (yaml: string): string[] => {
      try {
        compileMapping(parseConfigText(yaml, 'm.yaml', mappingFileSchema, {}), 'm.yaml');
      } catch (err) {
        if (err instanceof ConfigError) return err.issues.map((i) => `${i.line}:${i.col} ${i.reason}`);
        throw err;
      }
      return [];
    };
    expect(problems(mapping('    unpriced: maybe'))).toEqual(['7:15 unpriced: expected one of error, write']);
    expect(problems(`
name: m
records:
  - name: who
    output: patient
    forEach: PID
    unpriced: write
    fields:
      patient: PID-3.1
      asOf: { from: MSH-7, fn: datetime }
`)).toEqual([expect.stringMatching(/^7:\d+ only charge records can be written unpriced$/)]);
  });
});
