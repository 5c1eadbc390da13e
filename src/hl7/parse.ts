/**
 * Lean HL7 v2 parser: segments and raw field texts only. Repetitions, components and subcomponents
 * are split on access (see path.ts), so a parse is two string splits per segment. Pure.
 */
import { EngineError } from '../core/errors';
import type { Delimiters } from './escape';
import type { MshHeader } from './peek';
import { headerFromFields, mshFields, mshStart, readDelimiters } from './peek';

/**
 * One segment. fields[n] is the raw (still escaped) text of field n, 1-based; fields[0] is the segment
 * name. For MSH, fields[1] is the field separator and fields[2] the encoding characters, so MSH-n is
 * fields[n] like every other segment.
 */
export interface Hl7Segment {
  name: string;
  fields: string[];
}

export interface Hl7Message {
  delimiters: Delimiters;
  segments: Hl7Segment[];
  header: MshHeader;
}

const SEGMENT_NAME = /^[A-Z0-9]{3}$/;

function isBlank(line: string): boolean {
  if (line.length === 0) return true;
  const c = line.charCodeAt(0);
  return (c === 0x20 || c === 0x09) && line.trim() === '';
}

/**
 * Parses a decoded message (CR separators; LF and CRLF are tolerated; a BOM and leading whitespace are
 * skipped). Blank segment lines are skipped. The header is read leniently: empty MSH-9/MSH-10 do not
 * throw here (peekMsh enforces them at intake).
 *
 * Throws EngineError('PARSE_FAILED') only when the text does not start with MSH, when MSH-1/MSH-2 are
 * not usable delimiters (location MSH-1 or MSH-2), or when a line does not start with a segment name of
 * 3 uppercase letters/digits followed by the field separator or the end of the line (the message names
 * the 1-based line number; location carries it as `sequence` with segment '' since the name is unusable).
 */
export function parseHl7(text: string): Hl7Message {
  const start = mshStart(text);
  if (start < 0) throw new EngineError('PARSE_FAILED', 'The message does not start with an MSH segment', { segment: 'MSH', sequence: 1 });
  let d: Delimiters;
  try {
    d = readDelimiters(text, start);
  } catch (err) {
    if (err instanceof EngineError) throw new EngineError('PARSE_FAILED', err.message, err.location);
    throw err;
  }
  const body = start === 0 ? text : text.slice(start);
  const lines = body.indexOf('\n') >= 0 ? body.split(/\r\n|\r|\n/) : body.split('\r');
  const segments: Hl7Segment[] = [];
  const sep = d.field;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    if (isBlank(line)) continue;
    if (i === 0) {
      segments.push({ name: 'MSH', fields: mshFields(line, d) });
      continue;
    }
    const name = line.slice(0, 3);
    if (!SEGMENT_NAME.test(name) || (line.length > 3 && line[3] !== sep)) {
      throw new EngineError(
        'PARSE_FAILED',
        `Line ${i + 1} does not start with a segment name (3 uppercase letters or digits) followed by the field separator`,
        { segment: '', sequence: i + 1 },
      );
    }
    // A repeated MSH (a batch) is kept as a segment, split like the first one.
    segments.push({ name, fields: name === 'MSH' ? mshFields(line, d) : line.split(sep) });
  }
  const msh = segments[0] as Hl7Segment;
  return { delimiters: d, segments, header: headerFromFields(msh.fields, d) };
}
