import { readFileSync } from 'node:fs';
import path from 'node:path';
import { DEFAULT_DELIMITERS, unescapeHl7 } from '../../src/hl7/escape';

describe('the HL7 escape decoder the console bundles', () => {
  it('uses nothing the browser lacks (no Buffer, no Node modules)', () => {
    const source = readFileSync(path.join(__dirname, '../../src/hl7/escape.ts'), 'utf8');
    expect(source).not.toMatch(/\bBuffer\.|from 'node:|require\(/);
  });

  it('decodes a long \\X..\\ sequence of non-UTF-8 bytes as Latin-1 without running out of stack', () => {
    const bytes = Array.from({ length: 100_000 }, (_, i) => (i % 2 === 0 ? 0xe9 : 0x41));
    const hex = bytes.map((b) => b.toString(16).padStart(2, '0')).join('');
    expect(unescapeHl7(`\\X${hex}\\`, DEFAULT_DELIMITERS)).toBe(String.fromCharCode(...bytes.slice(0, 2)).repeat(50_000));
  });
});
