/**
 * Where the body key comes from (src/core/encryption-config.ts): environment, key files, the default key file
 * made on first start (0600, atomic), the explicit plain choice, and the errors for contradictory settings.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { defaultKeyId, generateKeyBase64 } from '../../src/core/crypto-box';
import { createKeyFile, parseOldKeys, readBodyKeySetup } from '../../src/core/encryption-config';

let dir: string;
beforeEach(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rxb-keys-')); });
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('readBodyKeySetup', () => {
  test('no configuration: the default key file is to be created under DATA_DIR', () => {
    expect(readBodyKeySetup({}, dir)).toEqual({ mode: 'create', file: path.join(dir, 'encryption.key'), keyId: undefined, older: [] });
  });

  test('the default key file, once it exists, is the key (id derived from it)', () => {
    const { key, created } = createKeyFile(path.join(dir, 'encryption.key'), undefined);
    expect(created).toBe(true);
    const setup = readBodyKeySetup({}, dir);
    expect(setup).toMatchObject({ mode: 'key', origin: path.join(dir, 'encryption.key') });
    if (setup.mode !== 'key') throw new Error('unreachable');
    expect(setup.current.key.equals(key.key)).toBe(true);
    expect(setup.current.id).toBe(defaultKeyId(key.key));
  });

  test('RXBRIDGE_ENCRYPTION_KEY with an explicit id', () => {
    const b64 = generateKeyBase64();
    const setup = readBodyKeySetup({ RXBRIDGE_ENCRYPTION_KEY: b64, RXBRIDGE_ENCRYPTION_KEY_ID: '2026-q1' }, dir);
    expect(setup).toMatchObject({ mode: 'key', current: { id: '2026-q1' }, origin: 'RXBRIDGE_ENCRYPTION_KEY' });
  });

  test('a key file its group or other users may read is refused, as ssh refuses a private key; 0600 and 0400 are used', () => {
    const file = path.join(dir, 'k.txt');
    fs.writeFileSync(file, `${generateKeyBase64()}\n`);
    for (const mode of [0o644, 0o640, 0o604, 0o660]) {
      fs.chmodSync(file, mode);
      expect(() => readBodyKeySetup({ RXBRIDGE_ENCRYPTION_KEY_FILE: file }, dir))
        .toThrow(`the encryption key file ${file} can be read or written by its group or other users (mode 0${mode.toString(8)}); a secret key must be private: chmod 600 ${file}`);
    }
    // The default file under DATA_DIR too.
    const { key } = createKeyFile(path.join(dir, 'encryption.key'), undefined);
    fs.chmodSync(path.join(dir, 'encryption.key'), 0o644);
    expect(() => readBodyKeySetup({}, dir)).toThrow(/encryption\.key can be read or written by its group/);
    fs.chmodSync(path.join(dir, 'encryption.key'), 0o600);
    expect(readBodyKeySetup({}, dir)).toMatchObject({ mode: 'key', current: { id: defaultKeyId(key.key) } });
    for (const mode of [0o600, 0o400]) {
      fs.chmodSync(file, mode);
      expect(readBodyKeySetup({ RXBRIDGE_ENCRYPTION_KEY_FILE: file }, dir)).toMatchObject({ mode: 'key', origin: file });
    }
  });

  test('RXBRIDGE_ENCRYPTION_KEY_FILE: base64 text or 32 raw bytes', () => {
    const text = path.join(dir, 'k.txt');
    const raw = path.join(dir, 'k.bin');
    const b64 = generateKeyBase64();
    fs.writeFileSync(text, `${b64}\n`, { mode: 0o600 });
    let rawKey = crypto.randomBytes(32);
    while (/^[A-Za-z0-9+/=\s]+$/.test(rawKey.toString('latin1'))) rawKey = crypto.randomBytes(32);
    fs.writeFileSync(raw, rawKey, { mode: 0o600 });
    const a = readBodyKeySetup({ RXBRIDGE_ENCRYPTION_KEY_FILE: text }, dir);
    const b = readBodyKeySetup({ RXBRIDGE_ENCRYPTION_KEY_FILE: raw }, dir);
    if (a.mode !== 'key' || b.mode !== 'key') throw new Error('expected keys');
    expect(a.current.key.toString('base64')).toBe(b64);
    expect(b.current.key.equals(rawKey)).toBe(true);
    expect(() => readBodyKeySetup({ RXBRIDGE_ENCRYPTION_KEY_FILE: path.join(dir, 'missing') }, dir)).toThrow(/cannot read the encryption key file .*missing \(ENOENT\)/);
  });

  test('RXBRIDGE_STORE_PLAINTEXT=true is the explicit plain choice; it cannot be combined with a key', () => {
    expect(readBodyKeySetup({ RXBRIDGE_STORE_PLAINTEXT: 'true' }, dir)).toEqual({ mode: 'plaintext', older: [] });
    expect(() => readBodyKeySetup({ RXBRIDGE_STORE_PLAINTEXT: 'true', RXBRIDGE_ENCRYPTION_KEY: generateKeyBase64() }, dir)).toThrow(/contradicts/);
    expect(() => readBodyKeySetup({ RXBRIDGE_STORE_PLAINTEXT: 'yes' }, dir)).toThrow(/must be true or false/);
    expect(readBodyKeySetup({ RXBRIDGE_STORE_PLAINTEXT: 'false' }, dir).mode).toBe('create');
  });

  test('bad settings are refused with the variable named and the key never repeated', () => {
    const short = crypto.randomBytes(31).toString('base64');
    let message = '';
    try { readBodyKeySetup({ RXBRIDGE_ENCRYPTION_KEY: short }, dir); } catch (err) { message = (err as Error).message; }
    expect(message).toMatch(/^RXBRIDGE_ENCRYPTION_KEY must be 32 bytes in base64/);
    expect(message).not.toContain(short);
    expect(() => readBodyKeySetup({ RXBRIDGE_ENCRYPTION_KEY: generateKeyBase64(), RXBRIDGE_ENCRYPTION_KEY_FILE: 'x' }, dir)).toThrow(/not both/);
    expect(() => readBodyKeySetup({ RXBRIDGE_ENCRYPTION_KEY: generateKeyBase64(), RXBRIDGE_ENCRYPTION_KEY_ID: 'a.b' }, dir)).toThrow(/RXBRIDGE_ENCRYPTION_KEY_ID must be/);
  });

  test('an in-memory store gets an in-memory key (nothing written)', () => {
    expect(readBodyKeySetup({}, 'memory://')).toMatchObject({ mode: 'create', file: undefined });
    expect(createKeyFile(undefined, 'mem').key.id).toBe('mem');
  });
});

describe('createKeyFile', () => {
  test('writes a base64 key readable by its owner only', () => {
    const file = path.join(dir, 'sub', 'encryption.key');
    const { key } = createKeyFile(file, undefined);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(fs.readFileSync(file, 'utf8').trim()).toBe(key.key.toString('base64'));
    expect(fs.readdirSync(path.dirname(file))).toEqual(['encryption.key']);
  });

  test('a second creator finds the file and uses the key already there', () => {
    const file = path.join(dir, 'encryption.key');
    const first = createKeyFile(file, undefined);
    const second = createKeyFile(file, undefined);
    expect(second.created).toBe(false);
    expect(second.key.key.equals(first.key.key)).toBe(true);
  });
});

describe('parseOldKeys', () => {
  test('id:base64 entries, and bare base64 with the derived id', () => {
    const a = generateKeyBase64();
    const b = generateKeyBase64();
    const keys = parseOldKeys(` old1:${a}, ${b} ,`);
    expect(keys.map((k) => k.id)).toEqual(['old1', defaultKeyId(Buffer.from(b, 'base64'))]);
    expect(parseOldKeys(undefined)).toEqual([]);
    expect(() => parseOldKeys('x:short')).toThrow(/RXBRIDGE_ENCRYPTION_OLD_KEYS entry 1 must be 32 bytes/);
  });
});
