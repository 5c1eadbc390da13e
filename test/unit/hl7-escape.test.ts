import fc from 'fast-check';
import { DEFAULT_DELIMITERS, escapeHl7, unescapeHl7 } from '../../src/hl7';
import type { Delimiters } from '../../src/hl7';

const d = DEFAULT_DELIMITERS;
const alt: Delimiters = { field: '|', component: '@', repetition: '*', escape: '!', subcomponent: '$' };

describe('unescapeHl7', () => {
  it.each([
    ['A\\F\\B', 'A|B'],
    ['A\\S\\B', 'A^B'],
    ['A\\T\\E', 'A&E'],
    ['A\\R\\B', 'A~B'],
    ['C:\\E\\TEMP', 'C:\\TEMP'],
    ['\\X41\\\\X42\\', 'AB'],
    ['M\\XC39C\\LLER', 'MÜLLER'], // valid UTF-8 bytes
    ['M\\XDC\\LLER', 'MÜLLER'], // not valid UTF-8: one character per byte (latin1)
    ['line1\\.br\\line2', 'line1\nline2'],
    ['a\\.sp 2\\b', 'a\n\nb'],
    ['a\\.sk 3\\b', 'a   b'],
    ['a\\.in 4\\b\\.ce\\c', 'abc'],
    ['\\H\\bold\\N\\', 'bold'],
    ['x\\C2842\\y\\M248442\\z', 'xyz'],
  ])('%j → %j', (raw, value) => {
    expect(unescapeHl7(raw, d)).toBe(value);
  });

  it('keeps unknown, malformed and unterminated sequences literally', () => {
    expect(unescapeHl7('\\Zlocal\\', d)).toBe('\\Zlocal\\');
    expect(unescapeHl7('\\Q\\', d)).toBe('\\Q\\');
    expect(unescapeHl7('\\X4\\', d)).toBe('\\X4\\');
    expect(unescapeHl7('\\XZZ\\', d)).toBe('\\XZZ\\');
    expect(unescapeHl7('\\\\', d)).toBe('\\\\');
    expect(unescapeHl7('a\\F', d)).toBe('a\\F');
    expect(unescapeHl7('\\.xx\\', d)).toBe('\\.xx\\');
    expect(unescapeHl7('\\P\\', d)).toBe('\\P\\'); // no truncation character declared
  });

  it('reads sequences pairwise (open, close), so text after an unknown one is plain', () => {
    expect(unescapeHl7('\\Q\\F\\', d)).toBe('\\Q\\F\\');
    expect(unescapeHl7('\\F\\\\S\\', d)).toBe('|^');
  });

  it('uses the message delimiters', () => {
    expect(unescapeHl7('a!S!b!T!c!R!d!E!e!F!', alt)).toBe('a@b$c*d!e|');
    expect(unescapeHl7('a\\S\\b', alt)).toBe('a\\S\\b');
    expect(unescapeHl7('x\\P\\y', { ...d, truncation: '#' })).toBe('x#y');
  });

  it('never throws', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 60 }), (s) => {
      expect(typeof unescapeHl7(s, d)).toBe('string');
    }));
  });
});

describe('escapeHl7', () => {
  it('escapes the five delimiters, CR and LF', () => {
    expect(escapeHl7('a|b^c~d\\e&f\rg\nh', d)).toBe('a\\F\\b\\S\\c\\R\\d\\E\\e\\T\\f\\X0D\\g\\X0A\\h');
    expect(escapeHl7('plain text', d)).toBe('plain text');
  });

  it('uses the message delimiters and escapes a declared truncation character', () => {
    expect(escapeHl7('a@b$c*d!e|^&~\\', alt)).toBe('a!S!b!T!c!R!d!E!e!F!^&~\\');
    expect(escapeHl7('x#y', { ...d, truncation: '#' })).toBe('x\\P\\y');
    expect(escapeHl7('x#y', d)).toBe('x#y');
  });

  it('round-trips any string through unescapeHl7', () => {
    const delims = fc.constantFrom<Delimiters>(d, alt, { ...d, truncation: '#' });
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 60 }), delims, (s, dl) => {
      const escaped = escapeHl7(s, dl);
      for (const c of [dl.field, dl.component, dl.repetition, dl.subcomponent, '\r', '\n']) {
        expect(escaped.includes(c)).toBe(false);
      }
      expect(unescapeHl7(escaped, dl)).toBe(s);
    }), { numRuns: 500 });
  });
});
