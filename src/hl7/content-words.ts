/**
 * The words a message is found by in the console's full-text search, read from the raw text: every field of every
 * segment after the segment id (MSH-1 and MSH-2, the separators, left out), split at the separators, escape
 * sequences decoded, then cut into words at every character that is not a letter or a digit. A word is normalized
 * (NFKC, accents removed, lower case) so "Müller", "MULLER" and "muller" are one word. Pure; never throws: a
 * message whose MSH cannot be read has no words.
 *
 * These words are patient data: the store keeps only keyed hashes of them (src/store/content-index.ts), so a
 * search matches whole words only — never a part of a word, a prefix or a wildcard.
 */
import { unescapeHl7, type Delimiters } from './escape';
import { mshStart, readDelimiters } from './peek';

/** Longest word kept; longer runs of letters and digits are cut to this length (the same cut applies to searches). */
export const MAX_WORD_LENGTH = 64;
/** Most distinct words kept of one message (the first ones, in message order). */
export const MAX_WORDS_PER_MESSAGE = 4096;

const COMBINING_MARKS = /\p{M}+/gu;
const WORD_BREAK = /[^\p{L}\p{N}]+/u;
const ASCII_ONLY = /^[\x00-\x7f]*$/;
const ASCII_WORD_BREAK = /[^a-z0-9]+/;
const LETTER_OR_DIGIT = /[\p{L}\p{N}]/u;

/** One piece of text as its normalized words, in order, duplicates kept. */
export function wordsOf(text: string): string[] {
  // ASCII text is its own NFKD/NFKC form and has no combining marks; its letters and digits are [a-z0-9] once
  // lower-cased. So the fast path gives the same words as the full one.
  const ascii = ASCII_ONLY.test(text);
  const folded = ascii ? text.toLowerCase() : text.normalize('NFKD').replace(COMBINING_MARKS, '').normalize('NFKC').toLowerCase();
  const out: string[] = [];
  for (const w of folded.split(ascii ? ASCII_WORD_BREAK : WORD_BREAK)) {
    if (w !== '') out.push(w.length > MAX_WORD_LENGTH ? w.slice(0, MAX_WORD_LENGTH) : w);
  }
  return out;
}

/** The distinct words of a message's segment fields (see above), at most MAX_WORDS_PER_MESSAGE. */
export function contentWordsOf(text: string): string[] {
  const start = mshStart(text);
  if (start < 0) return [];
  let d: Delimiters;
  try {
    d = readDelimiters(text, start);
  } catch {
    return [];
  }
  const words = new Set<string>();
  const splitters = [d.field, d.repetition, d.component, d.subcomponent];
  // Separators that are neither letters nor digits break words anyway: a line without escape sequences can then be
  // cut whole, which gives the same words in the same order as cutting it leaf by leaf (nothing to decode).
  const wholeLines = d.escape !== '' && !splitters.some((s) => LETTER_OR_DIGIT.test(s));
  for (const line of text.slice(start).split(/\r\n|\r|\n/)) {
    if (line.length < 4 || line.charAt(3) !== d.field) continue;
    // MSH-1 is the separator itself and MSH-2 the encoding characters: not words.
    const body = line.slice(0, 3) === 'MSH' ? line.slice(4).split(d.field).slice(1).join(d.field) : line.slice(4);
    const pieces = wholeLines && !body.includes(d.escape) ? [body] : splitAll(body, splitters).map((leaf) => unescapeHl7(leaf, d));
    for (const piece of pieces) {
      if (piece === '') continue;
      for (const w of wordsOf(piece)) {
        words.add(w);
        if (words.size >= MAX_WORDS_PER_MESSAGE) return [...words];
      }
    }
  }
  return [...words];
}

/** The distinct words of a search phrase: every one must be in a message for it to match. */
export function searchWordsOf(phrase: string): string[] {
  return [...new Set(wordsOf(phrase))];
}

function splitAll(text: string, separators: string[]): string[] {
  let parts = [text];
  for (const s of separators) parts = parts.flatMap((p) => p.split(s));
  return parts;
}
