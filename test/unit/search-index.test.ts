import { searchTermsOf } from '../../src/hl7/search-terms';
import { BodyCodec } from '../../src/store/bodies';
import { blindToken, MAX_NAME_PREFIX, MessageSearchIndex, TokenMemory } from '../../src/store/search-index';

const key = (byte: number) => ({ id: `k${byte}`, key: Buffer.alloc(32, byte) });

const MESSAGE = [
  'MSH|^~\\&|RXSYS|PHARM01|RXBRIDGE|HOSP|20240310143500||RDS^O13^RDS_O13|C1|P|2.5.1',
  'PID|1|EXT-9|MRN100^^^PHARM01^MR~ALT\\T\\7^^^OTHER^PI||O\'Brien&van^Alex~Smith^Al||19800115|F',
  'RXE||0093-0058-01^AMOX^NDC|1||CAP|||||30|CAP||||RX-7001',
  'RXD|1|0093-0058-01^AMOX^NDC|20240310|30|CAP||RX-7001^^PHARM',
  'RXD|2|0093-0058-01^AMOX^NDC|20240311|30|CAP||RX-7002',
].join('\r');

describe('searchTermsOf', () => {
  it('reads patient ids (PID-2, every PID-3 repetition), family names (first subcomponent) and Rx numbers, unescaped', () => {
    expect(searchTermsOf(MESSAGE)).toEqual({
      patientIds: ['EXT-9', 'MRN100', 'ALT&7'],
      familyNames: ["O'Brien", 'Smith'],
      rxNumbers: ['RX-7001', 'RX-7002'],
    });
  });

  it('has no terms for text without a readable MSH, and ignores empty fields', () => {
    expect(searchTermsOf('PID|1||X')).toEqual({ patientIds: [], familyNames: [], rxNumbers: [] });
    expect(searchTermsOf('MSH|^~\\&|A|B|C|D|1||ADT^A08|1|P|2.5\rPID|1||')).toEqual({ patientIds: [], familyNames: [], rxNumbers: [] });
  });
});

describe('MessageSearchIndex', () => {
  const index = MessageSearchIndex.forBodies(BodyCodec.encrypted(key(1)));
  const tokens = new Set(index.tokensOf(MESSAGE));

  it('finds a message by patient id, family-name prefix and Rx number, case-insensitively, and not by other values', () => {
    const hits = (t: string[]) => t.some((x) => tokens.has(x));
    expect(hits(index.patientTokens('mrn100'))).toBe(true);
    expect(hits(index.patientTokens('ALT&7'))).toBe(true);
    expect(hits(index.patientTokens('o'))).toBe(true);
    expect(hits(index.patientTokens("O'BRI"))).toBe(true);
    expect(hits(index.patientTokens('smith'))).toBe(true);
    expect(hits(index.patientTokens('smithers'))).toBe(false);
    expect(hits(index.patientTokens('MRN10'))).toBe(false); // ids match exactly
    expect(hits(index.rxTokens('rx-7002'))).toBe(true);
    expect(hits(index.rxTokens('RX-700'))).toBe(false);
    expect(hits(index.patientTokens('RX-7001'))).toBe(false); // kinds do not mix
  });

  it('stores tokens, never the values, and indexes name prefixes up to MAX_NAME_PREFIX characters', () => {
    // Each token is a signed 64-bit integer in decimal (a bigint of message_terms.tokens).
    expect([...tokens].every((t) => /^-?\d{1,19}$/.test(t) && BigInt(t) >= -(2n ** 63n) && BigInt(t) < 2n ** 63n)).toBe(true);
    expect([...tokens].join(' ')).not.toMatch(/mrn|brien|smith|rx-/i);
    const long = 'A'.repeat(40);
    const many = index.tokensOf(`MSH|^~\\&|A|B|C|D|1||ADT^A08|1|P|2.5\rPID|1||ID1||${long}`);
    expect(many).toHaveLength(1 + MAX_NAME_PREFIX);
    expect(many.some((t) => index.patientTokens(long).includes(t))).toBe(true); // a longer term is cut to the prefix
  });

  it('depends on the key: another key cannot read the tokens; a rotated index still searches with the old key', () => {
    const other = MessageSearchIndex.forBodies(BodyCodec.encrypted(key(2)));
    expect(other.tokensOf(MESSAGE).some((t) => tokens.has(t))).toBe(false);
    const rotated = MessageSearchIndex.forBodies(BodyCodec.encrypted(key(2), [key(1)]));
    expect(rotated.patientTokens('mrn100').some((t) => tokens.has(t))).toBe(true);
    expect(rotated.tokensOf(MESSAGE)).toEqual(other.tokensOf(MESSAGE)); // new messages: the current key
  });

  it('in plain mode writes with the public key and still finds what encrypted mode wrote while that key is configured', () => {
    const plain = MessageSearchIndex.forBodies(BodyCodec.plaintext([key(1)]));
    expect(plain.patientTokens('mrn100').some((t) => tokens.has(t))).toBe(true);
    expect(plain.tokensOf(MESSAGE)).toEqual(MessageSearchIndex.forBodies(BodyCodec.plaintext()).tokensOf(MESSAGE));
  });
});

describe('TokenMemory', () => {
  test('gives what blindToken gives, per key, also once it has started over', () => {
    const memory = new TokenMemory();
    const k1 = Buffer.alloc(32, 1);
    const k2 = Buffer.alloc(32, 2);
    for (let i = 0; i < 60_010; i += 997) {
      expect(memory.token(k1, 'w', `word${i}`)).toBe(blindToken(k1, 'w', `word${i}`));
      expect(memory.token(k1, 'w', `word${i}`)).toBe(blindToken(k1, 'w', `word${i}`));
      expect(memory.token(k2, 'fam', `word${i}`)).toBe(blindToken(k2, 'fam', `word${i}`));
    }
    expect(memory.token(k1, 'pid', 'a')).not.toBe(memory.token(k1, 'rx', 'a'));
    for (let i = 0; i < 60_000; i++) memory.token(k1, 'w', `n${i}`);
    expect(memory.token(k1, 'w', 'n5')).toBe(blindToken(k1, 'w', 'n5'));
  });
});
