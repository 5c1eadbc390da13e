/** isValidNpi: 10 digits, first 1 or 2, Luhn check digit over "80840" + the first nine digits (DOMAIN.md §4). */
import fc from 'fast-check';
import { isValidNpi } from '../../src/billing/npi';

describe('isValidNpi', () => {
  it('accepts the documented example and rejects the FHIR-Converter sample', () => {
    expect(isValidNpi('1234567893')).toBe(true);
    expect(isValidNpi('9941339108')).toBe(false);
  });

  it.each(['1987654328', '1555555550', '2345678900'])('accepts %s', (npi) => {
    expect(isValidNpi(npi)).toBe(true);
  });

  it.each([
    ['1234567890', 'wrong check digit'],
    ['3234567893', 'first digit not 1 or 2'],
    ['123456789', 'nine digits'],
    ['12345678931', 'eleven digits'],
    ['123456789X', 'a letter'],
    [' 1234567893', 'a space'],
    ['', 'empty'],
  ])('rejects %s (%s)', (npi) => {
    expect(isValidNpi(npi)).toBe(false);
  });

  it('has exactly one valid check digit for every 9-digit body starting with 1 or 2', () => {
    const body = fc.tuple(fc.constantFrom('1', '2'), fc.stringMatching(/^\d{8}$/)).map(([a, b]) => a + b);
    fc.assert(fc.property(body, (b) => {
      const valid = [...'0123456789'].filter((d) => isValidNpi(b + d));
      return valid.length === 1;
    }));
  });

  it('detects a change of any one digit after the first', () => {
    const body = fc.tuple(fc.constantFrom('1', '2'), fc.stringMatching(/^\d{8}$/)).map(([a, b]) => a + b);
    fc.assert(fc.property(body, fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 9 }), (b, pos, delta) => {
      const npi = b + [...'0123456789'].find((d) => isValidNpi(b + d))!;
      const changed = npi.slice(0, pos) + String((Number(npi[pos]) + delta) % 10) + npi.slice(pos + 1);
      return !isValidNpi(changed);
    }));
  });
});
