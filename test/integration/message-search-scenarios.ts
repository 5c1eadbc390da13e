/**
 * The message list's content search, CSV export and bulk replay against a whole engine (real MLLP, HTTP, Redis),
 * on the store each test file gives (Postgres or PGlite):
 * - a message is found by a whole word of its content (a patient's family name, a word of a charge description),
 *   not by a part of a word; the words are stored as keyed hashes only (message_words holds no word); a content
 *   search needs role operator and is audited with the ids it returned, never the words;
 * - a dead letter is found by its words too; the backfill gives tokens to a message stored without them;
 * - sorted pages (cursor) cover the list without repeats;
 * - the CSV export holds ids, times, channel, type, control id, status and error, no body, and is audited;
 * - a bulk replay of a search result asks for the count seen and a reason, refuses more than 500 messages, and
 *   replayed twice leaves one charge per charge line.
 */
import fs from 'node:fs';
import path from 'node:path';
import { sql } from 'kysely';
import { pruneBodies } from '../../src/store/body-maintenance';
import { searchCommand } from '../../src/cli/search';
import { indexMissingWords } from '../../src/store/content-index';
import { startHarness, type Harness } from './engine-harness';
import { dftMessage, ROOT } from './support';

const PASSWORDS = { carol: 'carol-viewer-password-1', bob: 'bob-operator-password-1' };
const NO_AMOUNT = fs.readFileSync(path.join(ROOT, 'samples/dft-p03-no-amount.hl7'), 'utf8').replace(/\r?\n/g, '\r').trim();

/** A DFT for a patient with this family name, whose charge line's description is `description`. */
function dft(controlId: string, family: string, description: string): string {
  return dftMessage({ controlId, patientId: `PAT-${controlId}`, lines: [{ txn: `T-${controlId}`, code: '90471', amount: '25' }] })
    .replace('TESTPATIENT^ALEX', `${family}^ALEX`)
    .replace('90471^Service^C4', `90471^${description}^C4`);
}

export function describeMessageSearch(store: 'postgres' | 'pglite'): void {
  describe(`message content search, export and bulk replay (${store})`, () => {
    let h: Harness;
    const tokens: Record<string, string> = {};
    const ids: Record<string, string> = {};

    async function send(controlId: string, text: string, statuses = ['processed']): Promise<string> {
      expect(await h.send(text)).toContain('MSA|AA|');
      const row = await h.engine.store.db.selectFrom('messages').select('id').where('control_id', '=', controlId).executeTakeFirstOrThrow();
      const id = String(row.id);
      await h.waitForStatus(id, statuses);
      ids[controlId] = id;
      return id;
    }
    const search = async (query: string, who: 'bob' | 'carol' = 'bob') => h.api('GET', `/api/messages?${query}`, undefined, tokens[who]);
    const found = async (q: string) => ((await search(`q=${encodeURIComponent(q)}`)).json.messages as Array<{ id: string }>).map((m) => m.id).sort();

    beforeAll(async () => {
      h = await startHarness({ store });
      for (const [username, role] of [['carol', 'viewer'], ['bob', 'operator']] as const) {
        expect((await h.api('POST', '/api/users', { username, password: PASSWORDS[username], role })).status).toBe(201);
        tokens[username] = (await h.api('POST', '/api/login', { username, password: PASSWORDS[username] }, null)).json.token;
      }
      await send('WORD-1', dft('WORD-1', 'QUILLFEATHER', 'Flu shot'));
      await send('WORD-2', dft('WORD-2', 'Müller', 'Flu shot'));
      await send('WORD-3', dft('WORD-3', 'QUILLFEATHER', 'Shingles vaccine'));
    });

    afterAll(async () => {
      await h?.close();
    });

    test('whole words are found, case and accents aside; parts of words and absent words are not', async () => {
      expect(await found('quillfeather')).toEqual([ids['WORD-1'], ids['WORD-3']].sort());
      expect(await found('QUILLFEATHER flu')).toEqual([ids['WORD-1']]);
      expect(await found('muller')).toEqual([ids['WORD-2']]);
      expect(await found('MÜLLER Flu')).toEqual([ids['WORD-2']]);
      expect(await found('shingles')).toEqual([ids['WORD-3']]);
      expect(await found('quillfeath')).toEqual([]); // a prefix is not a word
      expect(await found('feather')).toEqual([]); // nor an inner part
      expect(await found('nothing-like-this')).toEqual([]);
      // With other filters: a content search narrows them.
      const res = await search(`q=flu&status=processed&type=DFT%5EP03`);
      expect((res.json.messages as Array<{ id: string }>).map((m) => m.id).sort()).toEqual([ids['WORD-1'], ids['WORD-2']].sort());
    });

    test('message_words holds keyed hashes only, never a word of the message', async () => {
      const rows = await h.engine.store.db.selectFrom('message_words').select(['message_id', 'tokens']).execute();
      expect(rows.length).toBeGreaterThanOrEqual(3);
      const all = rows.flatMap((r) => r.tokens);
      for (const t of all) expect(String(t)).toMatch(/^-?\d{1,19}$/); // 64-bit integers (bigint), the leading bytes of an HMAC
      const text = JSON.stringify(rows).toLowerCase();
      for (const word of ['quillfeather', 'müller', 'muller', 'shingles', 'flu', 'alex', 'pat-word-1', 'rxsys']) expect(text).not.toContain(word);
      // The table as the database prints it holds none either.
      const dump = await sql<{ t: string }>`select string_agg(tokens::text, ' ') as t from message_words`.execute(h.engine.store.db);
      expect((dump.rows[0]?.t ?? '').toLowerCase()).not.toContain('quillfeather');
    });

    test('a content search needs role operator and is audited with the ids, never the words', async () => {
      const denied = await search('q=quillfeather', 'carol');
      expect(denied.status).toBe(403);
      expect(denied.json.error.code).toBe('FORBIDDEN');
      await found('shingles');
      const audit = await h.engine.store.db
        .selectFrom('audit_events')
        .select(['action', 'actor', 'detail'])
        .where('action', '=', 'message.search')
        .orderBy('id', 'desc')
        .executeTakeFirstOrThrow();
      expect(audit.actor).toBe('bob');
      expect(audit.detail).toMatchObject({ byContent: true, byPatient: false, ids: [ids['WORD-3']] });
      expect(JSON.stringify(audit.detail).toLowerCase()).not.toContain('shingles');
    });

    test('a dead letter is found by its words; the backfill indexes a message stored without tokens', async () => {
      const dead = await send('SAMPLE-DFT-0002', NO_AMOUNT, ['error']);
      const words = await h.engine.store.db.selectFrom('message_words').select('message_id').where('message_id', '=', dead).execute();
      expect(words).toHaveLength(1);
      // As if stored before the index existed: no tokens, not found; the backfill gives them back.
      await h.engine.store.db.deleteFrom('message_words').where('message_id', 'in', [dead, ids['WORD-2']!]).execute();
      expect(await found('muller')).toEqual([]);
      const report = await indexMissingWords(h.engine.store.db, h.engine.repository.bodies);
      expect(report.indexed).toBe(2);
      expect(await found('muller')).toEqual([ids['WORD-2']]);
      expect((await indexMissingWords(h.engine.store.db, h.engine.repository.bodies)).indexed).toBe(0); // nothing left: resumable
    });

    if (store === 'postgres') {
      test('`rxbridge search reindex` beside the running engine: indexes what has no tokens, audited with counts', async () => {
        await h.engine.store.db.deleteFrom('message_words').where('message_id', '=', ids['WORD-1']!).execute();
        const out: string[] = [];
        const code = await searchCommand(['reindex', '--batch', '2'], { DATABASE_URL: h.databaseUrl, DATA_DIR: h.project.dataDir }, {
          out: (l) => out.push(l),
          err: () => undefined,
        });
        expect(code).toBe(0);
        expect(out.join('\n')).toMatch(/^indexed 1 messages/);
        expect(await found('quillfeather')).toEqual([ids['WORD-1'], ids['WORD-3']].sort());
        const audit = await h.engine.store.db.selectFrom('audit_events').select(['actor', 'detail']).where('action', '=', 'search.reindex').executeTakeFirstOrThrow();
        expect(audit.actor).toMatch(/^cli:/);
        expect(audit.detail).toMatchObject({ indexed: 1 });
        expect(await searchCommand(['rebuild'], {}, { out: () => undefined, err: () => undefined })).toBe(2);
      });
    }

    test('sorted pages follow each other with a cursor, without repeats', async () => {
      const seen: string[] = [];
      let cursor: string | null = null;
      let types: string[] = [];
      for (let page = 0; page < 10; page++) {
        const res = await search(`sort=status&dir=asc&limit=2${cursor ? `&cursor=${cursor}` : ''}`, 'carol');
        expect(res.status).toBe(200);
        const rows = res.json.messages as Array<{ id: string; status: string }>;
        seen.push(...rows.map((r) => r.id));
        types = [...types, ...rows.map((r) => r.status)];
        cursor = res.json.next;
        if (!cursor) break;
      }
      expect(new Set(seen).size).toBe(seen.length);
      expect(seen.length).toBe(4);
      expect(types).toEqual([...types].sort());
      expect((await search('sort=status&cursor=not-a-cursor', 'carol')).status).toBe(400);
      // By received time, one at a time: the messages of one commit share a time, and no page repeats or skips one.
      const byTime: string[] = [];
      cursor = null;
      for (let page = 0; page < 10; page++) {
        const res = await search(`sort=received&dir=asc&limit=1${cursor ? `&cursor=${cursor}` : ''}`, 'carol');
        byTime.push(...(res.json.messages as Array<{ id: string }>).map((r) => r.id));
        cursor = res.json.next;
        if (!cursor) break;
      }
      expect(byTime).toEqual([ids['WORD-1'], ids['WORD-2'], ids['WORD-3'], ids['SAMPLE-DFT-0002']]);
    });

    test('the CSV export holds the list columns, no body, and is audited', async () => {
      const addr = h.engine.httpAddress()!;
      const res = await fetch(`http://127.0.0.1:${addr.port}/api/messages/export.csv?q=quillfeather`, {
        headers: { authorization: `Bearer ${tokens.bob}` },
      });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toContain('text/csv');
      const lines = (await res.text()).trim().split('\r\n');
      expect(lines[0]).toBe('id,received_at,channel,message_type,control_id,status,error_code,error_text');
      expect(lines.slice(1).map((l) => l.split(',')[0]).sort()).toEqual([ids['WORD-1'], ids['WORD-3']].sort());
      expect(lines.join('\n').toLowerCase()).not.toContain('quillfeather');
      const audit = await h.engine.store.db
        .selectFrom('audit_events')
        .select(['detail'])
        .where('action', '=', 'message.export')
        .orderBy('id', 'desc')
        .executeTakeFirstOrThrow();
      expect(audit.detail).toMatchObject({ count: 2, byContent: true });
      // A viewer exports a plain search, not a content search.
      const viewer = await fetch(`http://127.0.0.1:${addr.port}/api/messages/export.csv?q=quillfeather`, {
        headers: { authorization: `Bearer ${tokens.carol}` },
      });
      expect(viewer.status).toBe(403);
    });

    test('bulk replay of a search: the count and a reason, 4xx over the cap, one charge per line after two replays', async () => {
      const body = { search: { q: 'quillfeather' }, count: 2, reason: 'mapping fixed' };
      const wrongCount = await h.api('POST', '/api/messages/replay-search', { ...body, count: 3 }, tokens.bob);
      expect(wrongCount.status).toBe(409);
      expect((await h.api('POST', '/api/messages/replay-search', body, tokens.carol)).status).toBe(403);
      expect((await h.api('POST', '/api/messages/replay-search', { search: body.search, count: 2 }, tokens.bob)).status).toBe(400);
      for (let round = 1; round <= 2; round++) {
        const res = await h.api('POST', '/api/messages/replay-search', body, tokens.bob);
        expect(res.status).toBe(200);
        expect(res.json.count).toBe(2);
        expect(res.json.results.map((r: { replay?: number }) => r.replay)).toEqual([round, round]);
        for (const id of [ids['WORD-1']!, ids['WORD-3']!]) await h.waitForStatus(id, ['processed']);
      }
      for (const id of [ids['WORD-1']!, ids['WORD-3']!]) {
        const charges = await h.engine.store.db.selectFrom('charges').select('id').where('message_id', '=', id).execute();
        expect(charges).toHaveLength(1);
      }
      const audit = await h.engine.store.db
        .selectFrom('audit_events')
        .select(['detail'])
        .where('action', '=', 'message.replay')
        .orderBy('id', 'desc')
        .executeTakeFirstOrThrow();
      expect(audit.detail).toMatchObject({ bulk: true, reason: 'mapping fixed' });
      // Over the cap: 501 rejected frames of one channel.
      await sql`insert into messages (channel, status) select 'cap-test', 'rejected' from generate_series(1, 501)`.execute(h.engine.store.db);
      const over = await h.api('POST', '/api/messages/replay-search', { search: { channel: 'cap-test' }, count: 500, reason: 'too many' }, tokens.bob);
      expect(over.status).toBe(413);
      expect(over.json.error.code).toBe('TOO_MANY_MESSAGES');
    });

    test('retention that prunes a body drops its words: the message is no longer found by them', async () => {
      expect(await found('shingles')).toEqual([ids['WORD-3']]);
      const report = await pruneBodies(h.engine.store.db, [{ channel: 'pharmacy-inbound', bodiesDays: 0 }], { vacuum: false });
      expect(report.pruned).toBeGreaterThan(0);
      expect(await found('shingles')).toEqual([]);
      const left = await h.engine.store.db.selectFrom('message_words').select('message_id').where('message_id', '=', ids['WORD-3']!).execute();
      expect(left).toEqual([]);
    });

    test('a replay with an edited text is found by the patient of its new text, no longer by the old one', async () => {
      const byPatient = async (term: string) =>
        ((await search(`patient=${encodeURIComponent(term)}`)).json.messages as Array<{ id: string }>).map((m) => m.id);
      const id = await send('WORD-9', dft('WORD-9', 'PLOVERHILL', 'Tetanus'));
      expect(await byPatient('PAT-WORD-9')).toEqual([id]);
      const edited = dft('WORD-9', 'PLOVERHILL', 'Tetanus').replace('PAT-WORD-9', 'PAT-EDITED-9');
      expect((await h.api('POST', `/api/messages/${id}/replay`, { raw: edited }, tokens.bob)).status).toBe(202);
      await h.waitForStatus(id, ['processed']);
      expect(await byPatient('PAT-EDITED-9')).toEqual([id]);
      expect(await byPatient('PAT-WORD-9')).toEqual([]);
      const rows = await h.engine.store.db.selectFrom('message_terms').select('tokens').where('message_id', '=', id).execute();
      expect(rows).toHaveLength(1);
      expect(JSON.stringify(rows).toLowerCase()).not.toContain('pat-edited');
    });
  });
}
