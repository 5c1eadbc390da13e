/**
 * What scrubbing remembers between claims, and must not get wrong for it: the bounded memory of pure answers
 * (remembered), payer policies resolved once per payer and date of service (frozen, shared, right after the
 * memory starts over), the calendar checks and arithmetic on their edges, and exact amounts.
 */
import { addDays, addYears, isIsoDate } from '../../src/billing/scrub/dates';
import { exactAmount, unitsOf } from '../../src/billing/scrub/formats';
import { parsePayerRules } from '../../src/billing/scrub/payer-rules';
import { remembered } from '../../src/billing/scrub/remember';
import type { ClaimLine } from '../../src/billing/model';

describe('remembered', () => {
  it('computes each key once, remembers undefined answers, and starts over when full', () => {
    const calls: string[] = [];
    const lengthOrUndefined = remembered((key: string) => {
      calls.push(key);
      return key === '' ? undefined : key.length;
    }, 3);
    expect([lengthOrUndefined('ab'), lengthOrUndefined('ab'), lengthOrUndefined(''), lengthOrUndefined('')]).toEqual([2, 2, undefined, undefined]);
    expect(calls).toEqual(['ab', '']);
    lengthOrUndefined('abc');
    lengthOrUndefined('abcd'); // a fourth key: the memory is cleared first
    lengthOrUndefined('ab');
    expect(calls).toEqual(['ab', '', 'abc', 'abcd', 'ab']);
  });

  it('remembers nothing from a call that throws', () => {
    let n = 0;
    const failing = remembered(() => {
      n++;
      throw new RangeError('no');
    });
    expect(() => failing('x')).toThrow(RangeError);
    expect(() => failing('x')).toThrow(RangeError);
    expect(n).toBe(2);
  });
});

describe('payer policies resolved once', () => {
  const rules = parsePayerRules([{
    file: 'p.yaml',
    text: [
      'rules:',
      '  - payers: ["*"]',
      '    from: 2020-01-01',
      '    maxUnits: { "90471": 1 }',
      '  - payers: ["PLAN1"]',
      '    from: 2025-01-01',
      '    timelyFilingDays: 90',
      '    requiredModifiers: [{ modifier: SL, serviceKinds: [vaccine-product], reason: state-supplied vaccine }]',
    ].join('\n'),
  }]);

  it('hands out the same frozen policy for the same payer and date', () => {
    const first = rules.payerRulesFor('PLAN1', '2025-03-01');
    expect(rules.payerRulesFor('PLAN1', '2025-03-01')).toBe(first);
    expect(Object.isFrozen(first) && Object.isFrozen(first.timelyFiling) && Object.isFrozen(first.maxUnits)).toBe(true);
    expect(Object.isFrozen(first.requiredModifiers) && Object.isFrozen(first.requiredModifiers[0])).toBe(true);
    expect(() => {
      (first.timelyFiling as { amount: number }).amount = 1;
    }).toThrow(TypeError);
    expect(rules.payerRulesFor('PLAN1', '2025-03-01').timelyFiling).toEqual({ amount: 90, unit: 'days' });
  });

  it('answers right for thousands of dates, past the point where its memory starts over', () => {
    const wrong: string[] = [];
    // 7,500 different (payer, date) pairs, each asked twice: more than the 4,096 the rules remember.
    for (let i = 0; i < 15_000; i++) {
      const dos = addDays('2023-01-01', i % 2500);
      const payer = ['PLAN1', 'OTHER', 'THIRD'][i % 3]!;
      const policy = rules.payerRulesFor(payer, dos);
      const days = payer === 'PLAN1' && dos >= '2025-01-01' ? 90 : 365;
      if (policy.dateOfService !== dos || policy.payerId !== payer || policy.timelyFiling.amount !== days) wrong.push(`${payer} ${dos}`);
    }
    expect(wrong).toEqual([]);
  });
});

describe('calendar dates', () => {
  it.each(['2024-02-29', '2000-02-29', '2026-12-31', '0100-01-01', '9999-12-31'])('%s is a date', (text) => {
    expect(isIsoDate(text)).toBe(true);
  });

  it.each(['2025-02-29', '1900-02-29', '2026-04-31', '2026-13-01', '2026-00-10', '2026-01-00', '0099-12-31', '2026-1-01',
    '2026-01-01 ', ' 2026-01-01', '2026/01/01', '20260101', '2026-01-0a', '', '２０２６-01-01'])('%j is not a date', (text) => {
    expect(isIsoDate(text)).toBe(false);
  });

  it('adds days and years across month, year and leap-day edges, the same answer when asked again', () => {
    expect(addDays('2025-01-15', 90)).toBe('2025-04-15');
    expect(addDays('2024-12-31', 1)).toBe('2025-01-01');
    expect(addDays('2024-02-28', 1)).toBe('2024-02-29');
    expect(addDays('2024-02-28', 1)).toBe('2024-02-29');
    expect(addYears('2024-02-29', 1)).toBe('2025-02-28');
    expect(addYears('2024-02-29', 4)).toBe('2028-02-29');
    expect(addYears('2024-02-29', 1)).toBe('2025-02-28');
  });
});

describe('exact amounts and units', () => {
  const withUnits = (units: string) => ({ units }) as ClaimLine;

  it('reads amounts exactly (scaled by 10^6) and units as thousandths, undefined for what is not a number', () => {
    expect(exactAmount('25.5')).toBe(25_500_000n);
    expect(exactAmount('0.0000005')).toBe(1n); // rounded half away from zero
    expect(exactAmount('12,00')).toBeUndefined();
    expect(exactAmount('12,00')).toBeUndefined();
    expect(unitsOf(withUnits('2.000'))).toBe(2000n);
    expect(unitsOf(withUnits('-1'))).toBe(-1000n);
    expect(unitsOf(withUnits('two'))).toBeUndefined();
  });
});
