/**
 * The small expression forms of a mapping file, parsed once at load (pure; throws Error with a reason for bad
 * syntax, which the loader turns into file:line:col):
 *
 *   source     "FT1-25.1 | FT1-7.1 | $sentCode | \"CPT\""   alternatives; the first non-empty value wins.
 *                                                           An alternative is an HL7 path, a $variable or a
 *                                                           "quoted literal".
 *   condition  "FT1-6 = CD"  "FT1-6 != CD"  "RXA-20 in [CP, PA]"  "ORC-1 not in [CA, DC]"
 *              "RXA-18 is empty"  "FT1-25.1 is present"          left side is a source; values are bare words
 *                                                                or "quoted"; comparison is exact.
 *   template   "{RXD-7}-{RXD-1}"                          literal text with {source} parts.
 *
 * Built-in variables: $sequence (1-based number of this rule's record in the message, counting only
 * occurrences whose conditions held) and $segmentIndex (the 0-based position of the record's segment).
 */
import { formatPath, parsePath, type PathRef } from '../hl7/path';

export type Operand = { kind: 'path'; ref: PathRef; text: string } | { kind: 'var'; name: string } | { kind: 'literal'; value: string };

/** Alternatives tried in order; the first non-empty value wins. */
export type Source = readonly Operand[];

export type Condition =
  | { kind: 'compare'; left: Source; op: '=' | '!=' | 'in' | 'not in'; values: readonly string[]; text: string }
  | { kind: 'present' | 'empty'; left: Source; text: string }
  | { kind: 'any'; of: readonly Condition[]; text: string };

/** Literal text parts and source parts, concatenated. */
export type Template = ReadonlyArray<string | Source>;

export const BUILT_IN_VARIABLES: ReadonlySet<string> = new Set(['sequence', 'segmentIndex']);

/** Splits on `sep` outside parentheses and double quotes. */
function splitTopLevel(text: string, sep: string): string[] {
  const parts: string[] = [];
  let depth = 0,
    quoted = false,
    from = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') quoted = !quoted;
    else if (!quoted && c === '(') depth++;
    else if (!quoted && c === ')') depth--;
    else if (!quoted && depth === 0 && text.startsWith(sep, i)) {
      parts.push(text.slice(from, i));
      from = i + sep.length;
      i += sep.length - 1;
    }
  }
  parts.push(text.slice(from));
  return parts;
}

export function parseOperand(text: string): Operand {
  const t = text.trim();
  if (t === '') throw new Error('an empty alternative');
  if (t.startsWith('"')) {
    if (t.length < 2 || !t.endsWith('"')) throw new Error(`unterminated literal ${t}`);
    return { kind: 'literal', value: t.slice(1, -1) };
  }
  if (t.startsWith('$')) {
    if (!/^\$[A-Za-z][A-Za-z0-9_]*$/.test(t)) throw new Error(`"${t}" is not a variable name ($ then letters, digits, _)`);
    return { kind: 'var', name: t.slice(1) };
  }
  const ref = parsePath(t);
  return { kind: 'path', ref, text: formatPath(ref) };
}

export function parseSource(text: string): Source {
  return splitTopLevel(text, '|').map(parseOperand);
}

/** The source back as text, for error messages. */
export function formatSource(source: Source): string {
  return source.map((o) => (o.kind === 'path' ? o.text : o.kind === 'var' ? `$${o.name}` : `"${o.value}"`)).join(' | ');
}

/** Reads "[a, b]" or a single value, each bare or "quoted". */
function parseValues(text: string, list: boolean): string[] {
  const t = text.trim();
  if (list) {
    if (!t.startsWith('[') || !t.endsWith(']')) throw new Error('in / not in take a list: [A, B]');
    const inner = t.slice(1, -1).trim();
    return inner === '' ? [] : splitTopLevel(inner, ',').map(unquote);
  }
  if (t === '') throw new Error('a comparison needs a value (use "" for the empty value, or "is empty")');
  return [unquote(t)];
}

function unquote(text: string): string {
  const t = text.trim();
  if (t.startsWith('"')) {
    if (t.length < 2 || !t.endsWith('"')) throw new Error(`unterminated literal ${t}`);
    return t.slice(1, -1);
  }
  return t;
}

const OPERATORS: ReadonlyArray<[string, 'in' | 'not in' | '=' | '!=' | 'present' | 'empty']> = [
  [' is present', 'present'],
  [' is empty', 'empty'],
  [' not in ', 'not in'],
  [' in ', 'in'],
  [' != ', '!='],
  [' = ', '='],
];

export function parseCondition(text: string): Condition {
  const t = text.trim();
  for (const [word, op] of OPERATORS) {
    const parts = splitTopLevel(t, word);
    if (parts.length < 2) continue;
    const left = parts[0] as string;
    const right = parts.slice(1).join(word);
    if (op === 'present' || op === 'empty') {
      if (right.trim() !== '') throw new Error(`nothing may follow "${word.trim()}"`);
      return { kind: op, left: parseSource(left), text: t };
    }
    return { kind: 'compare', left: parseSource(left), op, values: parseValues(right, op === 'in' || op === 'not in'), text: t };
  }
  throw new Error(
    `"${t}" is not a condition: use SOURCE = V, != V, in [A, B], not in [A, B], is present or is empty (spaces around the operator)`,
  );
}

export function parseTemplate(text: string): Template {
  const parts: Array<string | Source> = [];
  let i = 0;
  while (i < text.length) {
    const open = text.indexOf('{', i);
    if (open < 0) {
      parts.push(text.slice(i));
      break;
    }
    if (open > i) parts.push(text.slice(i, open));
    const close = text.indexOf('}', open);
    if (close < 0) throw new Error('a template has "{" without "}"');
    parts.push(parseSource(text.slice(open + 1, close)));
    i = close + 1;
  }
  return parts;
}

/** Every variable a source, condition or template names (to check them against the rule's vars at load). */
export function variablesOf(x: Source | Condition | Template): string[] {
  if (Array.isArray(x)) {
    return (x as ReadonlyArray<Operand | string | Source>).flatMap((part) => {
      if (typeof part === 'string') return [];
      if (Array.isArray(part)) return variablesOf(part as Source);
      const op = part as Operand;
      return op.kind === 'var' ? [op.name] : [];
    });
  }
  const c = x as Condition;
  return c.kind === 'any' ? c.of.flatMap(variablesOf) : variablesOf(c.left);
}

/** Every HL7 path a source, condition or template reads (to check segments against the rule's group). */
export function pathsOf(x: Source | Condition | Template): PathRef[] {
  if (Array.isArray(x)) {
    return (x as ReadonlyArray<Operand | string | Source>).flatMap((part) => {
      if (typeof part === 'string') return [];
      if (Array.isArray(part)) return pathsOf(part as Source);
      const op = part as Operand;
      return op.kind === 'path' ? [op.ref] : [];
    });
  }
  const c = x as Condition;
  return c.kind === 'any' ? c.of.flatMap(pathsOf) : pathsOf(c.left);
}
