/**
 * HL7 v2 text for people: the console's small, pure reader of a raw message (no DOM, no Node modules).
 *
 * - `parseForView(text)` splits a message into segments (CR, LF or CRLF), takes the separators from MSH-1/MSH-2,
 *   and splits every field into repetitions → components → subcomponents, decoding escape sequences in the
 *   leaves. MSH-1 and MSH-2 are kept whole, as the standard counts them. The version is MSH-12.1.
 * - `validateHl7(text)` lists what would stop the engine from reading the text as one message: no MSH first,
 *   bad separators, a line that does not start with a segment id, an empty MSH-9/MSH-10/MSH-12, a second MSH
 *   (errors); an escape character without its closing one (warning). Lines and columns are 1-based.
 * - `tokenizeLine(line, separators)` cuts one segment line into highlighting tokens.
 *
 * Escape sequences are decoded by the engine's own decoder (src/hl7/escape.ts, Node-free), so a value reads the
 * same in the console as in the pipeline.
 */
import { DEFAULT_DELIMITERS, unescapeHl7, type Delimiters } from '../hl7/escape';

/** The separators a message declares in MSH-1 and MSH-2 (the engine's Delimiters). */
export type Separators = Delimiters;

export const STANDARD_SEPARATORS: Readonly<Separators> = DEFAULT_DELIMITERS;

export interface ViewComponent {
  /** Decoded subcomponents (at least one, possibly ''). */
  subcomponents: string[];
}

export interface ViewRepetition {
  components: ViewComponent[];
}

export interface ViewField {
  /** 1-based, as in PID-5. */
  index: number;
  /** The field's text as sent (still escaped). */
  raw: string;
  /** Empty for an empty field; MSH-1 and MSH-2 have one repetition with one component holding the raw text. */
  repetitions: ViewRepetition[];
}

export interface ViewSegment {
  name: string;
  /** 1-based line of the text. */
  line: number;
  /** fields[i] is field i + 1. */
  fields: ViewField[];
}

export interface ViewMessage {
  separators: Separators;
  /** MSH-12.1, '' when absent. */
  version: string;
  segments: ViewSegment[];
}

export interface Hl7Issue {
  severity: 'error' | 'warning';
  /** 1-based line and columns (from inclusive, to exclusive) of the text as split into lines. */
  line: number;
  from: number;
  to: number;
  message: string;
}

export interface SourceLine {
  /** 1-based line number. */
  line: number;
  text: string;
}

const SEGMENT_ID = /^[A-Z][A-Z0-9]{2}$/;

/** Every line of the text (CR, LF or CRLF separated), numbered, blank ones included. */
export function splitLines(text: string): SourceLine[] {
  return text.split(/\r\n|\r|\n/).map((t, i) => ({ line: i + 1, text: t }));
}

function isBadSeparator(c: string | undefined): boolean {
  return c === undefined || c === '' || /[A-Za-z0-9\s]/.test(c);
}

/** Separators of an MSH line, or a reason why they cannot be read (naming MSH-1 or MSH-2). */
export function readSeparators(mshLine: string): { separators: Separators } | { problem: string; field: 1 | 2 } {
  const field = mshLine.charAt(3);
  if (isBadSeparator(field)) return { problem: 'MSH-1 (field separator) is missing or not a separator character', field: 1 };
  const end = mshLine.indexOf(field, 4);
  const enc = mshLine.slice(4, end < 0 ? undefined : end);
  const chars = enc.split('');
  const distinct = new Set([field, ...chars]).size === chars.length + 1;
  if (enc.length < 4 || enc.length > 5 || !distinct || chars.some(isBadSeparator)) {
    return { problem: 'MSH-2 (encoding characters) must be 4 or 5 distinct separator characters, different from MSH-1', field: 2 };
  }
  const [component = '^', repetition = '~', escape = '\\', subcomponent = '&', truncation] = chars;
  return { separators: { field, component, repetition, escape, subcomponent, ...(truncation ? { truncation } : {}) } };
}

/** Decodes the escape sequences of one leaf value (a subcomponent), as the engine does. Never throws. */
export const decodeEscapes: (value: string, s: Separators) => string = unescapeHl7;

function splitField(raw: string, s: Separators): ViewRepetition[] {
  if (raw === '') return [];
  return raw.split(s.repetition).map((rep) => ({
    components: rep.split(s.component).map((comp) => ({
      subcomponents: comp.split(s.subcomponent).map((sub) => decodeEscapes(sub, s)),
    })),
  }));
}

function whole(raw: string): ViewRepetition[] {
  return [{ components: [{ subcomponents: [raw] }] }];
}

/** Fields of one segment line: MSH-1/MSH-2 whole, the others split. */
function segmentFields(name: string, text: string, s: Separators): ViewField[] {
  const parts = text.split(s.field);
  if (name === 'MSH') {
    const fields: ViewField[] = [
      { index: 1, raw: s.field, repetitions: whole(s.field) },
      { index: 2, raw: parts[1] ?? '', repetitions: whole(parts[1] ?? '') },
    ];
    for (let i = 2; i < parts.length; i++) {
      const raw = parts[i] ?? '';
      fields.push({ index: i + 1, raw, repetitions: splitField(raw, s) });
    }
    return fields;
  }
  return parts.slice(1).map((raw, i) => ({ index: i + 1, raw, repetitions: splitField(raw, s) }));
}

/** The first non-blank line and its index, or undefined. */
function firstContentLine(lines: SourceLine[]): SourceLine | undefined {
  return lines.find((l) => l.text.trim() !== '');
}

/**
 * Reads a message for display. Blank lines are skipped; a line that is not a segment is shown as a segment
 * named '?' with the line as its only field, so nothing of the text is hidden.
 */
export function parseForView(text: string): ViewMessage | { error: string } {
  const lines = splitLines(text.replace(/^\uFEFF/, ''));
  const first = firstContentLine(lines);
  if (!first || !first.text.trimStart().startsWith('MSH')) return { error: 'The message does not start with an MSH segment.' };
  const read = readSeparators(first.text.trimStart());
  if ('problem' in read) return { error: read.problem };
  const s = read.separators;
  const segments: ViewSegment[] = [];
  for (const l of lines) {
    const t = l.line === first.line ? l.text.trimStart() : l.text;
    if (t.trim() === '') continue;
    const name = t.slice(0, 3);
    const isSegment = SEGMENT_ID.test(name) && (t.length === 3 || t.charAt(3) === s.field);
    segments.push(
      isSegment
        ? { name, line: l.line, fields: segmentFields(name, t, s) }
        : { name: '?', line: l.line, fields: [{ index: 1, raw: t, repetitions: whole(t) }] },
    );
  }
  const msh = segments[0];
  const version = msh?.fields[11]?.repetitions[0]?.components[0]?.subcomponents[0]?.trim() ?? '';
  return { separators: s, version, segments };
}

/** Column range (1-based, end exclusive) of field `n` (>= 3) of an MSH line, or of field n of another segment. */
function fieldColumns(text: string, sep: string, n: number, isMsh: boolean): { from: number; to: number } {
  const parts = text.split(sep);
  const partIndex = isMsh ? n - 1 : n;
  let offset = 0;
  for (let i = 0; i < partIndex && i < parts.length; i++) offset += (parts[i]?.length ?? 0) + 1;
  const len = parts[partIndex]?.length ?? 0;
  const from = Math.min(offset, text.length) + 1;
  return { from, to: from + Math.max(len, 1) };
}

/** What would stop the engine from reading `text` as one HL7 message (see the module comment). */
export function validateHl7(text: string): Hl7Issue[] {
  const issues: Hl7Issue[] = [];
  const lines = splitLines(text.replace(/^\uFEFF/, ''));
  const first = firstContentLine(lines);
  if (!first) return [{ severity: 'error', line: 1, from: 1, to: 2, message: 'The message is empty.' }];
  const mshText = first.text.trimStart();
  if (!mshText.startsWith('MSH')) {
    return [
      {
        severity: 'error',
        line: first.line,
        from: 1,
        to: Math.max(2, Math.min(4, first.text.length + 1)),
        message: 'The message must start with an MSH segment.',
      },
    ];
  }
  const read = readSeparators(mshText);
  if ('problem' in read) {
    const from = read.field === 1 ? 4 : 5;
    return [{ severity: 'error', line: first.line, from, to: from + (read.field === 1 ? 1 : 4), message: read.problem }];
  }
  const s = read.separators;
  const mshParts = mshText.split(s.field);
  for (const [n, what] of [
    [9, 'message type'],
    [10, 'control id'],
    [12, 'version'],
  ] as const) {
    if ((mshParts[n - 1] ?? '').trim() === '') {
      const cols = fieldColumns(mshText, s.field, n, true);
      issues.push({ severity: 'error', line: first.line, ...cols, message: `MSH-${n} (${what}) is empty.` });
    }
  }
  for (const l of lines) {
    if (l.line === first.line || l.text.trim() === '') continue;
    const name = l.text.slice(0, 3);
    if (!SEGMENT_ID.test(name) || (l.text.length > 3 && l.text.charAt(3) !== s.field)) {
      const shown = l.text.slice(0, 12);
      issues.push({
        severity: 'error',
        line: l.line,
        from: 1,
        to: Math.max(2, Math.min(4, l.text.length + 1)),
        message: `"${shown}${l.text.length > 12 ? '…' : ''}" does not start with a segment id (3 capital letters or digits, then ${s.field}).`,
      });
    } else if (name === 'MSH') {
      issues.push({ severity: 'error', line: l.line, from: 1, to: 4, message: 'A second MSH: a replay holds exactly one message.' });
    }
  }
  for (const l of lines) {
    const unmatched = unmatchedEscape(l.text, s);
    if (unmatched !== undefined) {
      issues.push({
        severity: 'warning',
        line: l.line,
        from: unmatched + 1,
        to: unmatched + 2,
        message: `An escape character ${s.escape} without its closing one: it is kept as text.`,
      });
    }
  }
  return issues.sort((a, b) => a.line - b.line || a.from - b.from);
}

/** 0-based column of an escape character that opens a sequence never closed within its field, or undefined. */
function unmatchedEscape(line: string, s: Separators): number | undefined {
  const start = line.startsWith('MSH') ? line.indexOf(s.field, 4) : 0; // MSH-2 holds the escape character itself
  if (start < 0) return undefined;
  let open = -1;
  for (let i = start; i < line.length; i++) {
    const c = line.charAt(i);
    if (c === s.escape) open = open < 0 ? i : -1;
    else if (open >= 0 && (c === s.field || c === s.component || c === s.repetition || c === s.subcomponent)) return open;
  }
  return open >= 0 ? open : undefined;
}

export type TokenKind = 'segment' | 'field' | 'component' | 'repetition' | 'subcomponent' | 'escape' | 'encoding' | 'text' | 'invalid';

export interface Token {
  /** 0-based, end exclusive. */
  from: number;
  to: number;
  kind: TokenKind;
}

/** Highlighting tokens of one line (separators, segment id, escape sequences; MSH-2 as `encoding`). */
export function tokenizeLine(line: string, s: Separators = STANDARD_SEPARATORS): Token[] {
  const tokens: Token[] = [];
  if (line === '') return tokens;
  const name = line.slice(0, 3);
  const validId = SEGMENT_ID.test(name) && (line.length === 3 || line.charAt(3) === s.field);
  tokens.push({ from: 0, to: Math.min(3, line.length), kind: validId ? 'segment' : 'invalid' });
  let i = Math.min(3, line.length);
  if (name === 'MSH' && validId) {
    tokens.push({ from: 3, to: 4, kind: 'field' });
    const end = line.indexOf(s.field, 4);
    const encEnd = end < 0 ? line.length : end;
    if (encEnd > 4) tokens.push({ from: 4, to: encEnd, kind: 'encoding' });
    i = encEnd;
  }
  let textStart = i;
  const flush = (to: number) => {
    if (to > textStart) tokens.push({ from: textStart, to, kind: 'text' });
  };
  while (i < line.length) {
    const c = line.charAt(i);
    let kind: TokenKind | undefined;
    if (c === s.field) kind = 'field';
    else if (c === s.component) kind = 'component';
    else if (c === s.repetition) kind = 'repetition';
    else if (c === s.subcomponent) kind = 'subcomponent';
    if (kind) {
      flush(i);
      tokens.push({ from: i, to: i + 1, kind });
      i++;
      textStart = i;
      continue;
    }
    if (c === s.escape) {
      const close = line.indexOf(s.escape, i + 1);
      const body = close < 0 ? '' : line.slice(i + 1, close);
      if (close > i && ![s.field, s.component, s.repetition, s.subcomponent].some((d) => body.includes(d))) {
        flush(i);
        tokens.push({ from: i, to: close + 1, kind: 'escape' });
        i = close + 1;
        textStart = i;
        continue;
      }
    }
    i++;
  }
  flush(line.length);
  return tokens;
}

/** `PID-5`, `PID-5.1`, `PID-5.1.2`, with a repetition index `PID-3[2]` when the field repeats. */
export function positionLabel(segment: string, field: number, repetition?: number, component?: number, subcomponent?: number): string {
  let label = `${segment}-${field}`;
  if (repetition !== undefined) label += `[${repetition}]`;
  if (component !== undefined) label += `.${component}`;
  if (subcomponent !== undefined) label += `.${subcomponent}`;
  return label;
}
