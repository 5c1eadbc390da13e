import fc from 'fast-check';
import { unescapeHl7 } from '../../src/hl7/escape';
import { contentWordsOf, MAX_WORD_LENGTH, searchWordsOf, wordsOf } from '../../src/hl7/content-words';
import { csvCell, decodeCursor, encodeCursor, messagesCsv, nextOf } from '../../src/admin/message-search';

const MSG = [
  'MSH|^~\\&|RXSYS|PHARM01|RXBRIDGE|BILLING|20261103101500||DFT^P03^DFT_P03|CTRL-1|P|2.5.1',
  'PID|1||PAT-9^^^PHARM01^MR||Müller\\T\\Söhne^ALEX||19800101|U',
  'FT1|1|T-1||20261103||CG|90471^Flu shot&more^C4',
].join('\r');

describe('content words', () => {
  test('fields, components, subcomponents and escapes become normalized words; MSH-1/2 and segment ids are not words', () => {
    const words = contentWordsOf(MSG);
    expect(words).toEqual(expect.arrayContaining(['rxsys', 'pharm01', 'ctrl', '1', 'pat', '9', 'muller', 'sohne', 'alex', 'flu', 'shot', 'more', 'dft', 'p03']));
    expect(words).not.toContain('msh');
    expect(words).not.toContain('pid');
    expect(words).not.toContain('ft1');
    expect(new Set(words).size).toBe(words.length);
  });

  test('a text without a readable MSH has no words', () => {
    expect(contentWordsOf('PID|1||X')).toEqual([]);
    expect(contentWordsOf('')).toEqual([]);
  });

  test('search phrases are cut the same way: case, accents and punctuation aside, distinct', () => {
    expect(searchWordsOf('  MÜLLER, Flu-shot flu ')).toEqual(['muller', 'flu', 'shot']);
    expect(searchWordsOf('*** %')).toEqual([]);
    expect(wordsOf('x'.repeat(100))).toEqual(['x'.repeat(MAX_WORD_LENGTH)]);
  });
});

describe('message list helpers', () => {
  test('CSV cells are quoted when needed and never read as formulas', () => {
    expect(csvCell('plain')).toBe('plain');
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('=SUM(A1)')).toBe("'=SUM(A1)");
    expect(csvCell('-3')).toBe("'-3");
    expect(csvCell(null)).toBe('');
    expect(csvCell(new Date('2026-01-02T03:04:05Z'))).toBe('2026-01-02T03:04:05.000Z');
    expect(messagesCsv([{ id: '7', status: 'error', error_text: 'FT1-11, missing' }])).toBe(
      'id,received_at,channel,message_type,control_id,status,error_code,error_text\r\n7,,,,,error,,"FT1-11, missing"\r\n',
    );
  });

  test('cursors go and come back; a foreign one is refused', () => {
    const c = { value: '2026-01-02T03:04:05.000Z', id: '42' };
    expect(decodeCursor(encodeCursor(c))).toEqual(c);
    expect(() => decodeCursor('bm90IGpzb24')).toThrow(/cursor/);
    expect(() => decodeCursor(Buffer.from(JSON.stringify(['x', 'DROP'])).toString('base64url'))).toThrow(/cursor/);
  });

  test('next is null on a short page, the last id unsorted, a cursor on the sort column otherwise', () => {
    const rows = [
      { id: '9', received_at: new Date('2026-01-01T00:00:00Z'), message_type: 'ADT^A08', status: 'error', channel: 'a' },
      { id: '8', received_at: new Date('2026-01-01T00:00:01Z'), message_type: null, status: 'processed', channel: 'b' },
    ];
    expect(nextOf(rows, 3, undefined)).toBeNull();
    expect(nextOf(rows, 2, undefined)).toBe('8');
    expect(decodeCursor(nextOf(rows, 2, 'received')!)).toEqual({ value: '2026-01-01T00:00:01.000Z', id: '8' });
    expect(decodeCursor(nextOf(rows, 2, 'type')!)).toEqual({ value: '', id: '8' });
    expect(decodeCursor(nextOf(rows, 2, 'channel')!)).toEqual({ value: 'b', id: '8' });
  });
});

describe('content words: the whole-line and ASCII fast paths', () => {
  /** The plain definition: every leaf split at every separator, decoded, folded and cut on its own. */
  function referenceWords(text: string): string[] {
    const start = text.indexOf('MSH');
    const field = text.charAt(start + 3);
    const [component, repetition, escape, subcomponent] = text.slice(start + 4, start + 8).split('');
    const d = { field, component: component!, repetition: repetition!, escape: escape!, subcomponent: subcomponent! };
    const fold = (t: string) => t.normalize('NFKD').replace(/\p{M}+/gu, '').normalize('NFKC').toLowerCase();
    const words = new Set<string>();
    for (const line of text.slice(start).split(/\r\n|\r|\n/)) {
      if (line.length < 4 || line.charAt(3) !== field) continue;
      const body = line.startsWith('MSH') ? line.slice(4).split(field).slice(1).join(field) : line.slice(4);
      let leaves = [body];
      for (const s of [d.field, d.repetition, d.component, d.subcomponent]) leaves = leaves.flatMap((p) => p.split(s));
      for (const leaf of leaves) {
        for (const w of fold(unescapeHl7(leaf, d)).split(/[^\p{L}\p{N}]+/u)) {
          if (w !== '') words.add(w.slice(0, MAX_WORD_LENGTH));
        }
      }
    }
    return [...words];
  }

  const piece = fc.constantFrom('Ab', 'zz9', 'MÜLLER', 'Søhne', 'e\u0301', 'ﬁ', '\\T\\', '\\F\\x', '\\X41\\', '\\', '|', '^', '~', '&', ' ', '-', '.', '0', 'Ω', '½', 'x'.repeat(70));
  const line = fc.tuple(fc.constantFrom('PID', 'FT1', 'ZX1', 'NTE'), fc.array(piece, { maxLength: 12 })).map(([id, ps]) => `${id}|${ps.join('')}`);

  test('give the same words, in the same order, as cutting every leaf on its own', () => {
    fc.assert(
      fc.property(fc.array(line, { maxLength: 6 }), fc.array(piece, { maxLength: 6 }), (lines, header) => {
        const text = [`MSH|^~\\&|${header.join('')}|F|||20260101||DFT^P03|1|P|2.5.1`, ...lines].join('\r');
        expect(contentWordsOf(text)).toEqual(referenceWords(text));
      }),
      { numRuns: 2000 },
    );
  });
});
