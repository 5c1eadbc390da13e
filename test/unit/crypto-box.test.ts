/**
 * The AES-256-GCM envelope for message bodies (src/core/crypto-box.ts) and the store's codec over it
 * (src/store/bodies.ts): round trips, key ids, wrong keys and tampering fail loudly, never silently.
 */
import crypto from 'node:crypto';
import {
  CryptoBoxError, defaultKeyId, envelopeKeyId, generateKeyBase64, Keyring, parseKey, type BodyKey,
} from '../../src/core/crypto-box';
import { EngineError } from '../../src/core/errors';
import { BodyCodec } from '../../src/store/bodies';

const HL7 = 'MSH|^~\\&|RXSYS|PHARM01|RXBRIDGE|BILLING|20261103101500||DFT^P03|CTL-1|P|2.5.1\rPID|1||MRN001^^^PHARM01^MR||TESTPATIENT^ALEX';
const key = (id: string): BodyKey => ({ id, key: crypto.randomBytes(32) });

function boxError(fn: () => unknown): CryptoBoxError {
  try {
    fn();
  } catch (err) {
    if (err instanceof CryptoBoxError) return err;
    throw err;
  }
  throw new Error('expected a CryptoBoxError');
}

/** Flips one bit of the packed bytes (iv | tag | ciphertext) at `index`. */
function flip(envelope: string, index: number): string {
  const cut = envelope.lastIndexOf('.') + 1;
  const packed = Buffer.from(envelope.slice(cut), 'base64');
  packed[index] = (packed[index] as number) ^ 0x01;
  return envelope.slice(0, cut) + packed.toString('base64');
}

describe('Keyring (AES-256-GCM envelope)', () => {
  const k1 = key('k1');
  const ring = new Keyring(k1);

  test('round trip: seal then open gives the text back, including non-ASCII text', () => {
    for (const text of [HL7, '', 'Müller^José\r', 'x'.repeat(100_000)]) expect(ring.open(ring.seal(text))).toBe(text);
  });

  test('the envelope names its key id, hides the text, and differs every time (random IV)', () => {
    const a = ring.seal(HL7);
    const b = ring.seal(HL7);
    expect(a).toMatch(/^rxb1\.k1\.[A-Za-z0-9+/]+=*$/);
    expect(envelopeKeyId(a)).toBe('k1');
    expect(a).not.toContain('MSH|');
    expect(Buffer.from(a.split('.')[2]!, 'base64').toString('latin1')).not.toContain('PID|');
    expect(a).not.toBe(b);
    expect(ring.currentKeyId).toBe('k1');
  });

  test('older keys open what they sealed; the current key seals', () => {
    const old = new Keyring(k1);
    const sealedOld = old.seal(HL7);
    const k2 = key('k2');
    const rotated = new Keyring(k2, [k1]);
    expect(rotated.open(sealedOld)).toBe(HL7);
    expect(envelopeKeyId(rotated.seal(HL7))).toBe('k2');
    expect(rotated.keyIds().sort()).toEqual(['k1', 'k2']);
  });

  test('a key id that is not in the ring: unknown-key, naming the id', () => {
    const err = boxError(() => new Keyring(key('k2')).open(ring.seal(HL7)));
    expect(err.reason).toBe('unknown-key');
    expect(err.message).toContain('k1');
    expect(err.message).not.toContain('MSH');
  });

  test('a wrong key under the same id: tampered (authentication fails), with a clear message', () => {
    const err = boxError(() => new Keyring(key('k1')).open(ring.seal(HL7)));
    expect(err.reason).toBe('tampered');
    expect(err.message).toMatch(/failed authentication/);
  });

  test('any altered byte (IV, tag, ciphertext) fails authentication', () => {
    const sealed = ring.seal(HL7);
    for (const index of [0, 11, 12, 27, 28, 40]) expect(boxError(() => ring.open(flip(sealed, index))).reason).toBe('tampered');
  });

  test('a changed key id in the header fails authentication (the header is authenticated)', () => {
    const k2 = { id: 'k2', key: k1.key };
    const both = new Keyring(k1, [k2]);
    const moved = both.seal(HL7).replace('rxb1.k1.', 'rxb1.k2.');
    expect(boxError(() => both.open(moved)).reason).toBe('tampered');
  });

  test('not an envelope, or a truncated one: malformed', () => {
    expect(boxError(() => ring.open(HL7)).reason).toBe('malformed');
    expect(boxError(() => ring.open('rxb1.k1.AAAA')).reason).toBe('malformed');
  });

  test('keys must be 32 bytes; ids must be short and printable; one id cannot name two keys', () => {
    expect(boxError(() => new Keyring({ id: 'k1', key: crypto.randomBytes(16) })).reason).toBe('bad-key');
    expect(boxError(() => new Keyring({ id: 'bad.id', key: crypto.randomBytes(32) })).reason).toBe('bad-key');
    expect(boxError(() => new Keyring(k1, [key('k1')])).message).toContain('given twice');
    expect(() => new Keyring(k1, [k1])).not.toThrow();
  });
});

describe('parseKey and key ids', () => {
  test('a generated key parses back to 32 bytes', () => {
    expect(parseKey(generateKeyBase64(), 'X')).toHaveLength(32);
    expect(parseKey(` ${generateKeyBase64()}\n`, 'X')).toHaveLength(32);
  });

  test('wrong size or not base64: the error names the source, never the value', () => {
    const short = crypto.randomBytes(16).toString('base64');
    const err = boxError(() => parseKey(short, 'RXBRIDGE_ENCRYPTION_KEY'));
    expect(err.message).toContain('RXBRIDGE_ENCRYPTION_KEY must be 32 bytes in base64');
    expect(err.message).not.toContain(short);
    expect(() => parseKey('not base64 at all!!!!!!!!!!!!!!!!!!!!!!!!!!!', 'X')).toThrow(CryptoBoxError);
  });

  test('the default key id is stable per key and differs between keys', () => {
    const a = crypto.randomBytes(32);
    expect(defaultKeyId(a)).toBe(defaultKeyId(Buffer.from(a)));
    expect(defaultKeyId(a)).toMatch(/^k[0-9a-f]{10}$/);
    expect(defaultKeyId(a)).not.toBe(defaultKeyId(crypto.randomBytes(32)));
  });
});

describe('BodyCodec (the store view)', () => {
  const k1 = key('k1');

  test('encrypted: seals under the current key and opens it; plain rows (key id null) pass through', () => {
    const codec = BodyCodec.encrypted(k1);
    const sealed = codec.seal(HL7);
    expect(sealed.keyId).toBe('k1');
    expect(sealed.content).not.toContain('MSH|');
    expect(codec.open(sealed.content, sealed.keyId)).toBe(HL7);
    expect(codec.open(HL7, null)).toBe(HL7);
    expect(codec.openNullable(null, null)).toBeNull();
  });

  test('plaintext: seals nothing, and still opens bodies under the older keys it is given', () => {
    const sealed = BodyCodec.encrypted(k1).seal(HL7);
    const plain = BodyCodec.plaintext([k1]);
    expect(plain.seal(HL7)).toEqual({ content: HL7, keyId: null });
    expect(plain.currentKeyId).toBeNull();
    expect(plain.open(sealed.content, 'k1')).toBe(HL7);
    expect(() => BodyCodec.plaintext().open(sealed.content, 'k1')).toThrow(/not configured/);
  });

  test('failures become BODY_UNREADABLE: wrong key, tampering, and a row key id that disagrees with the envelope', () => {
    const sealed = BodyCodec.encrypted(k1).seal(HL7);
    const wrong = (fn: () => unknown) => {
      try {
        fn();
      } catch (err) {
        return err as EngineError;
      }
      throw new Error('expected an error');
    };
    const otherKey = wrong(() => BodyCodec.encrypted(key('k1')).open(sealed.content, 'k1'));
    expect(otherKey).toBeInstanceOf(EngineError);
    expect(otherKey.code).toBe('BODY_UNREADABLE');
    expect(wrong(() => BodyCodec.encrypted(k1).open(flip(sealed.content, 30), 'k1')).code).toBe('BODY_UNREADABLE');
    expect(wrong(() => BodyCodec.encrypted(k1, [key('k9')]).open(sealed.content, 'k9')).code).toBe('BODY_UNREADABLE');
  });
});
