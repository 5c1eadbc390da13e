/**
 * File names of the file and SFTP connectors: a pattern with `{token}` parts filled from the payload and the clock
 * (braces without `$`, like the clearinghouse's file name patterns: a channel file's `${…}` is an environment
 * variable). Pure.
 *
 * Contract:
 * - Tokens: {channel}, {destination}, {messageId}, {controlId}, {deliveryKey}, {timestamp} (UTC
 *   yyyyMMddHHmmssSSS), {date} (UTC yyyyMMdd). A value's characters other than letters, digits, `.`, `_` and `-`
 *   become `_`, so a value can never make a path (`/`, `..` as a whole name is impossible: see checkFileNamePattern).
 * - A message's pattern must hold {messageId} or {deliveryKey}, so two messages never share a name and a second
 *   attempt of one delivery finds the first one's file (no second file, nothing overwritten). With {timestamp} or
 *   {date} a second attempt has another name: the connector looks for the first one with `namePattern`.
 */

export const MESSAGE_TOKENS = ['channel', 'destination', 'messageId', 'controlId', 'deliveryKey', 'timestamp', 'date'] as const;
export const BATCH_TOKENS = ['channel', 'destination', 'timestamp', 'date'] as const;
export type NameToken = (typeof MESSAGE_TOKENS)[number];

const TOKEN = /\{([^}]*)\}/g;
const TIME_TOKENS = new Set(['timestamp', 'date']);

/** Why a pattern cannot be used, or undefined. `kind`: a message's file, or a batch file (must hold {timestamp}). */
export function checkFileNamePattern(pattern: string, kind: 'message' | 'batch'): string | undefined {
  const known: readonly string[] = kind === 'message' ? MESSAGE_TOKENS : BATCH_TOKENS;
  const parts = [...pattern.matchAll(TOKEN)].map((m) => m[1] as string);
  const unknown = parts.find((p) => !known.includes(p));
  if (unknown !== undefined) return `has {${unknown}}: the tokens are ${known.map((p) => `{${p}}`).join(', ')}`;
  if (kind === 'message' && !parts.includes('messageId') && !parts.includes('deliveryKey'))
    return 'must hold {messageId} or {deliveryKey}, so that two messages never share a file name';
  if (kind === 'batch' && !parts.includes('timestamp')) return 'must hold {timestamp}, so that two batch files never share a name';
  const literal = pattern.replace(TOKEN, '');
  if (/[/\\\0\r\n{}]/.test(literal) || pattern.startsWith('.'))
    return 'must be a plain file name (no / or \\, no braces outside the tokens, no leading dot)';
  return undefined;
}

export function hasTimeToken(pattern: string): boolean {
  return [...pattern.matchAll(TOKEN)].some((m) => TIME_TOKENS.has(m[1] as string));
}

export type NameValues = Partial<Record<NameToken, string>>;

/** The values of a payload (and a time) for the tokens. */
export function nameValues(
  p: { channel: string; destination: string; messageId: string; controlId?: string; deliveryKey: string },
  at: Date,
): NameValues {
  const iso = at.toISOString();
  const date = iso.slice(0, 10).replace(/-/g, '');
  return {
    channel: p.channel,
    destination: p.destination,
    messageId: p.messageId,
    controlId: p.controlId ?? '',
    deliveryKey: p.deliveryKey,
    timestamp: date + iso.slice(11, 23).replace(/[:.]/g, ''),
    date,
  };
}

const safe = (v: string) => v.replace(/[^A-Za-z0-9._-]/g, '_');

/** The pattern with its tokens filled in (a pattern that passed checkFileNamePattern). */
export function fileName(pattern: string, values: NameValues): string {
  return pattern.replace(TOKEN, (_, t: string) => safe(values[t as NameToken] ?? ''));
}

/** A RegExp matching every name the pattern gives these values at any time (the time tokens as digits). */
export function namePattern(pattern: string, values: NameValues): RegExp {
  let re = '';
  let last = 0;
  for (const m of pattern.matchAll(TOKEN)) {
    re += escapeRe(pattern.slice(last, m.index));
    const t = m[1] as NameToken;
    re += t === 'timestamp' ? '\\d{17}' : t === 'date' ? '\\d{8}' : escapeRe(safe(values[t] ?? ''));
    last = (m.index as number) + m[0].length;
  }
  return new RegExp(`^${re}${escapeRe(pattern.slice(last))}$`);
}

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
