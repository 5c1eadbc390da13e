/**
 * Queries for the mappings API: the saved versions of each mapping (table mapping_versions), and the stored
 * messages a mapping preview re-runs. Versions are numbered 1, 2, … per mapping; (mapping, version) is unique,
 * so two saves racing for the same number cannot both commit (the loser gets CONFLICT and nothing of it stays).
 */
import type { Kysely } from 'kysely';
import { EngineError } from '../core/errors';
import type { MappingVersionsPort } from '../mappings/editor';
import { PLAINTEXT_BODIES, type BodyCodec } from './bodies';
import type { Database } from './types';

/** The actor recorded for a file's content that was live before the first save through the API. */
export const FILE_ACTOR = 'file';

/** timestamptz arrives as a Date (pg and PGlite); the column type is wider than that. */
const asDate = (v: unknown): Date => (v instanceof Date ? v : new Date(String(v)));

export interface MappingVersionInfo {
  version: number;
  sha256: string;
  actor: string | null;
  createdAt: Date;
}

export interface MappingVersion extends MappingVersionInfo {
  content: string;
}

export async function listMappingVersions(db: Kysely<Database>, mapping: string): Promise<MappingVersionInfo[]> {
  const rows = await db
    .selectFrom('mapping_versions')
    .select(['version', 'sha256', 'actor', 'created_at'])
    .where('mapping', '=', mapping)
    .orderBy('version')
    .execute();
  return rows.map((r) => ({ version: r.version, sha256: r.sha256, actor: r.actor, createdAt: asDate(r.created_at) }));
}

export async function latestMappingVersion(db: Kysely<Database>, mapping: string): Promise<MappingVersion | undefined> {
  const r = await db
    .selectFrom('mapping_versions')
    .select(['version', 'content', 'sha256', 'actor', 'created_at'])
    .where('mapping', '=', mapping)
    .orderBy('version', 'desc')
    .limit(1)
    .executeTakeFirst();
  return r && { version: r.version, content: r.content, sha256: r.sha256, actor: r.actor, createdAt: asDate(r.created_at) };
}

/** One saved version with its text, or undefined when the mapping has no such version. */
export async function getMappingVersion(db: Kysely<Database>, mapping: string, version: number): Promise<MappingVersion | undefined> {
  const r = await db
    .selectFrom('mapping_versions')
    .select(['version', 'content', 'sha256', 'actor', 'created_at'])
    .where('mapping', '=', mapping)
    .where('version', '=', version)
    .executeTakeFirst();
  return r && { version: r.version, content: r.content, sha256: r.sha256, actor: r.actor, createdAt: asDate(r.created_at) };
}

/** The newest version number of every mapping that has any. */
export async function latestMappingVersionNumbers(db: Kysely<Database>): Promise<Map<string, { version: number; sha256: string }>> {
  const rows = await db
    .selectFrom('mapping_versions')
    .select(['mapping', 'version', 'sha256'])
    .distinctOn('mapping')
    .orderBy('mapping')
    .orderBy('version', 'desc')
    .execute();
  return new Map(rows.map((r) => [r.mapping, { version: r.version, sha256: r.sha256 }]));
}

/** For each mapping, the newest version whose text has `sha256` (the version a live text corresponds to). */
export async function versionsOfTexts(
  db: Kysely<Database>,
  texts: ReadonlyArray<{ mapping: string; sha256: string }>,
): Promise<Map<string, number>> {
  if (texts.length === 0) return new Map();
  const rows = await db
    .selectFrom('mapping_versions')
    .select((eb) => ['mapping', 'sha256', eb.fn.max('version').as('version')])
    .where(
      'mapping',
      'in',
      texts.map((t) => t.mapping),
    )
    .groupBy(['mapping', 'sha256'])
    .execute();
  const wanted = new Map(texts.map((t) => [t.mapping, t.sha256]));
  return new Map(rows.filter((r) => wanted.get(r.mapping) === r.sha256).map((r) => [r.mapping, Number(r.version)]));
}

export interface SaveMappingVersion {
  mapping: string;
  content: string;
  sha256: string;
  actor: string;
  /** The text live before this save: recorded first (actor FILE_ACTOR) when the newest version is not it. */
  baseline?: { content: string; sha256: string };
}

/**
 * Records `content` as the next version of its mapping, in one transaction: first the baseline when the
 * newest stored version is not the live text (so the text that was running is never lost), then the new
 * content unless it equals the newest version already. `beforeCommit` runs inside the transaction after the
 * inserts (the caller writes the file there); when it throws, nothing is recorded.
 * Returns the version that now holds `content` and whether a row was added for it.
 */
export async function saveMappingVersion(
  db: Kysely<Database>,
  input: SaveMappingVersion,
  beforeCommit: () => void | Promise<void>,
): Promise<{ version: number; created: boolean }> {
  try {
    return await db.transaction().execute(async (trx) => {
      const newest = await trx
        .selectFrom('mapping_versions')
        .select(['version', 'sha256'])
        .where('mapping', '=', input.mapping)
        .orderBy('version', 'desc')
        .limit(1)
        .executeTakeFirst();
      let version = newest?.version ?? 0;
      let sha256 = newest?.sha256;
      const add = async (content: string, sha: string, actor: string) => {
        version += 1;
        sha256 = sha;
        await trx.insertInto('mapping_versions').values({ mapping: input.mapping, version, content, sha256: sha, actor }).execute();
      };
      if (input.baseline && input.baseline.sha256 !== sha256) await add(input.baseline.content, input.baseline.sha256, FILE_ACTOR);
      const created = input.sha256 !== sha256;
      if (created) await add(input.content, input.sha256, input.actor);
      await beforeCommit();
      return { version, created };
    });
  } catch (err) {
    if ((err as { code?: unknown }).code === '23505') {
      throw new EngineError('CONFLICT', `mapping ${input.mapping} was saved by another request at the same time; load it again and retry`);
    }
    throw err;
  }
}

/** The queries above as the mapping editor's port. */
export function mappingVersionsPort(db: Kysely<Database>): MappingVersionsPort {
  return {
    list: (name) => listMappingVersions(db, name),
    latest: (name) => latestMappingVersion(db, name),
    latestNumbers: () => latestMappingVersionNumbers(db),
    versionsOfTexts: (texts) => versionsOfTexts(db, texts),
    save: (input, beforeCommit) => saveMappingVersion(db, input, beforeCommit),
  };
}

export interface StoredMessageForPreview {
  id: string;
  channel: string;
  sender: string;
  controlId: string;
  /** The latest content version (an edited message replaces the raw one). */
  content: string;
}

/**
 * The newest `limit` stored messages of the given channels and types (newest first), with their latest
 * content. Rejected and duplicate messages are left out: they never reach a mapping; so are messages whose body
 * was pruned by retention or cannot be decrypted (`bodies` opens encrypted ones).
 */
export async function recentMessagesOfTypes(
  db: Kysely<Database>,
  routes: ReadonlyArray<{ channel: string; types: readonly string[] }>,
  limit: number,
  bodies: BodyCodec = PLAINTEXT_BODIES,
): Promise<StoredMessageForPreview[]> {
  const wanted = routes.filter((r) => r.types.length > 0);
  if (wanted.length === 0) return [];
  const rows = await db
    .selectFrom('messages as m')
    .select((eb) => [
      'm.id',
      'm.channel',
      'm.sender',
      'm.control_id',
      eb
        .selectFrom('message_contents as c')
        .select('c.content')
        .whereRef('c.message_id', '=', 'm.id')
        .orderBy('c.version', 'desc')
        .limit(1)
        .as('content'),
      eb
        .selectFrom('message_contents as c')
        .select('c.key_id')
        .whereRef('c.message_id', '=', 'm.id')
        .orderBy('c.version', 'desc')
        .limit(1)
        .as('key_id'),
    ])
    .where((eb) => eb.or(wanted.map((r) => eb.and([eb('m.channel', '=', r.channel), eb('m.message_type', 'in', [...r.types])]))))
    .where('m.status', 'not in', ['rejected', 'duplicate'])
    .orderBy('m.id', 'desc')
    .limit(limit)
    .execute();
  return rows.flatMap((r) => {
    let content: string | null;
    try {
      content = bodies.openNullable(r.content, r.key_id);
    } catch {
      content = null;
    }
    return content === null ? [] : [{ id: String(r.id), channel: r.channel, sender: r.sender, controlId: r.control_id, content }];
  });
}
