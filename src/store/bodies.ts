/**
 * Message bodies as the store keeps them (message_contents.content and key_id): a BodyCodec seals what is
 * written and opens what is read, so every reader (pipeline claim, message detail, mapping preview) gets plain
 * text. Row states: key_id set = an AES-256-GCM envelope under that key (src/core/crypto-box.ts); key_id null
 * = plain text (written in plain mode, or before encryption existed); content null = pruned by retention.
 *
 * openBodyCodec turns the key set-up (src/core/encryption-config.ts) into a codec at start-up, creating the
 * default key file when none exists, and refuses to start when the store holds bodies under a key that is not
 * configured (a lost key file must not be silently replaced while old bodies need it).
 */
import { sql, type Kysely } from 'kysely';
import { CryptoBoxError, envelopeKeyId, Keyring, type BodyKey } from '../core/crypto-box';
import { createKeyFile, type BodyKeySetup } from '../core/encryption-config';
import { EngineError } from '../core/errors';
import type { Logger } from '../core/logger';
import type { Database } from './types';

/** A body as written to message_contents. */
export interface SealedBody {
  content: string;
  /** The key it is sealed with; null = plain text. */
  keyId: string | null;
}

export class BodyCodec {
  private constructor(
    private readonly ring: Keyring | undefined,
    readonly encrypting: boolean,
  ) {}

  /** Seals nothing; `older` keys still open bodies sealed before the switch to plain text. */
  static plaintext(older: readonly BodyKey[] = []): BodyCodec {
    const [first, ...rest] = older;
    return new BodyCodec(first ? new Keyring(first, rest) : undefined, false);
  }

  /** Seals with `current`; opens bodies under it and under `older` (not yet rotated). */
  static encrypted(current: BodyKey, older: readonly BodyKey[] = []): BodyCodec {
    return new BodyCodec(new Keyring(current, older), true);
  }

  /** The key new bodies are sealed with; null in plain mode. */
  get currentKeyId(): string | null {
    return this.encrypting && this.ring ? this.ring.currentKeyId : null;
  }

  knows(keyId: string): boolean {
    return this.ring?.has(keyId) ?? false;
  }

  seal(text: string): SealedBody {
    if (!this.encrypting || !this.ring) return { content: text, keyId: null };
    return { content: this.ring.seal(text), keyId: this.ring.currentKeyId };
  }

  /** Plain text of a stored body. Throws BODY_UNREADABLE (no PHI in the message) when it cannot be opened. */
  open(content: string, keyId: string | null): string {
    if (keyId === null) return content;
    if (!this.ring) throw new EngineError('BODY_UNREADABLE', `stored body is encrypted with key ${keyId}, which is not configured`);
    try {
      if (envelopeKeyId(content) !== keyId) throw new CryptoBoxError('tampered', `stored body names another key than its row (${keyId})`);
      return this.ring.open(content);
    } catch (err) {
      if (err instanceof CryptoBoxError) throw new EngineError('BODY_UNREADABLE', err.message);
      throw err;
    }
  }

  /**
   * Keys derived from the body keys for `label` (Keyring.derive), the one new data is written with first:
   * none in plain mode, whose writes use no secret (its bodies are plain text anyway).
   */
  derivedKeys(label: string): { write: Buffer | null; read: Buffer[] } {
    const derived = this.ring?.derive(label) ?? [];
    return { write: this.encrypting ? (derived[0]?.key ?? null) : null, read: derived.map((d) => d.key) };
  }

  /** open() for a possibly pruned body: null stays null. */
  openNullable(content: string | null, keyId: string | null): string | null {
    return content === null ? null : this.open(content, keyId);
  }
}

/** A codec that stores plain text and opens nothing encrypted (the repository's default, for tests and tools). */
export const PLAINTEXT_BODIES = BodyCodec.plaintext();

/**
 * The distinct key ids of stored bodies, read with a loose index scan of message_contents_key_idx (one index
 * probe per key id, however many rows there are).
 */
export async function storedKeyIds(db: Kysely<Database>): Promise<string[]> {
  const result = await sql<{ id: string }>`
    with recursive k(id) as (
      (select key_id from message_contents where key_id is not null order by key_id limit 1)
      union all
      select (select c.key_id from message_contents c where c.key_id > k.id order by c.key_id limit 1) from k where k.id is not null
    )
    select id from k where id is not null`.execute(db);
  return result.rows.map((r) => r.id);
}

/** Key ids engine processes registered as the key they seal with (table body_keys). */
export async function registeredKeyIds(db: Kysely<Database>): Promise<string[]> {
  return (await db.selectFrom('body_keys').select('key_id').orderBy('key_id').execute()).map((r) => r.key_id);
}

/** Key ids the codec must know: those of stored bodies, and those other engine processes seal with. */
async function keyIdsInUse(db: Kysely<Database>): Promise<{ stored: string[]; registered: string[] }> {
  const [stored, registered] = await Promise.all([storedKeyIds(db), registeredKeyIds(db)]);
  return { stored, registered: registered.filter((id) => !stored.includes(id)) };
}

function refuseUnknown(inUse: { stored: string[]; registered: string[] }, knows: (id: string) => boolean, missingFile?: string): void {
  const stored = inUse.stored.filter((id) => !knows(id));
  const registered = inUse.registered.filter((id) => !knows(id));
  if (stored.length === 0 && registered.length === 0) return;
  const lost = missingFile
    ? `, but ${missingFile} is missing and no key is configured: restore the key file from its backup, or set ` +
      'RXBRIDGE_ENCRYPTION_KEY or RXBRIDGE_ENCRYPTION_KEY_FILE'
    : null;
  if (stored.length > 0) {
    throw new Error(
      `the store holds message bodies encrypted with key ${stored.join(', ')}${
        lost ??
        ', which is not configured: give it in RXBRIDGE_ENCRYPTION_OLD_KEYS as id:base64 (then `rxbridge keys rotate` moves those bodies to the current key)'
      }`,
    );
  }
  throw new Error(
    `another engine process on this store seals message bodies with key ${registered.join(', ')}, which is not configured here: ` +
      'give every engine process the same key (RXBRIDGE_ENCRYPTION_KEY or RXBRIDGE_ENCRYPTION_KEY_FILE), ' +
      'or add it to RXBRIDGE_ENCRYPTION_OLD_KEYS if it was retired',
  );
}

export interface OpenBodyCodecOptions {
  /** Create the default key file when no key is configured (the engine); false = fail instead (CLI tools). */
  createKey: boolean;
  /** Record the current key id in body_keys (engines: so a process with another key is refused). */
  register: boolean;
}

/**
 * The codec for a key set-up, after checking that it can open every body in the store and every body other
 * engine processes write (their key ids are in body_keys). Engines register their current key id; the check is
 * repeated after registering, so of two processes starting at once with different keys at most one runs.
 */
export async function openBodyCodec(
  db: Kysely<Database>,
  setup: BodyKeySetup,
  log: Logger,
  opts: OpenBodyCodecOptions = { createKey: true, register: true },
): Promise<BodyCodec> {
  let codec: BodyCodec;
  if (setup.mode === 'plaintext') {
    codec = BodyCodec.plaintext(setup.older);
    log.warn('message bodies are stored unencrypted (RXBRIDGE_STORE_PLAINTEXT=true)');
  } else if (setup.mode === 'key') {
    codec = BodyCodec.encrypted(setup.current, setup.older);
    log.info('message bodies are encrypted at rest', { reason: `key ${setup.current.id}`, file: setup.origin });
  } else {
    const older = BodyCodec.plaintext(setup.older);
    refuseUnknown(await keyIdsInUse(db), (id) => older.knows(id), setup.file);
    if (!opts.createKey) {
      throw new Error(
        `no encryption key is configured and ${setup.file ?? 'the default key file'} does not exist: ` +
          'start the engine once, or set RXBRIDGE_ENCRYPTION_KEY, RXBRIDGE_ENCRYPTION_KEY_FILE or RXBRIDGE_STORE_PLAINTEXT=true',
      );
    }
    const { key, created } = createKeyFile(setup.file, setup.keyId);
    codec = BodyCodec.encrypted(key, setup.older);
    if (created && setup.file !== undefined) {
      log.warn('generated the encryption key for message bodies: back this file up; without it stored messages cannot be read', {
        file: setup.file,
      });
    }
  }
  refuseUnknown(await keyIdsInUse(db), (id) => codec.knows(id));
  const current = codec.currentKeyId;
  if (opts.register && current !== null) {
    await db
      .insertInto('body_keys')
      .values({ key_id: current })
      .onConflict((oc) => oc.column('key_id').doNothing())
      .execute();
    refuseUnknown(await keyIdsInUse(db), (id) => codec.knows(id));
  }
  return codec;
}

/** After a rotation: forgets registered key ids other than `current` that no stored body uses any more. */
export async function forgetRetiredKeyIds(db: Kysely<Database>, current: string | null): Promise<string[]> {
  const rows = await sql<{ key_id: string }>`
    delete from body_keys k
     where k.key_id is distinct from ${current}
       and not exists (select 1 from message_contents c where c.key_id = k.key_id)
    returning k.key_id`.execute(db);
  return rows.rows.map((r) => r.key_id);
}
