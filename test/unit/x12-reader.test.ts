/**
 * The X12 reader: separators learnt from each ISA, envelopes, tolerance of CR/LF, clear X12_INVALID errors
 * that name positions and never data, and every file of the X12 corpus read, compared with
 * node-x12 as an independent parser.
 */
import {
  checkEnvelopes, componentValue, elementComponents, elementRepetitions, elementValue, readInterchanges, readSegments,
} from '../../src/x12';
import { thrown } from './helpers';
import { corpusKind, flatten, loadX12, nodeX12Segments, x12CorpusFiles } from './x12-support';

const MINI = [
  'ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       *250115*1200*^*00501*000000007*0*T*:~',
  'GS*HC*SENDER*RECEIVER*20250115*1200*7*X*005010X222A1~',
  'ST*837*0001*005010X222A1~',
  'NM1*41*2*SECRET NAME*****46*SENDER~',
  'SV1*HC:99606:25*60*UN*1***1:2~',
  'EB*1**30^33^35~',
  'SE*5*0001~',
  'GE*1*7~',
  'IEA*1*000000007~',
];

describe('readInterchanges', () => {
  it('splits the envelopes and the elements, components and repetitions', () => {
    const [ic] = readInterchanges(MINI.join('\n'));
    expect(ic!.separators).toEqual({ element: '*', component: ':', repetition: '^', segment: '~' });
    expect(ic!.groups).toHaveLength(1);
    const set = ic!.groups[0]!.transactionSets[0]!;
    expect(set.segments.map((s) => s.id)).toEqual(['ST', 'NM1', 'SV1', 'EB', 'SE']);
    expect(set.segments.map((s) => s.position)).toEqual([3, 4, 5, 6, 7]);
    const sv1 = set.segments[2]!;
    expect(elementComponents(sv1, 1)).toEqual(['HC', '99606', '25']);
    expect(componentValue(sv1, 7, 2)).toBe('2');
    expect(elementValue(sv1, 5)).toBe('');
    expect(elementValue(sv1, 40)).toBe('');
    expect(elementRepetitions(set.segments[3]!, 3)).toEqual([['30'], ['33'], ['35']]);
    // ISA elements are verbatim: ISA11 and ISA16 hold separator characters and are not split.
    expect(elementValue(ic!.isa, 11)).toBe('^');
    expect(elementValue(ic!.isa, 16)).toBe(':');
    expect(elementValue(ic!.isa, 6)).toBe('SENDER         ');
    expect(checkEnvelopes([ic!])).toEqual([]);
  });

  it('tolerates CR, LF and CRLF after terminators, a BOM and trailing blank lines', () => {
    const plain = readInterchanges(MINI.join(''));
    for (const text of [MINI.join('\r\n'), `\ufeff${MINI.join('\n')}\n\n\n`, MINI.join('\r')]) {
      expect(readInterchanges(text)).toEqual(plain);
    }
  });

  it('takes ISA11 "U" (old standards id) as no repetition separator', () => {
    const text = MINI.join('').replace('*^*00501', '*U*00501');
    const [ic] = readInterchanges(text);
    expect(ic!.separators.repetition).toBeUndefined();
    const eb = ic!.groups[0]!.transactionSets[0]!.segments[3]!;
    expect(elementRepetitions(eb, 3)).toEqual([['30^33^35']]);
  });

  it('learns other separators, and a segment terminator that is a line feed', () => {
    const text = MINI.join('').replace(/\*/g, '|').replace(/~/g, '\n').replace(/:/g, '>').replace('|^|', '|!|')
      .replace('30^33', '30!33');
    const [ic] = readInterchanges(text);
    expect(ic!.separators).toEqual({ element: '|', component: '>', repetition: '!', segment: '\n' });
    expect(elementComponents(ic!.groups[0]!.transactionSets[0]!.segments[2]!, 1)).toEqual(['HC', '99606', '25']);
  });

  it('reads several interchanges, each with its own separators', () => {
    const second = MINI.join('').replace(/\*/g, '|').replace(/000000007/g, '000000008');
    const ics = readInterchanges(MINI.join('\n') + '\n' + second);
    expect(ics).toHaveLength(2);
    expect(ics.map((i) => i.separators.element)).toEqual(['*', '|']);
    expect(elementValue(ics[1]!.iea, 2)).toBe('000000008');
    expect(ics[1]!.isa.position).toBe(10);
  });

  it('keeps TA1 segments between the ISA and the first GS', () => {
    const text = [MINI[0], 'TA1*000000123*250115*1200*A*000~', ...MINI.slice(1)].join('');
    expect(readInterchanges(text)[0]!.ta1.map((s) => elementValue(s, 4))).toEqual(['A']);
  });
});

describe('X12_INVALID errors name the position, never the data', () => {
  const cases: [string, string, RegExp][] = [
    ['an empty text', '  \n', /empty/],
    ['no ISA', MINI.slice(1).join(''), /segment 1: .*ISA/],
    ['an ISA cut short', MINI[0]!.slice(0, 60), /segment 1 \(ISA\): .*cut short/],
    ['separators that are not distinct', MINI.join('').replace('*:~', '*~~'), /not distinct/],
    ['a letter as separator', MINI.join('').replace('*:~', '*A~'), /letter, digit or space/],
    ['a segment before its ST', [...MINI.slice(0, 2), MINI[3], ...MINI.slice(2)].join(''), /segment 3 \(NM1\): is outside a transaction set/],
    ['an ST without SE', [...MINI.slice(0, 6), ...MINI.slice(7)].join(''), /segment 7 \(GE\): appears before the SE closing the ST at segment 3/],
    ['a GS without GE', [...MINI.slice(0, 7), MINI[8]].join(''), /segment 8 \(IEA\): appears before the GE closing the GS at segment 2/],
    ['a second ISA before the IEA', [...MINI.slice(0, 8), ...MINI].join(''), /segment 9 \(ISA\): appears before the IEA closing the ISA at segment 1/],
    ['a GE outside a group', [...MINI.slice(0, 8), MINI[7], MINI[8]].join(''), /segment 9 \(GE\): is outside a functional group/],
    ['an ISA without IEA', MINI.slice(0, 8).join(''), /segment 1 \(ISA\): interchange has no IEA/],
    ['junk after the IEA', MINI.join('') + 'NM1*XX~', /segment 10 \(NM1\): is outside an interchange/],
    ['a malformed segment id', MINI.join('').replace('NM1*41', 'nm1*41'), /segment 4: does not start with a segment identifier/],
  ];
  it.each(cases)('%s', (_name, text, message) => {
    const err = thrown(() => readInterchanges(text));
    expect(err.code).toBe('X12_INVALID');
    expect(err.message).toMatch(message);
    expect(err.message).not.toContain('SECRET');
  });
});

describe('the X12 corpus', () => {
  it('has fixtures of every kind', () => {
    const kinds = new Set(x12CorpusFiles.map(corpusKind));
    expect([...kinds].sort()).toEqual(['277', '835', '837', '999']);
  });

  it.each(x12CorpusFiles)('%s is read into envelopes of segments, as node-x12 reads it', (name) => {
    const text = loadX12(name);
    const interchanges = readInterchanges(text);
    expect(interchanges.length).toBeGreaterThan(0);
    const kind = corpusKind(name);
    const sets = interchanges.flatMap((ic) => ic.groups.flatMap((g) => g.transactionSets));
    expect(sets.length).toBeGreaterThan(0);
    for (const set of sets) {
      expect(elementValue(set.st, 1)).toBe(kind);
      expect(set.segments.length).toBeGreaterThan(2);
    }
    // The same segments and element texts as node-x12 (non-strict: some fixtures have inconsistent counts).
    const ours = interchanges.flatMap((ic) => ic.groups.flatMap((g) => [
      g.gs, ...g.transactionSets.flatMap((t) => t.segments), g.ge,
    ].map((s) => flatten(s, ic.separators))));
    expect(ours).toEqual(nodeX12Segments(text));
  });

  it('reads the fixture with other separators exactly like its twin with the usual ones', () => {
    const usual = readInterchanges(loadX12('imsweb__x12-parser__x12_valid.txt'));
    const other = readInterchanges(loadX12('imsweb__x12-parser__x12_valid_different_separators.txt'));
    expect(other[0]!.separators).toEqual({ element: '~', component: '^', repetition: undefined, segment: '_' });
    const strip = (ics: typeof usual) => ics.map((ic) => ({ ...ic, separators: undefined, isa: { ...ic.isa, elements: ic.isa.elements.slice(0, 15) } }));
    expect(strip(other)).toEqual(strip(usual));
  });

  it('reads the one-line 277CA whose component separator is "|"', () => {
    const [ic] = readInterchanges(loadX12('imsweb__x12-parser__x12_277CA_rejected.txt'));
    const stc = ic!.groups[0]!.transactionSets[0]!.segments.filter((s) => s.id === 'STC');
    expect(stc.map((s) => elementComponents(s, 1))).toEqual([['A1', '20'], ['A7', '562', '85']]);
  });

  it('reads the 999 acknowledgments and finds their IK5/AK9 codes', () => {
    const [ic] = readInterchanges(loadX12('imsweb__x12-parser__x12_999_rejected.txt'));
    const segs = ic!.groups[0]!.transactionSets[0]!.segments;
    expect(segs.filter((s) => s.id === 'IK5').map((s) => elementValue(s, 1))).toEqual(['R']);
    expect(segs.filter((s) => s.id === 'AK9').map((s) => [1, 2, 3, 4].map((n) => elementValue(s, n)))).toEqual([['R', '1', '1', '0']]);
  });

  it('reads the file with two interchanges as two', () => {
    const ics = readInterchanges(loadX12('imsweb__x12-parser__x12_multiple_isa.txt'));
    expect(ics.map((ic) => elementValue(ic.isa, 13))).toEqual(['000000905', '000000906']);
  });

  it('readSegments gives one flat list with positions', () => {
    const { segments, separators } = readSegments(loadX12('LinuxForHealth__x12__managed-care.835'));
    expect(separators).toHaveLength(1);
    expect(segments[0]!.id).toBe('ISA');
    expect(segments.at(-1)!.id).toBe('IEA');
    expect(segments.map((s) => s.position)).toEqual(segments.map((_, i) => i + 1));
  });
});

describe('checkEnvelopes', () => {
  it('passes the consistent corpus fixtures and finds the broken counts', () => {
    expect(checkEnvelopes(readInterchanges(loadX12('LinuxForHealth__x12__managed-care.835')))).toEqual([]);
    const broken = MINI.join('').replace('SE*5*0001', 'SE*6*0002').replace('GE*1*7', 'GE*2*8').replace('IEA*1*000000007', 'IEA*2*000000009');
    expect(checkEnvelopes(readInterchanges(broken))).toEqual([
      'segment 9 (IEA): IEA02 does not match ISA13',
      'segment 9 (IEA): IEA01 does not match the 1 functional group(s)',
      'segment 8 (GE): GE02 does not match GS06',
      'segment 8 (GE): GE01 does not match the 1 transaction set(s)',
      'segment 7 (SE): SE02 does not match ST02',
      'segment 7 (SE): SE01 does not match the 5 segments from ST to SE',
    ]);
  });

  it('finds an ISA that is not 106 characters', () => {
    const short = MINI.join('').replace('SENDER         ', 'SENDER');
    expect(checkEnvelopes(readInterchanges(short))).toEqual([
      'segment 1 (ISA): ISA06 is 6 characters, expected 15',
      'segment 1 (ISA): the ISA is 97 characters, expected 106',
    ]);
  });
});
