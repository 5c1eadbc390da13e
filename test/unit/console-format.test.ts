import { formatDays, formatMoney, formatRate, moneyValue } from '../../src/console/format';

describe('console number formats', () => {
  it('formats exact decimal strings as dollars without float arithmetic', () => {
    expect(formatMoney('1234.5')).toBe('$1,234.50');
    expect(formatMoney('0')).toBe('$0.00');
    expect(formatMoney('-3')).toBe('−$3.00');
    expect(formatMoney('-0.00')).toBe('$0.00');
    expect(formatMoney('12345678901234567.89')).toBe('$12,345,678,901,234,567.89');
    expect(formatMoney('9.995')).toBe('$10.00');
    expect(formatMoney('0.105')).toBe('$0.11');
    expect(formatMoney(null)).toBe('—');
    expect(formatMoney('abc')).toBe('—');
    expect(formatMoney(2.5)).toBe('$2.50');
  });

  it('formats rates and day counts, and reads money for charts', () => {
    expect(formatRate(0.1234)).toBe('12.3 %');
    expect(formatRate(null)).toBe('—');
    expect(formatDays(12.345)).toBe('12.3 days');
    expect(formatDays(1)).toBe('1.0 day');
    expect(formatDays(null)).toBe('—');
    expect(moneyValue('53.25')).toBe(53.25);
    expect(moneyValue('x')).toBe(0);
  });
});
