/**
 * The blind index behind the console's patient and Rx searches. Message metadata holds no patient data
 * (docs/encryption.md), so a message keeps, in message_terms.tokens (written once at intake), keyed hashes of its search terms
 * (src/hl7/search-terms.ts) instead of the terms:
 *   HMAC-SHA256(search key, kind + NUL + value), first 8 bytes as a signed big-endian 64-bit integer (bigint)
 * for `pid` (each patient id), `fam` (each prefix of each family name, 1 to 24 characters) and `rx` (each Rx
 * number); values are lower-cased, so searches are case-insensitive. A search hashes the term the same way and
 * looks the tokens up (GIN index, `&&`).
 *
 * The search key is derived from the body encryption key (Keyring.derive): the database alone does not say which
 * token is which name. A search tries the keys of every configured body key (current and old), so messages
 * indexed before a key rotation are still found while the old key is configured. In plain mode
 * (RXBRIDGE_STORE_PLAINTEXT) tokens are written with a fixed, public key: the bodies are plain text there anyway.
 */
import crypto from 'node:crypto';
import type { Kysely } from 'kysely';
import { searchTermsOf } from '../hl7/search-terms';
import type { BodyCodec } from './bodies';
import type { Database } from './types';

/** HKDF label of the search key. */
const LABEL = 'rxbridge message search index v1';
/** Family-name prefixes indexed: 1 to this many characters (a longer search term is cut to it). */
export const MAX_NAME_PREFIX = 24;

type Kind = 'pid' | 'fam' | 'rx';

const normalize = (v: string) => v.trim().replace(/\s+/g, ' ').toLowerCase();

export class MessageSearchIndex {
  private readonly written = new TokenMemory();

  private constructor(
    private readonly writeKey: Buffer,
    private readonly readKeys: readonly Buffer[],
  ) {}

  /** The index for the key set-up of `bodies`: writes with the current key, searches with every key. */
  static forBodies(bodies: BodyCodec): MessageSearchIndex {
    const { write, read } = blindIndexKeys(bodies, LABEL);
    return new MessageSearchIndex(write, read);
  }

  /** The tokens to store with a message's text (empty when it has no search terms). */
  tokensOf(text: string): string[] {
    const terms = searchTermsOf(text);
    const tokens = new Set<string>();
    const write = (kind: Kind, value: string) => this.written.token(this.writeKey, kind, value);
    for (const id of terms.patientIds) tokens.add(write('pid', normalize(id)));
    for (const rx of terms.rxNumbers) tokens.add(write('rx', normalize(rx)));
    for (const family of terms.familyNames) {
      const name = normalize(family);
      for (let n = 1; n <= Math.min(name.length, MAX_NAME_PREFIX); n++) tokens.add(write('fam', name.slice(0, n)));
    }
    return [...tokens];
  }

  /** Tokens matching a patient search: the patient id exactly, or a family-name prefix (case-insensitive). */
  patientTokens(term: string): string[] {
    const v = normalize(term);
    return this.readKeys.flatMap((k) => [this.token(k, 'pid', v), this.token(k, 'fam', v.slice(0, MAX_NAME_PREFIX))]);
  }

  /** Tokens matching an Rx number exactly (case-insensitive). */
  rxTokens(term: string): string[] {
    const v = normalize(term);
    return this.readKeys.map((k) => this.token(k, 'rx', v));
  }

  private token(key: Buffer, kind: Kind, value: string): string {
    return blindToken(key, kind, value);
  }
}

/**
 * The keys of a blind index labelled `label`: `write`, derived from the current body key (the public key of plain
 * mode without one), and `read`, the write key and those of every configured older body key, then the plain one.
 */
export function blindIndexKeys(bodies: BodyCodec, label: string): { write: Buffer; read: Buffer[] } {
  const { write, read } = bodies.derivedKeys(label);
  const plain = crypto.createHash('sha256').update(label).digest();
  const all = [write ?? plain, ...read, plain].filter((k, i, keys) => keys.findIndex((o) => o.equals(k)) === i);
  return { write: write ?? plain, read: all };
}

/** Most values whose tokens one TokenMemory keeps (about 100 bytes each); it starts over when full. */
const TOKEN_MEMORY = 50_000;

/**
 * blindToken with a memory of the values seen lately, for one key. Feeds repeat most values (segment vocabulary,
 * codes, facilities, providers, a patient's next message) and a token costs an HMAC. The values are held only in
 * this process's memory, as the message texts themselves are while they are processed.
 */
export class TokenMemory {
  private readonly tokens = new Map<string, string>();
  private key: Buffer | undefined;

  token(key: Buffer, kind: string, value: string): string {
    if (this.key !== key) {
      this.tokens.clear();
      this.key = key;
    }
    const name = `${kind}\u0000${value}`;
    let token = this.tokens.get(name);
    if (token === undefined) {
      token = blindToken(key, kind, value);
      if (this.tokens.size >= TOKEN_MEMORY) this.tokens.clear();
      this.tokens.set(name, token);
    }
    return token;
  }
}

/**
 * One token of a blind index: HMAC-SHA256(key, kind + NUL + value), first 8 bytes as a signed big-endian 64-bit
 * integer, in decimal (the text Postgres reads as a bigint). Stored in bigint[] columns: the GIN indexes compare
 * 8-byte integers, not texts by collation.
 */
export function blindToken(key: Buffer, kind: string, value: string): string {
  return crypto.createHmac('sha256', key).update(`${kind}\u0000${value}`).digest().readBigInt64BE(0).toString();
}

/** Replaces the search tokens of one message (its text was edited): no tokens, no row. */
export async function writeSearchTerms(db: Kysely<Database>, messageId: string, tokens: readonly string[]): Promise<void> {
  if (tokens.length === 0) {
    await db.deleteFrom('message_terms').where('message_id', '=', messageId).execute();
    return;
  }
  await db
    .insertInto('message_terms')
    .values({ message_id: messageId, tokens: [...tokens] })
    .onConflict((oc) => oc.column('message_id').doUpdateSet({ tokens: [...tokens] }))
    .execute();
}
