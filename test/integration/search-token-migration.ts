/**
 * Migration 034 turns the blind-index tokens of message_terms and message_words from 16 base64url characters (the
 * first 12 bytes of the HMAC) into bigints (its first 8 bytes). A message indexed before the migration must still be
 * found by the searches of the build after it: each stored token is converted, never recomputed (the values are gone).
 */
import crypto from 'node:crypto';
import { sql } from 'kysely';
import { up as numericTokens } from '../../src/store/migrations/034-numeric-search-tokens';
import { PLAINTEXT_BODIES } from '../../src/store/bodies';
import { ContentSearchIndex } from '../../src/store/content-index';
import type { Store } from '../../src/store/db';
import { listMessages } from '../../src/store/queries';
import { MessageSearchIndex } from '../../src/store/search-index';

/** A token as the build before the migration wrote it, in plain mode (the key is public: SHA-256 of the label). */
function textToken(label: string, kind: string, value: string): string {
  const key = crypto.createHash('sha256').update(label).digest();
  return crypto.createHmac('sha256', key).update(`${kind}\u0000${value}`).digest().subarray(0, 12).toString('base64url');
}
const termToken = (kind: string, value: string) => textToken('rxbridge message search index v1', kind, value);
const wordToken = (word: string) => textToken('rxbridge message content index v1', 'w', word);

export function describeTokenMigration(open: () => Promise<{ store: Store; close(): Promise<void> }>): void {
  let opened: { store: Store; close(): Promise<void> };
  beforeAll(async () => {
    opened = await open();
  });
  afterAll(() => opened.close());

  test('tokens written before the migration are found by the searches after it', async () => {
    const db = opened.store.db;
    // The tables as the build before the migration left them, with one message indexed by it.
    for (const table of ['message_terms', 'message_words']) {
      await sql`alter table ${sql.table(table)} alter column tokens type text[] using tokens::text[]`.execute(db);
    }
    const message = async (controlId: string) =>
      (
        await sql<{ id: string }>`
          insert into messages (channel, status, sender, control_id, message_type, version, processing_id, remote)
          values ('pharmacy-inbound', 'processed', 'RXAPP|STORE1', ${controlId}, 'VXU^V04', '2.5.1', 'P', '127.0.0.1:1')
          returning id`.execute(db)
      ).rows[0]!.id;
    const indexed = await message('OLD-1');
    const other = await message('OLD-2');
    await sql`insert into message_terms (message_id, tokens) values
                (${indexed}, ${[termToken('pid', 'mrn100'), termToken('fam', 's'), termToken('fam', 'sm'), termToken('rx', 'rx-7002')]}::text[]),
                (${other}, ${[termToken('pid', 'mrn200')]}::text[])`.execute(db);
    await sql`insert into message_words (message_id, tokens) values
                (${indexed}, ${[wordToken('shingles'), wordToken('vaccine')]}::text[]),
                (${other}, ${[wordToken('influenza')]}::text[])`.execute(db);

    await numericTokens(db);

    const terms = MessageSearchIndex.forBodies(PLAINTEXT_BODIES);
    const words = ContentSearchIndex.forBodies(PLAINTEXT_BODIES);
    const ids = async (filter: Parameters<typeof listMessages>[1]) => (await listMessages(db, filter)).map((m) => String(m.id));
    expect(await ids({ patientTokens: terms.patientTokens('MRN100'), limit: 10 })).toEqual([indexed]);
    expect(await ids({ patientTokens: terms.patientTokens('sm'), limit: 10 })).toEqual([indexed]);
    expect(await ids({ rxTokens: terms.rxTokens('RX-7002'), limit: 10 })).toEqual([indexed]);
    expect(await ids({ patientTokens: terms.patientTokens('MRN200'), limit: 10 })).toEqual([other]);
    expect(await ids({ contentTokens: words.queryTokens('vaccine shingles'), limit: 10 })).toEqual([indexed]);
    expect(await ids({ contentTokens: words.queryTokens('shingles influenza'), limit: 10 })).toEqual([]);
    const { rows } = await sql<{ type: string }>`
      select format_type(atttypid, atttypmod) as type from pg_attribute
       where attrelid in ('message_terms'::regclass, 'message_words'::regclass) and attname = 'tokens'`.execute(db);
    expect(rows.map((r) => r.type)).toEqual(['bigint[]', 'bigint[]']);
  });
}
