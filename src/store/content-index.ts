/**
 * The blind index behind the console's full-text search in message content. Bodies are encrypted at rest
 * (docs/encryption.md), so the words of a message (src/hl7/content-words.ts: every segment field, normalized and
 * cut into words) are kept in message_words.tokens as keyed hashes only, never as text:
 *   HMAC-SHA256(content key, "w" + NUL + word), first 8 bytes as a bigint (search-index.ts blindToken)
 * A search cuts its phrase into words the same way and hashes each; a message matches when it holds the tokens of
 * every word (GIN index, `@>`). Hence whole words only: no substring, prefix or wildcard match, and no ranking.
 *
 * The content key is derived from the body encryption key with its own label, so the tokens differ from the
 * patient-search tokens of message_terms even for the same value. A search tries the keys of every
 * configured body key (current and old): messages indexed before a key rotation are found while the old key is
 * configured. In plain mode (RXBRIDGE_STORE_PLAINTEXT) the key is fixed and public: the bodies are plain anyway.
 *
 * The tokens are written by the pipeline when it finishes a message (repository.ts), never at intake, so the
 * path to the ACK does no more work; messages stored before the index existed get theirs from
 * `rxbridge search reindex` (indexMissingWords below).
 */
import { sql, type Kysely } from 'kysely';
import { contentWordsOf, searchWordsOf } from '../hl7/content-words';
import type { BodyCodec } from './bodies';
import { blindIndexKeys, blindToken, TokenMemory } from './search-index';
import type { Database } from './types';

/** HKDF label of the content key. */
const LABEL = 'rxbridge message content index v1';
/** Most words one search may name. */
export const MAX_SEARCH_WORDS = 16;

export class ContentSearchIndex {
  private readonly written = new TokenMemory();

  private constructor(
    private readonly writeKey: Buffer,
    private readonly readKeys: readonly Buffer[],
  ) {}

  static forBodies(bodies: BodyCodec): ContentSearchIndex {
    const { write, read } = blindIndexKeys(bodies, LABEL);
    return new ContentSearchIndex(write, read);
  }

  /** The tokens to store for a message's text (empty when it has no readable MSH or no words). */
  tokensOf(text: string): string[] {
    return contentWordsOf(text).map((w) => this.written.token(this.writeKey, 'w', w));
  }

  /**
   * The tokens a search phrase must match: one list per configured key (a message matches when it holds every
   * token of one list). Empty when the phrase has no word.
   */
  queryTokens(phrase: string): string[][] {
    const words = searchWordsOf(phrase).slice(0, MAX_SEARCH_WORDS);
    if (words.length === 0) return [];
    return this.readKeys.map((k) => words.map((w) => blindToken(k, 'w', w)));
  }
}

/** Writes (or replaces) the tokens of messages; rows without tokens are left out. One statement. */
export async function writeWordTokens(db: Kysely<Database>, rows: ReadonlyArray<{ id: string; tokens: string[] }>): Promise<void> {
  const kept = rows.filter((r) => r.tokens.length > 0);
  if (kept.length === 0) return;
  await sql`
    insert into message_words (message_id, tokens)
    select t.id, string_to_array(t.tokens, ' ')::bigint[]
      from unnest(${kept.map((r) => r.id)}::bigint[], ${kept.map((r) => r.tokens.join(' '))}::text[]) as t(id, tokens)
    on conflict (message_id) do update set tokens = excluded.tokens, indexed_at = now()`.execute(db);
}

export interface ReindexReport {
  /** Messages given tokens. */
  indexed: number;
  /** Messages without a readable body (pruned or unopenable) or without words: nothing to index. */
  skipped: number;
  batches: number;
}

/**
 * Indexes messages that have no message_words row yet, oldest first, in batches: the backfill for messages stored
 * before the content index existed. Resumable: a run stopped half-way starts again where the index ends, since it
 * only ever looks at messages without tokens (after the last id it has seen in this run). Safe beside a live
 * engine on Postgres: a message the pipeline indexes at the same time is simply written twice with the same tokens.
 */
export async function indexMissingWords(
  db: Kysely<Database>,
  bodies: BodyCodec,
  opts: { batchSize?: number; onBatch?: (report: ReindexReport) => void } = {},
): Promise<ReindexReport> {
  const index = ContentSearchIndex.forBodies(bodies);
  const batchSize = opts.batchSize ?? 500;
  const report: ReindexReport = { indexed: 0, skipped: 0, batches: 0 };
  let after = '0';
  for (;;) {
    const rows = await sql<{ id: string; content: string | null; key_id: string | null }>`
      select m.id, c.content, c.key_id
        from messages m
        left join lateral (select content, key_id from message_contents c where c.message_id = m.id
                            order by version desc limit 1) c on true
       where m.id > ${after}::bigint
         and not exists (select 1 from message_words w where w.message_id = m.id)
       order by m.id
       limit ${batchSize}`.execute(db);
    if (rows.rows.length === 0) return report;
    const out: Array<{ id: string; tokens: string[] }> = [];
    for (const row of rows.rows) {
      let text: string | null = null;
      try {
        text = bodies.openNullable(row.content, row.key_id);
      } catch {
        text = null; // unreadable (BODY_UNREADABLE): nothing to index
      }
      const tokens = text === null ? [] : index.tokensOf(text);
      if (tokens.length === 0) report.skipped++;
      else out.push({ id: String(row.id), tokens });
    }
    await writeWordTokens(db, out);
    report.indexed += out.length;
    report.batches++;
    after = String(rows.rows[rows.rows.length - 1]!.id);
    opts.onBatch?.(report);
  }
}
