/**
 * Credentials (src/admin/credentials.ts): scrypt password hashes with their parameters and a per-hash salt,
 * API tokens shaped rxb_<id>_<secret> and stored as SHA-256, and the rules for names and passwords.
 */
import { createHash } from 'node:crypto';
import {
  DEFAULT_SCRYPT, apiTokenId, hashPassword, newApiToken, passwordProblem, secretsEqual, tokenHash, usernameProblem, verifyPassword,
} from '../../src/admin/credentials';

/** Cheap parameters keep the test fast; the stored parameters are what verification uses. */
const FAST = { N: 1024, r: 8, p: 1 };

describe('password hashes', () => {
  it('verify the right password only, with the parameters and a random salt stored in the hash', async () => {
    const a = await hashPassword('correct horse battery', FAST);
    const b = await hashPassword('correct horse battery', FAST);
    expect(a).toMatch(/^scrypt\$1024\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
    expect(a).not.toBe(b); // per-hash salt
    expect(await verifyPassword('correct horse battery', a)).toBe(true);
    expect(await verifyPassword('correct horse batterY', a)).toBe(false);
    expect(await verifyPassword('', a)).toBe(false);
  });

  it('use the default cost unless told otherwise, and verify a hash made with other parameters', async () => {
    const strong = await hashPassword('a long enough password');
    expect(strong.split('$').slice(1, 4).map(Number)).toEqual([DEFAULT_SCRYPT.N, DEFAULT_SCRYPT.r, DEFAULT_SCRYPT.p]);
    expect(await verifyPassword('a long enough password', strong)).toBe(true);
  });

  it('refuse a hash that was tampered with or that this code cannot read', async () => {
    const h = await hashPassword('correct horse battery', FAST);
    const parts = h.split('$');
    // Flip one bit of the stored key's first byte: always a different key, whatever the random salt made.
    const key = Buffer.from(parts[5]!, 'base64url');
    key[0] = key[0]! ^ 1;
    const flipped = [...parts.slice(0, 5), key.toString('base64url')].join('$');
    expect(await verifyPassword('correct horse battery', flipped)).toBe(false);
    expect(await verifyPassword('correct horse battery', h.replace('$1024$', '$2048$'))).toBe(false);
    for (const bad of ['', 'plain', 'bcrypt$1$2$3$4$5', 'scrypt$x$8$1$aa$bb', `scrypt$${2 ** 24}$8$1$aa$bb`]) {
      expect(await verifyPassword('correct horse battery', bad)).toBe(false);
    }
  });

  it('normalize Unicode, so the same password typed two ways matches', async () => {
    const h = await hashPassword('café au lait 42!', FAST);
    expect(await verifyPassword('cafe\u0301 au lait 42!', h)).toBe(true);
  });
});

describe('API tokens', () => {
  it('are rxb_<id>_<256 random bits>, name their row, and differ every time', () => {
    const t = newApiToken('42');
    expect(t).toMatch(/^rxb_42_[A-Za-z0-9_-]{43}$/);
    expect(apiTokenId(t)).toBe('42');
    expect(newApiToken('42')).not.toBe(t);
  });

  it('are recognized only in that exact shape', () => {
    const secret = 'A'.repeat(43);
    for (const bad of ['', 'rxb_42', `rxb_0_${secret}`, `rxb_x_${secret}`, `rxb_42_${secret}A`, `xrxb_42_${secret}`, `rxb_42_${secret} `]) {
      expect(apiTokenId(bad)).toBeUndefined();
    }
  });

  it('are stored as their SHA-256 only', () => {
    const t = newApiToken('7');
    expect(tokenHash(t)).toBe(createHash('sha256').update(t).digest('hex'));
    expect(tokenHash(t)).not.toContain(t.slice(6));
  });

  it('compare in constant time whatever the lengths', () => {
    expect(secretsEqual('abc', 'abc')).toBe(true);
    expect(secretsEqual('abc', 'abcd')).toBe(false);
    expect(secretsEqual('', 'x')).toBe(false);
  });
});

describe('rules for names and passwords', () => {
  it('accept ordinary user names and refuse odd ones', () => {
    for (const ok of ['alice', 'j.smith', 'billing-2', 'ops_lead']) expect(usernameProblem(ok)).toBeUndefined();
    for (const bad of ['', 'a', 'Alice', '1alice', 'al ice', 'a'.repeat(65), 'bob@example.org']) expect(usernameProblem(bad)).toBeDefined();
  });

  it('refuse short and one-character passwords', () => {
    expect(passwordProblem('short')).toMatch(/at least 12/);
    expect(passwordProblem('aaaaaaaaaaaaaaaa')).toMatch(/repeated/);
    expect(passwordProblem('correct horse battery')).toBeUndefined();
  });
});
