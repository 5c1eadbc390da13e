/**
 * Table keys with `*` wildcards (src/mappings/compile.ts wildcardMatches): the same answers a `*`→`.*` regular
 * expression would give, in time linear in the key — an admin-written key cannot freeze the engine.
 */
import fc from 'fast-check';
import { wildcardMatches } from '../../src/mappings/compile';

const reference = (pattern: string, text: string): boolean => {
  const escaped = pattern.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`^${escaped.join('.*')}$`, 's').test(text);
};

describe('wildcard table keys', () => {
  it('match as `*` = any text (also empty), anchored at both ends', () => {
    const m = (pattern: string, text: string) => wildcardMatches(pattern.split('*'), text);
    expect(m('J07*', 'J0780')).toBe(true);
    expect(m('J07*', 'XJ0780')).toBe(false);
    expect(m('*-RX', 'PHARM-RX')).toBe(true);
    expect(m('A*B*C', 'ABC')).toBe(true);
    expect(m('AB*BC', 'ABC')).toBe(false);
    expect(m('A**C', 'AC')).toBe(true);
    expect(m('*', '')).toBe(true);
    expect(m('a*a', 'a')).toBe(false);
  });

  it('agrees with the regular expression on short random keys (property)', () => {
    const alphabet = fc.constantFrom('a', 'b', '*');
    fc.assert(fc.property(
      fc.array(alphabet, { maxLength: 8 }).map((a) => a.join('')).filter((p) => p.includes('*')),
      fc.array(fc.constantFrom('a', 'b'), { maxLength: 12 }).map((a) => a.join('')),
      (pattern, text) => wildcardMatches(pattern.split('*'), text) === reference(pattern, text),
    ), { numRuns: 2000 });
  });

  it('a key built to make a regular expression backtrack is answered at once', () => {
    const pattern = '*a*a*a*a*b'.split('*');
    let started = Date.now();
    expect(wildcardMatches(pattern, 'a'.repeat(120))).toBe(false); // seconds with the regular expression
    expect(Date.now() - started).toBeLessThan(200);
    started = Date.now();
    expect(wildcardMatches('*a*a*a*a*a*a*a*a*a*a*b'.split('*'), 'a'.repeat(1_000_000))).toBe(false);
    expect(Date.now() - started).toBeLessThan(500);
  });
});
