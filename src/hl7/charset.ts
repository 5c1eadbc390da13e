/**
 * Character sets: read MSH-18 from the raw bytes, pick a decoder, decode, and normalize segment
 * separators. Pure functions (no I/O).
 */

/** The character sets the engine decodes. ASCII is decoded as UTF-8 (a superset). */
export type Charset = 'UTF-8' | 'ISO-8859-1' | 'windows-1252' | 'ASCII';

const CR = 0x0d;
const LF = 0x0a;

function isByteSpace(b: number | undefined): boolean {
  return b === 0x20 || b === 0x09 || b === CR || b === LF;
}

/** Index of the "M" of a leading "MSH" after an optional UTF-8 BOM and whitespace, or -1. */
function mshOffset(bytes: Buffer): number {
  let i = bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  while (i < bytes.length && isByteSpace(bytes[i])) i++;
  return bytes[i] === 0x4d && bytes[i + 1] === 0x53 && bytes[i + 2] === 0x48 ? i : -1;
}

/**
 * Reads MSH-18 (all repetitions) straight from the raw bytes, before any decoding: MSH up to MSH-18 is
 * ASCII in every supported character set (single-byte and UTF-8 alike).
 * Returns the repetitions as sent, each trimmed (empty repetitions are kept, so the first one still
 * "decides"); [] when the message does not start with MSH (after a BOM/whitespace) or MSH-18 is empty
 * or absent. Never throws.
 */
export function sniffMsh18(bytes: Buffer): string[] {
  const m = mshOffset(bytes);
  if (m < 0) return [];
  const sep = bytes[m + 3];
  if (sep === undefined || isByteSpace(sep)) return [];
  const repSep = bytes[m + 5]; // MSH-2 character 2
  // The separator at m+3 is MSH-1 itself: MSH-n starts after its (n-1)th occurrence.
  let count = 0;
  let i = m + 3;
  for (; i < bytes.length; i++) {
    const b = bytes[i];
    if (b === CR || b === LF) return [];
    if (b === sep && ++count === 17) break;
  }
  if (count < 17) return [];
  const start = i + 1;
  let end = start;
  while (end < bytes.length && bytes[end] !== sep && bytes[end] !== CR && bytes[end] !== LF) end++;
  const raw = bytes.toString('latin1', start, end);
  if (raw.trim() === '') return [];
  const useRep = repSep !== undefined && repSep !== sep && !isByteSpace(repSep);
  const parts = useRep ? raw.split(String.fromCharCode(repSep)) : [raw];
  return parts.map((p) => p.trim());
}

const CHARSET_ALIASES: Record<string, Charset> = {
  'UNICODE UTF-8': 'UTF-8',
  'UTF-8': 'UTF-8',
  UTF8: 'UTF-8',
  '8859/1': 'ISO-8859-1',
  'ISO-8859-1': 'ISO-8859-1',
  'ISO_IR 100': 'ISO-8859-1',
  ASCII: 'ASCII',
  'US-ASCII': 'ASCII',
  'WINDOWS-1252': 'windows-1252',
  CP1252: 'windows-1252',
};

/**
 * Maps HL7 table 0211 values (MSH-18) to a decoder. The first repetition decides (later ones name
 * alternate sets for \C..\ / \M..\ switches, which we do not honour). Matching is case-insensitive and
 * ignores surrounding spaces. No value or an empty first value → fallback. Unknown → undefined (the
 * caller NAKs with CHARSET_UNSUPPORTED).
 */
export function resolveCharset(values: string[], fallback: Charset): Charset | undefined {
  const first = (values[0] ?? '').trim();
  if (first === '') return fallback;
  return CHARSET_ALIASES[first.toUpperCase()];
}

const utf8Decoder = new TextDecoder('utf-8');

/**
 * windows-1252 bytes 0x80–0x9F (WHATWG index-windows-1252); every other byte equals its ISO-8859-1 code
 * point. Hand-rolled because Node 20.18.3+ TextDecoder('windows-1252') wrongly decodes this range as
 * latin1 (nodejs/node#56542, #60888).
 */
const CP1252_HIGH = [
  0x20ac, 0x0081, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021, 0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, 0x008d, 0x017d, 0x008f, 0x0090,
  0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, 0x009d, 0x017e, 0x0178,
];

function decodeCp1252(body: Buffer): string {
  const text = body.toString('latin1');
  return /[\x80-\x9f]/.test(text)
    ? text.replace(/[\x80-\x9f]/g, (c) => String.fromCharCode(CP1252_HIGH[c.charCodeAt(0) - 0x80] as number))
    : text;
}

/**
 * Decodes a message body. A leading UTF-8 BOM is dropped whatever the charset. Invalid UTF-8 becomes
 * U+FFFD (never throws). ISO-8859-1 is the true ISO set (one code point per byte, 0x80–0x9F are C1
 * controls); windows-1252 maps 0x80–0x9F to € ‚ ƒ … per WHATWG (not via TextDecoder, see CP1252_HIGH).
 */
export function decodeHl7(bytes: Buffer, charset: Charset): string {
  const body = bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? bytes.subarray(3) : bytes;
  switch (charset) {
    case 'ISO-8859-1':
      return body.toString('latin1');
    case 'windows-1252':
      return decodeCp1252(body);
    case 'UTF-8':
    case 'ASCII':
    default:
      return utf8Decoder.decode(body);
  }
}

/**
 * Normalizes segment separators to CR: CRLF and lone LF become CR; trailing empty (or blank) segments
 * are removed, so the result does not end with CR. Blank segments in the middle are kept (parseHl7 skips
 * them). Does not touch a BOM or leading whitespace.
 */
export function normalizeSegments(text: string): string {
  const t = text.indexOf('\n') >= 0 ? text.replace(/\r?\n/g, '\r') : text;
  // Scan back over trailing CR/space/tab, then keep up to the last non-blank character.
  let end = t.length;
  while (end > 0) {
    const c = t.charCodeAt(end - 1);
    if (c !== CR && c !== 0x20 && c !== 0x09) break;
    end--;
  }
  if (end === t.length) return t;
  // Keep trailing spaces that belong to the last segment's content (only whole blank segments are dropped).
  const cut = t.indexOf('\r', end);
  return cut < 0 ? t : t.slice(0, cut);
}

/**
 * Encodes a message for sending in `charset` (the inverse of decodeHl7). A character the set cannot hold becomes
 * "?" (as a lossy single-byte encoder does); UTF-8 and ASCII are written as UTF-8.
 */
export function encodeHl7(text: string, charset: Charset): Buffer {
  if (charset !== 'ISO-8859-1' && charset !== 'windows-1252') return Buffer.from(text, 'utf8');
  const out = Buffer.allocUnsafe(text.length);
  let n = 0;
  for (const ch of text) {
    const c = ch.codePointAt(0) as number;
    let b = -1;
    if (c < 0x80 || (c >= 0xa0 && c <= 0xff)) b = c;
    else if (charset === 'ISO-8859-1' && c >= 0x80 && c <= 0x9f) b = c;
    else if (charset === 'windows-1252') {
      const i = CP1252_HIGH.indexOf(c);
      if (i >= 0) b = 0x80 + i;
    }
    out[n++] = b < 0 ? 0x3f : b;
  }
  return out.subarray(0, n);
}
