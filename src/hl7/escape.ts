/**
 * HL7 v2 escape sequences (v2.x chapter 2.7). Pure string functions; they never throw. No Node modules (no
 * Buffer): the web console decodes message views with the same functions in the browser.
 *
 * Escaping and unescaping apply to leaf values only (one subcomponent): split on the delimiters first,
 * then unescape, or the decoded delimiter characters become indistinguishable from real ones.
 */

/** The delimiters a message declares in MSH-1 and MSH-2. */
export interface Delimiters {
  field: string;
  component: string;
  repetition: string;
  escape: string;
  subcomponent: string;
  /** MSH-2 character 5 (v2.7+), escaped as \P\; absent before 2.7 or when the sender does not declare it. */
  truncation?: string;
}

/** The standard delimiters "|^~\&". */
export const DEFAULT_DELIMITERS: Readonly<Delimiters> = Object.freeze({
  field: '|',
  component: '^',
  repetition: '~',
  escape: '\\',
  subcomponent: '&',
});

const utf8Strict = new TextDecoder('utf-8', { fatal: true });

/** One character per byte (ISO-8859-1), in slices so a long sequence does not overflow the call stack. */
function latin1(bytes: Uint8Array): string {
  let text = '';
  for (let i = 0; i < bytes.length; i += 8192) text += String.fromCharCode(...bytes.subarray(i, i + 8192));
  return text;
}

/**
 * Decodes the hex digits of a \Xhh..\ sequence. Returns undefined when the digits are not an even
 * number of hex characters (the caller then keeps the sequence literally).
 * The bytes are read as UTF-8 when they form valid UTF-8 (so \XC3\X9C\ style multi-byte sequences
 * written by UTF-8 senders come out right), otherwise one character per byte (ISO-8859-1).
 */
function decodeHex(hex: string): string | undefined {
  if (hex.length === 0 || hex.length % 2 !== 0 || !/^[0-9A-Fa-f]+$/.test(hex)) return undefined;
  const bytes = new Uint8Array(hex.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = Number.parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  try {
    return utf8Strict.decode(bytes);
  } catch {
    return latin1(bytes);
  }
}

/**
 * Maps the body of one escape sequence (text between the two escape characters) to its replacement,
 * or undefined to keep the sequence literally.
 *
 * Mapping:
 * - F S T R E → the field, component, subcomponent, repetition and escape characters; P → the truncation
 *   character when the message declares one (else literal).
 * - Xhh.. → the decoded bytes (see decodeHex).
 * - Formatting (meaningful in FT/TX only): .br → "\n"; .sp [n] → n newlines (default 1); .sk [n] → n spaces
 *   (default 1); .in .ti .ce .fi .nf → removed; H and N (highlight on/off) → removed.
 * - Character-set switches Cxxyy and Mxxyyzz → removed (the text is already decoded; we cannot act on them).
 * - Anything else, including locally defined Z sequences → kept literally.
 */
function replacement(body: string, d: Delimiters): string | undefined {
  switch (body) {
    case 'F':
      return d.field;
    case 'S':
      return d.component;
    case 'T':
      return d.subcomponent;
    case 'R':
      return d.repetition;
    case 'E':
      return d.escape;
    case 'P':
      return d.truncation;
    case 'H':
    case 'N':
      return '';
    default:
      break;
  }
  const head = body.charAt(0);
  if (head === 'X') return decodeHex(body.slice(1));
  if ((head === 'C' && /^C[0-9A-Fa-f]{4}$/.test(body)) || (head === 'M' && /^M[0-9A-Fa-f]{4}([0-9A-Fa-f]{2})?$/.test(body))) {
    return '';
  }
  if (head === '.') {
    const m = /^\.(br|sp|sk|in|ti|ce|fi|nf)\s*([+-]?\d+)?$/.exec(body);
    if (!m) return undefined;
    const count = m[2] === undefined ? 1 : Math.max(0, Math.min(100, Math.abs(Number(m[2]))));
    switch (m[1]) {
      case 'br':
        return m[2] === undefined ? '\n' : undefined;
      case 'sp':
        return '\n'.repeat(count);
      case 'sk':
        return ' '.repeat(count);
      default:
        return '';
    }
  }
  return undefined;
}

/**
 * Decodes the escape sequences in one leaf value. Sequences are read pairwise: an escape character opens,
 * the next one closes. An unknown sequence is kept literally; an opening escape character without a
 * closing one is kept literally with the rest of the value. Never throws.
 */
export function unescapeHl7(value: string, d: Delimiters): string {
  const esc = d.escape;
  let open = value.indexOf(esc);
  if (open < 0 || esc === '') return value;
  let out = '';
  let from = 0;
  while (open >= 0) {
    const close = value.indexOf(esc, open + 1);
    if (close < 0) break;
    const rep = replacement(value.slice(open + 1, close), d);
    if (rep === undefined) {
      out += value.slice(from, close + 1);
    } else {
      out += value.slice(from, open) + rep;
    }
    from = close + 1;
    open = value.indexOf(esc, from);
  }
  return out + value.slice(from);
}

const escapeCache = new Map<string, RegExp>();

function escapePattern(d: Delimiters): RegExp {
  const chars = [d.escape, d.field, d.component, d.repetition, d.subcomponent, d.truncation ?? ''].join('');
  let re = escapeCache.get(chars);
  if (!re) {
    const cls = Array.from(new Set(chars.split('').filter((c) => c !== '')))
      .map((c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'))
      .join('');
    re = new RegExp(`[${cls}\\r\\n]`, 'g');
    if (escapeCache.size > 64) escapeCache.clear();
    escapeCache.set(chars, re);
  }
  return re;
}

/**
 * Encodes one leaf value so it can be placed between delimiters: the five delimiters (and the truncation
 * character when declared) become \E\ \F\ \S\ \T\ \R\ (\P\), CR and LF become \X0D\ and \X0A\ so a value
 * can never break a segment. unescapeHl7(escapeHl7(v, d), d) === v for every string v.
 */
export function escapeHl7(value: string, d: Delimiters): string {
  const re = escapePattern(d);
  re.lastIndex = 0;
  if (!re.test(value)) return value;
  re.lastIndex = 0;
  const e = d.escape;
  return value.replace(re, (c) => {
    if (c === d.escape) return `${e}E${e}`;
    if (c === d.field) return `${e}F${e}`;
    if (c === d.component) return `${e}S${e}`;
    if (c === d.subcomponent) return `${e}T${e}`;
    if (c === d.repetition) return `${e}R${e}`;
    if (c === '\r') return `${e}X0D${e}`;
    if (c === '\n') return `${e}X0A${e}`;
    return `${e}P${e}`; // the truncation character
  });
}
