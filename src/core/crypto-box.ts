/**
 * AES-256-GCM envelopes for message bodies at rest (node:crypto only; no I/O).
 *
 * An envelope is text, so it fits the store's text column: `rxb1.<keyId>.<base64(iv[12] | tag[16] | ciphertext)>`.
 * The header `rxb1.<keyId>` is authenticated data: a changed key id, IV, tag or ciphertext byte makes open() fail.
 * A Keyring holds the current key (which seals) and older keys (which only open). Each key becomes a KeyObject
 * once, so sealing a body costs one cipher set-up and a random IV, never a key derivation.
 *
 * Errors are CryptoBoxError with a reason: `unknown-key` (the envelope names a key the ring does not hold),
 * `tampered` (authentication failed: altered bytes, or another key under the same id), `malformed` (not an
 * envelope), `bad-key` (key material of the wrong size or encoding). Messages name key ids, never key bytes.
 */
import crypto from 'node:crypto';
import { pooledRandomBytes } from './random-pool';

export const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const FORMAT = 'rxb1';
/** Key ids: short, printable, safe in logs, file names and the envelope header (no '.'). */
export const KEY_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

export type CryptoBoxErrorReason = 'unknown-key' | 'tampered' | 'malformed' | 'bad-key';

export class CryptoBoxError extends Error {
  constructor(
    readonly reason: CryptoBoxErrorReason,
    message: string,
  ) {
    super(message);
    this.name = 'CryptoBoxError';
  }
}

/** A 32-byte key and the id it is stored under. */
export interface BodyKey {
  readonly id: string;
  readonly key: Buffer;
}

/** Decodes base64 key material; `what` names its source in the error (an env var, a file). */
export function parseKey(base64: string, what: string): Buffer {
  const text = base64.trim();
  const key = Buffer.from(text, 'base64');
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(text) || key.length !== KEY_BYTES) {
    throw new CryptoBoxError(
      'bad-key',
      `${what} must be ${KEY_BYTES} bytes in base64 (44 characters, e.g. from \`rxbridge keys generate\`)`,
    );
  }
  return key;
}

/** The default id of a key: `k` + 10 hex digits of a hash of it (stable, reveals nothing usable). */
export function defaultKeyId(key: Buffer): string {
  return `k${crypto.createHash('sha256').update('rxbridge body key id\0').update(key).digest('hex').slice(0, 10)}`;
}

export function checkKeyId(id: string, what: string): string {
  if (!KEY_ID_PATTERN.test(id)) throw new CryptoBoxError('bad-key', `${what} must be 1 to 64 letters, digits, "_" or "-"`);
  return id;
}

/** A fresh random key, base64 (what `rxbridge keys generate` prints and the key file holds). */
export function generateKeyBase64(): string {
  return crypto.randomBytes(KEY_BYTES).toString('base64');
}

/** The key id an envelope names, or undefined when the text is not an envelope. */
export function envelopeKeyId(envelope: string): string | undefined {
  if (!envelope.startsWith(`${FORMAT}.`)) return undefined;
  const dot = envelope.indexOf('.', FORMAT.length + 1);
  if (dot < 0) return undefined;
  const id = envelope.slice(FORMAT.length + 1, dot);
  return KEY_ID_PATTERN.test(id) ? id : undefined;
}

export class Keyring {
  private readonly keys = new Map<string, crypto.KeyObject>();
  readonly currentKeyId: string;

  /** `current` seals and opens; `older` keys only open (bodies sealed before a rotation). */
  constructor(current: BodyKey, older: readonly BodyKey[] = []) {
    for (const k of [current, ...older]) {
      checkKeyId(k.id, `key id "${k.id}"`);
      if (k.key.length !== KEY_BYTES) throw new CryptoBoxError('bad-key', `key ${k.id} must be ${KEY_BYTES} bytes`);
      const existing = this.keys.get(k.id);
      const object = crypto.createSecretKey(k.key);
      if (existing && !existing.equals(object)) throw new CryptoBoxError('bad-key', `key id ${k.id} is given twice with different keys`);
      this.keys.set(k.id, object);
    }
    this.currentKeyId = current.id;
  }

  has(keyId: string): boolean {
    return this.keys.has(keyId);
  }

  /** Every key id the ring can open. */
  keyIds(): string[] {
    return [...this.keys.keys()];
  }

  /**
   * A key for another purpose derived from each key of the ring (HKDF-SHA256, `label` as info), the current
   * key's first: the search index's hashing key (src/store/search-index.ts). The ring's own keys never leave it.
   */
  derive(label: string): Array<{ id: string; key: Buffer }> {
    const order = [this.currentKeyId, ...[...this.keys.keys()].filter((id) => id !== this.currentKeyId)];
    return order.map((id) => ({
      id,
      key: Buffer.from(crypto.hkdfSync('sha256', this.keys.get(id) as crypto.KeyObject, '', label, KEY_BYTES)),
    }));
  }

  /** Encrypts UTF-8 text under the current key. */
  seal(plaintext: string): string {
    const header = `${FORMAT}.${this.currentKeyId}`;
    const iv = pooledRandomBytes(IV_BYTES);
    const cipher = crypto.createCipheriv('aes-256-gcm', this.keys.get(this.currentKeyId) as crypto.KeyObject, iv);
    cipher.setAAD(Buffer.from(header, 'utf8'));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return `${header}.${Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64')}`;
  }

  /** Decrypts an envelope sealed by any key of the ring. */
  open(envelope: string): string {
    const keyId = envelopeKeyId(envelope);
    if (keyId === undefined) throw new CryptoBoxError('malformed', 'stored body is not an rxb1 envelope');
    const key = this.keys.get(keyId);
    if (!key) throw new CryptoBoxError('unknown-key', `stored body is encrypted with key ${keyId}, which is not configured`);
    const header = `${FORMAT}.${keyId}`;
    const packed = Buffer.from(envelope.slice(header.length + 1), 'base64');
    if (packed.length < IV_BYTES + TAG_BYTES) throw new CryptoBoxError('malformed', `stored body under key ${keyId} is truncated`);
    try {
      const decipher = crypto.createDecipheriv('aes-256-gcm', key, packed.subarray(0, IV_BYTES), { authTagLength: TAG_BYTES });
      decipher.setAAD(Buffer.from(header, 'utf8'));
      decipher.setAuthTag(packed.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
      const plain = Buffer.concat([decipher.update(packed.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]);
      return plain.toString('utf8');
    } catch {
      throw new CryptoBoxError(
        'tampered',
        `stored body under key ${keyId} failed authentication: it was altered, or the configured key ${keyId} is not the key it was sealed with`,
      );
    }
  }
}
