/**
 * The console's HL7 reader (src/console/hl7-view.ts): segments by CR/LF, separators from MSH-1/2, repetitions /
 * components / subcomponents, escape decoding (checked against the engine's own decoder), validation as the
 * dead-letter editor shows it, and highlighting tokens that cover every character once.
 */
import fc from 'fast-check';
import { decodeEscapes, parseForView, positionLabel, tokenizeLine, validateHl7, STANDARD_SEPARATORS, type ViewMessage } from '../../src/console/hl7-view';
import { unescapeHl7, DEFAULT_DELIMITERS } from '../../src/hl7/escape';
import { fieldName } from '../../src/hl7/field-names';

const MESSAGE = [
  'MSH|^~\\&|RXSYS|PHARM01|RXBRIDGE|BILLING|20261103101500||DFT^P03^DFT_P03|CTRL-1|P|2.5.1',
  'PID|1||TESTPAT0001^^^PHARM01^MR~ALT-9^^^OTHER^PI||TESTPATIENT^ALEX\\S\\JR||19800101|U',
  'FT1|1|TX-1||20261103|||MTM-INIT^Service^C4|||1|75.00&USD',
  'NTE|1||Line one\\.br\\Caf\\XC3A9\\ \\F\\ pipe \\Zlocal\\',
].join('\r');

function parsed(text: string): ViewMessage {
  const m = parseForView(text);
  if ('error' in m) throw new Error(m.error);
  return m;
}

describe('parseForView', () => {
  test('segments, version, MSH-1/MSH-2 whole, repetitions, components and subcomponents', () => {
    const m = parsed(MESSAGE);
    expect(m.version).toBe('2.5.1');
    expect(m.segments.map((s) => s.name)).toEqual(['MSH', 'PID', 'FT1', 'NTE']);
    const msh = m.segments[0]!;
    expect(msh.fields[0]).toMatchObject({ index: 1, raw: '|' });
    expect(msh.fields[1]).toMatchObject({ index: 2, raw: '^~\\&' });
    expect(msh.fields[8]!.index).toBe(9);
    expect(msh.fields[8]!.repetitions[0]!.components.map((c) => c.subcomponents[0])).toEqual(['DFT', 'P03', 'DFT_P03']);
    expect(msh.fields[9]!.raw).toBe('CTRL-1');

    const pid = m.segments[1]!;
    expect(pid.fields[2]!.index).toBe(3);
    expect(pid.fields[2]!.repetitions).toHaveLength(2);
    expect(pid.fields[2]!.repetitions[1]!.components[0]!.subcomponents[0]).toBe('ALT-9');
    expect(pid.fields[1]!.repetitions).toEqual([]); // PID-2 empty
    expect(pid.fields[4]!.repetitions[0]!.components[1]!.subcomponents[0]).toBe('ALEX^JR'); // \S\ decoded after splitting

    const ft1 = m.segments[2]!;
    expect(ft1.fields[10]!.repetitions[0]!.components[0]!.subcomponents).toEqual(['75.00', 'USD']);
    expect(fieldName(m.version, 'PID', 5)).toBe('Patient Name');
  });

  test('escapes: formatting, hex as UTF-8, separators, unknown kept literally', () => {
    const nte = parsed(MESSAGE).segments[3]!;
    expect(nte.fields[2]!.repetitions[0]!.components[0]!.subcomponents[0]).toBe('Line one\nCafé | pipe \\Zlocal\\');
  });

  test('LF and CRLF separated text, blank lines skipped, other separators from MSH-2', () => {
    const text = 'MSH#*!%$#A#B#C#D#20261103##ADT*A04#C2#P#2.3\r\n\r\nPID#1##X!Y*Z$W\nEVN#A04';
    const m = parsed(text);
    expect(m.segments.map((s) => [s.name, s.line])).toEqual([['MSH', 1], ['PID', 3], ['EVN', 4]]);
    expect(m.version).toBe('2.3');
    const pid3 = m.segments[1]!.fields[2]!;
    expect(pid3.repetitions).toHaveLength(2);
    expect(pid3.repetitions[1]!.components[1]!.subcomponents).toEqual(['Z', 'W']);
  });

  test('a line that is not a segment is still shown; no MSH or bad separators is an error', () => {
    const m = parsed('MSH|^~\\&|A|B|C|D|20261103||ADT^A04|1|P|2.5\rnot a segment\rPV1|1|O');
    expect(m.segments.map((s) => s.name)).toEqual(['MSH', '?', 'PV1']);
    expect(m.segments[1]!.fields[0]!.raw).toBe('not a segment');
    expect(parseForView('PID|1')).toEqual({ error: expect.stringMatching(/MSH/) });
    expect(parseForView('MSH|^^\\&|A')).toEqual({ error: expect.stringMatching(/MSH-2/) });
  });
});

describe('decodeEscapes agrees with the engine (src/hl7/escape.ts) on leaf values', () => {
  test('property: same result for any text of escape-ish characters', () => {
    const alphabet = fc.constantFrom('\\', 'F', 'S', 'T', 'R', 'E', 'X', '4', '1', 'C', '3', 'A', '9', '.', 'b', 'r', 's', 'p', ' ', 'H', 'N', 'Z', 'é');
    fc.assert(fc.property(fc.array(alphabet, { maxLength: 24 }).map((a) => a.join('')), (v) => {
      expect(decodeEscapes(v, STANDARD_SEPARATORS)).toBe(unescapeHl7(v, DEFAULT_DELIMITERS));
    }), { numRuns: 2000 });
  });
});

describe('validateHl7', () => {
  test('a good message has no issue', () => {
    expect(validateHl7(MESSAGE)).toEqual([]);
    expect(validateHl7(MESSAGE.replace(/\r/g, '\n'))).toEqual([]);
  });

  test('names each problem with its line and columns', () => {
    expect(validateHl7('')).toEqual([expect.objectContaining({ severity: 'error', message: 'The message is empty.' })]);
    expect(validateHl7('PID|1\rMSH|^~\\&')).toEqual([expect.objectContaining({ line: 1, message: expect.stringMatching(/start with an MSH/) })]);
    expect(validateHl7('MSH|^~|A')[0]).toMatchObject({ line: 1, message: expect.stringMatching(/MSH-2/) });

    const issues = validateHl7('MSH|^~\\&|A|B|C|D|20261103||||P|\rPID|1\rpid|2\rFT1x|3\rMSH|^~\\&\rNTE|1||open \\S here');
    expect(issues.map((i) => [i.severity, i.line, i.message])).toEqual([
      ['error', 1, 'MSH-9 (message type) is empty.'],
      ['error', 1, 'MSH-10 (control id) is empty.'],
      ['error', 1, 'MSH-12 (version) is empty.'],
      ['error', 3, '"pid|2" does not start with a segment id (3 capital letters or digits, then |).'],
      ['error', 4, '"FT1x|3" does not start with a segment id (3 capital letters or digits, then |).'],
      ['error', 5, 'A second MSH: a replay holds exactly one message.'],
      ['warning', 6, 'An escape character \\ without its closing one: it is kept as text.'],
    ]);
    // MSH-9 is the empty field after MSH-8: its column is where the editor underlines it
    expect(issues[0]!.from).toBe('MSH|^~\\&|A|B|C|D|20261103||'.length + 1);
    expect(issues[6]).toMatchObject({ from: 'NTE|1||open '.length + 1, to: 'NTE|1||open '.length + 2 });
  });
});

describe('tokenizeLine', () => {
  test('covers every character exactly once, in order', () => {
    fc.assert(fc.property(fc.string({ maxLength: 60 }), (tail) => {
      for (const line of [`PID|${tail}`, `MSH|^~\\&|${tail}`, tail]) {
        let at = 0;
        for (const t of tokenizeLine(line)) {
          expect(t.from).toBe(at);
          expect(t.to).toBeGreaterThan(t.from);
          at = t.to;
        }
        expect(at).toBe(line.length);
      }
    }), { numRuns: 500 });
  });

  test('kinds of a typical line', () => {
    const line = 'PID|1||A^B&C~D\\F\\x';
    const kinds = tokenizeLine(line).map((t) => [t.kind, line.slice(t.from, t.to)]);
    expect(kinds).toEqual([
      ['segment', 'PID'], ['field', '|'], ['text', '1'], ['field', '|'], ['field', '|'], ['text', 'A'], ['component', '^'],
      ['text', 'B'], ['subcomponent', '&'], ['text', 'C'], ['repetition', '~'], ['text', 'D'], ['escape', '\\F\\'], ['text', 'x'],
    ]);
    expect(tokenizeLine('MSH|^~\\&|A').map((t) => t.kind)).toEqual(['segment', 'field', 'encoding', 'field', 'text']);
    expect(tokenizeLine('xx|1')[0]!.kind).toBe('invalid');
  });

  test('position labels', () => {
    expect(positionLabel('PID', 5)).toBe('PID-5');
    expect(positionLabel('PID', 3, 2, 1)).toBe('PID-3[2].1');
    expect(positionLabel('FT1', 11, undefined, 1, 2)).toBe('FT1-11.1.2');
  });
});
