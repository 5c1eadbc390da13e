import {
  decimalsEqual, formatX12Decimal, fromScaled, isDecimal, isPlainDecimal, multiply, normalizeDecimal, sumX12Decimals, toScaled,
} from '../../src/core/decimal';
import { formatMoney } from '../../src/console/format';

describe('one exact decimal module for the engine, the claim writer and the console', () => {
  it('rounds half away from zero wherever places are lost', () => {
    expect(toScaled('0.105', 2)).toBe(11n);
    expect(toScaled('-0.105', 2)).toBe(-11n);
    expect(toScaled('0.104', 2)).toBe(10n);
    expect(normalizeDecimal('9.995', 2)).toBe('10.00');
    expect(multiply('2.5', '0.333', 2)).toBe('0.83');
    expect(multiply('-2.5', '0.333', 2)).toBe('-0.83');
    expect(fromScaled(-5n, 2)).toBe('-0.05');
  });

  it('reads the same grammar everywhere', () => {
    for (const ok of ['12', '-3.5', '.75', '+1.', ' 25.00 ']) expect(isDecimal(ok)).toBe(true);
    for (const bad of ['', '.', '-', '1e5', '1.2.3', 'abc']) expect(isDecimal(bad)).toBe(false);
    expect(() => toScaled('abc', 2)).toThrow(RangeError);
  });

  it('tells the plain form the API writes from other decimals', () => {
    for (const ok of ['12', '-3.50', '0']) expect(isPlainDecimal(ok)).toBe(true);
    for (const bad of ['+1', '.5', '1.', ' 1', '-']) expect(isPlainDecimal(bad)).toBe(false);
  });

  it('writes X12 R values and compares numbers, not text', () => {
    expect(formatX12Decimal('025.50')).toBe('25.5');
    expect(formatX12Decimal('-0.00')).toBe('0');
    expect(sumX12Decimals(['25.00', '0.50', '-3.1'])).toBe('22.4');
    expect(sumX12Decimals([])).toBe('0');
    expect(decimalsEqual('25', '25.00')).toBe(true);
    expect(decimalsEqual('25', 'x')).toBe(false);
  });

  it('formats console money with the same rounding as the store', () => {
    expect(formatMoney('0.105')).toBe(`$${normalizeDecimal('0.105', 2)}`);
    expect(formatMoney('-0.005')).toBe('−$0.01');
    expect(formatMoney('-0.004')).toBe('$0.00');
    expect(formatMoney('+1')).toBe('—');
  });
});
