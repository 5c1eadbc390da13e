/**
 * Login throttling on real Postgres (src/admin/accounts.ts, src/store/login-throttle.ts): a burst of concurrent
 * guesses is counted one by one before any password hash is checked, so at most MAX_LOGIN_FAILURES of them are
 * ever verified and the right password inside the burst gets no session; unknown user names answer exactly like
 * known ones; a lock holds one user name from one address (the user still logs in from elsewhere) until it runs
 * out or an admin unlocks it; one address gets ADDRESS_MAX_ATTEMPTS tries for any names per window.
 */
import { sql } from 'kysely';
import { Accounts, ADDRESS_MAX_ATTEMPTS, MAX_LOGIN_FAILURES, type LoginOutcome } from '../../src/admin/accounts';
import { openStore, type Store } from '../../src/store/db';
import { createTestDatabase } from './support';

jest.setTimeout(120_000);

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let store: Store;
let accounts: Accounts;
const PASSWORD = 'dana-billing-password-1';

/** What a caller could observe of an outcome: its kind, and for a lock the words of the answer. */
const seen = (o: LoginOutcome) => (o.kind === 'locked' ? `locked${o.justLocked ? ' now' : ''}` : o.kind);

beforeAll(async () => {
  db = await createTestDatabase();
  store = await openStore({ databaseUrl: db.url, poolSize: 30 });
  // Cheap hashes for the users keep the test short; what is proven is how many attempts get checked at all.
  accounts = new Accounts({ db: store.db, scrypt: { N: 2 ** 10, r: 8, p: 1 } });
  await accounts.createUser({ username: 'dana', password: PASSWORD, role: 'billing' });
  await accounts.createUser({ username: 'erik', password: `${PASSWORD}-erik`, role: 'viewer' });
});

afterAll(async () => {
  await store?.close();
  await db?.drop();
});

test('200 concurrent guesses with the right password among them: five are checked, no session is issued', async () => {
  const guesses = Array.from({ length: 200 }, (_, i) => (i === 100 ? PASSWORD : `wrong-guess-${i}`));
  const outcomes = await Promise.all(guesses.map((p) => accounts.login('dana', p, '192.0.2.10')));
  const kinds = outcomes.map(seen);
  expect(kinds.filter((k) => k === 'ok')).toEqual([]);
  // Checked against the hash: the first MAX_LOGIN_FAILURES reservations only (the last of them locks the name).
  expect(kinds.filter((k) => k === 'failed')).toHaveLength(MAX_LOGIN_FAILURES - 1);
  expect(kinds.filter((k) => k === 'locked now')).toHaveLength(1);
  // Refused unchecked: the user name is locked from this address, and past ADDRESS_MAX_ATTEMPTS the address is too.
  expect(kinds.filter((k) => k === 'locked' || k === 'throttled')).toHaveLength(200 - MAX_LOGIN_FAILURES);
  expect(kinds.filter((k) => k === 'throttled').length).toBeGreaterThan(0);
  const tokens = await store.db.selectFrom('api_tokens').select('id').execute();
  expect(tokens).toEqual([]);
  // The right password after the burst is refused too, until the locks run out or an admin unlocks.
  expect(seen(await accounts.login('dana', PASSWORD, '192.0.2.10'))).toMatch(/locked|throttled/);
});

test('a lock holds a user name from one address only: the user still logs in from another', async () => {
  for (let i = 0; i < MAX_LOGIN_FAILURES; i++) await accounts.login('dana', `wrong-${i}`, '192.0.2.11');
  expect(seen(await accounts.login('dana', PASSWORD, '192.0.2.11'))).toBe('locked');
  expect(seen(await accounts.login('dana', PASSWORD, '198.51.100.7'))).toBe('ok');
  // A success elsewhere does not lift the lock where the guesses came from.
  expect(seen(await accounts.login('dana', PASSWORD, '192.0.2.11'))).toBe('locked');
});

test('an admin unlock clears the user name from every address', async () => {
  await accounts.updateUser('dana', { unlock: true });
  expect(seen(await accounts.login('dana', PASSWORD, '192.0.2.11'))).toBe('ok');
});

test('a lock that ran out lets the user in, and the count starts again', async () => {
  for (let i = 0; i < MAX_LOGIN_FAILURES; i++) await accounts.login('erik', `wrong-${i}`, '192.0.2.20');
  expect(seen(await accounts.login('erik', `${PASSWORD}-erik`, '192.0.2.20'))).toBe('locked');
  await sql`update login_throttle set locked_until = now() - interval '1 second' where scope = 'user'`.execute(store.db);
  expect(seen(await accounts.login('erik', 'wrong-again', '192.0.2.20'))).toBe('failed');
  expect(seen(await accounts.login('erik', `${PASSWORD}-erik`, '192.0.2.20'))).toBe('ok');
});

test('an unknown user name is answered exactly like a known one, and no name is stored', async () => {
  const run = async (username: string) => {
    const out: string[] = [];
    for (let i = 0; i < MAX_LOGIN_FAILURES + 1; i++) out.push(seen(await accounts.login(username, `guess-${i}`, '203.0.113.5')));
    return out;
  };
  const known = await run('erik');
  const unknown = await run('nobody-here');
  expect(unknown).toEqual(known);
  expect(known).toEqual([...Array(MAX_LOGIN_FAILURES - 1).fill('failed'), 'locked now', 'locked']);
  const subjects = await store.db.selectFrom('login_throttle').select('subject').execute();
  expect(subjects.map((s) => s.subject).join(' ')).not.toMatch(/nobody|erik|dana/);
});

test('one address gets a limited number of tries for any user names, then waits; other addresses do not', async () => {
  const address = '192.0.2.99';
  const outcomes: string[] = [];
  for (let i = 0; i < ADDRESS_MAX_ATTEMPTS; i++) outcomes.push(seen(await accounts.login(`sprayed-${i}`, 'Winter2026!', address)));
  expect(outcomes.every((k) => k === 'failed')).toBe(true);
  expect(seen(await accounts.login('dana', PASSWORD, address))).toBe('throttled');
  expect(seen(await accounts.login('dana', PASSWORD, '192.0.2.100'))).toBe('ok');
});

test('successes give their address tries back: a busy shared address is not throttled by its own users', async () => {
  for (let i = 0; i < ADDRESS_MAX_ATTEMPTS - 1; i++) await accounts.login(`typo-${i}`, 'wrong', '192.0.2.150');
  for (let i = 0; i < 5; i++) expect(seen(await accounts.login('dana', PASSWORD, '192.0.2.150'))).toBe('ok');
});
