/**
 * The content key of an inbound message, for telling a resend from another message that reuses a control id.
 * Pure.
 *
 * Contract: two texts get the same key exactly when they are equal after
 * - segment terminators are made CR (CRLF and a bare LF are how some senders end segments; the intake reads
 *   them all as CR),
 * - trailing CR/LF after the last segment are dropped,
 * - MSH-7 (the message date/time, which a sender may refresh when it resends) is emptied.
 * Every other byte counts, MSH-10 included. The key is SHA-256, base64url (43 characters).
 */
import { createHash } from 'node:crypto';

export function contentHash(text: string): string {
  return createHash('sha256').update(contentKeyText(text), 'utf8').digest('base64url');
}

/** The text the key is taken of (exported for tests and for operators comparing two messages). */
export function contentKeyText(text: string): string {
  let t = text.indexOf('\n') >= 0 ? text.replace(/\r?\n/g, '\r') : text;
  let end = t.length;
  while (end > 0 && t.charCodeAt(end - 1) === 0x0d) end--;
  if (end !== t.length) t = t.slice(0, end);
  return withoutMsh7(t);
}

/** The text with MSH-7 emptied, when it starts with an MSH segment; otherwise unchanged. */
function withoutMsh7(t: string): string {
  if (!t.startsWith('MSH') || t.length < 4) return t;
  const sep = t[3]!;
  const segEnd = t.indexOf('\r');
  const limit = segEnd < 0 ? t.length : segEnd;
  // MSH-1 is the separator at index 3; each later separator starts the next field: the 5th after it starts MSH-7.
  let pos = 3;
  for (let n = 0; n < 5; n++) {
    pos = t.indexOf(sep, pos + 1);
    if (pos < 0 || pos >= limit) return t;
  }
  const start = pos + 1;
  let stop = t.indexOf(sep, start);
  if (stop < 0 || stop > limit) stop = limit;
  return t.slice(0, start) + t.slice(stop);
}
