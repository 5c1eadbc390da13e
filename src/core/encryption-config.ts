/**
 * Where the key for message bodies at rest comes from (docs/encryption.md):
 *   RXBRIDGE_ENCRYPTION_KEY        the current key, 32 bytes in base64
 *   RXBRIDGE_ENCRYPTION_KEY_FILE   a file holding it (base64 text, or exactly 32 raw bytes)
 *   RXBRIDGE_ENCRYPTION_KEY_ID     the current key's id (default: derived from the key, see defaultKeyId)
 *   RXBRIDGE_ENCRYPTION_OLD_KEYS   `id:base64,…` (or bare base64: id derived) keys that only decrypt
 *   RXBRIDGE_STORE_PLAINTEXT=true  new bodies are stored unencrypted: the explicit plain choice
 * With no key given and no plain choice, the key is DATA_DIR/encryption.key, created (mode 0600) on first
 * start so a zero-config `npm start` still encrypts. readBodyKeySetup only reads; createKeyFile writes.
 * Error messages name variables and files, never key material.
 */
import fs from 'node:fs';
import path from 'node:path';
import { refuseOpenPermissions } from './private-file';
import { checkKeyId, defaultKeyId, generateKeyBase64, KEY_BYTES, parseKey, type BodyKey } from './crypto-box';

export const DEFAULT_KEY_FILE = 'encryption.key';

export type BodyKeySetup =
  /** New bodies in plain text; `older` keys still open bodies sealed before. */
  | { mode: 'plaintext'; older: BodyKey[] }
  /** A configured key (env, key file, or the default file already present). `origin` is a variable or file name. */
  | { mode: 'key'; current: BodyKey; older: BodyKey[]; origin: string }
  /** No key yet: the default file is to be created (`file` undefined: an in-memory store, so an in-memory key). */
  | { mode: 'create'; file: string | undefined; keyId: string | undefined; older: BodyKey[] };

type Env = Record<string, string | undefined>;

export function readBodyKeySetup(env: Env, dataDir: string): BodyKeySetup {
  const older = parseOldKeys(env.RXBRIDGE_ENCRYPTION_OLD_KEYS);
  const plain = env.RXBRIDGE_STORE_PLAINTEXT?.trim().toLowerCase();
  if (plain !== undefined && plain !== '' && plain !== 'true' && plain !== 'false') {
    throw new Error('RXBRIDGE_STORE_PLAINTEXT must be true or false');
  }
  const inline = env.RXBRIDGE_ENCRYPTION_KEY || undefined;
  const file = env.RXBRIDGE_ENCRYPTION_KEY_FILE || undefined;
  const keyId = env.RXBRIDGE_ENCRYPTION_KEY_ID ? checkKeyId(env.RXBRIDGE_ENCRYPTION_KEY_ID, 'RXBRIDGE_ENCRYPTION_KEY_ID') : undefined;
  if (inline && file) throw new Error('set RXBRIDGE_ENCRYPTION_KEY or RXBRIDGE_ENCRYPTION_KEY_FILE, not both');
  if (plain === 'true') {
    if (inline || file) throw new Error('RXBRIDGE_STORE_PLAINTEXT=true contradicts the encryption key that is set; choose one');
    return { mode: 'plaintext', older };
  }
  const withId = (key: Buffer): BodyKey => ({ id: keyId ?? defaultKeyId(key), key });
  if (inline)
    return { mode: 'key', current: withId(parseKey(inline, 'RXBRIDGE_ENCRYPTION_KEY')), older, origin: 'RXBRIDGE_ENCRYPTION_KEY' };
  if (file) return { mode: 'key', current: withId(readKeyFile(file, 'RXBRIDGE_ENCRYPTION_KEY_FILE')), older, origin: file };
  if (dataDir.startsWith('memory://')) return { mode: 'create', file: undefined, keyId, older };
  const defaultFile = path.join(dataDir, DEFAULT_KEY_FILE);
  if (fs.existsSync(defaultFile))
    return { mode: 'key', current: withId(readKeyFile(defaultFile, defaultFile)), older, origin: defaultFile };
  return { mode: 'create', file: defaultFile, keyId, older };
}

/**
 * Creates the key file with a fresh key, readable by its owner only, atomically: written under a temporary
 * name and hard-linked into place, so a process starting at the same moment either wins or reads the whole
 * file the other wrote. `file` undefined: a key in memory only.
 */
export function createKeyFile(file: string | undefined, keyId: string | undefined): { key: BodyKey; created: boolean } {
  const fresh = parseKey(generateKeyBase64(), 'generated key');
  if (file === undefined) return { key: { id: keyId ?? defaultKeyId(fresh), key: fresh }, created: true };
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
  fs.writeFileSync(tmp, `${fresh.toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
  let created = true;
  try {
    fs.linkSync(tmp, file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    created = false;
  } finally {
    fs.rmSync(tmp, { force: true });
  }
  const key = readKeyFile(file, file);
  return { key: { id: keyId ?? defaultKeyId(key), key }, created };
}

/**
 * A key file: base64 text (surrounding whitespace ignored) or exactly 32 raw bytes. Refused, as ssh refuses a
 * private key, when its group or other users have any permission on it (it must be 0600 or 0400).
 */
export function readKeyFile(file: string, what: string): Buffer {
  refuseOpenPermissions(file, 0o077, 'the encryption key file');
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (err) {
    throw new Error(`cannot read the encryption key file ${file} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  if (bytes.length === KEY_BYTES && !/^[A-Za-z0-9+/=\s]+$/.test(bytes.toString('latin1'))) return bytes;
  return parseKey(bytes.toString('latin1'), what);
}

/** `id:base64,id2:base64` (an entry without `id:` gets the derived id); empty or unset: none. */
export function parseOldKeys(text: string | undefined): BodyKey[] {
  if (!text?.trim()) return [];
  return text
    .split(',')
    .map((entry) => entry.trim())
    .filter((e) => e !== '')
    .map((entry, i) => {
      const what = `RXBRIDGE_ENCRYPTION_OLD_KEYS entry ${i + 1}`;
      const colon = entry.indexOf(':');
      const key = parseKey(colon < 0 ? entry : entry.slice(colon + 1), what);
      return { id: colon < 0 ? defaultKeyId(key) : checkKeyId(entry.slice(0, colon).trim(), `${what}'s id`), key };
    });
}
