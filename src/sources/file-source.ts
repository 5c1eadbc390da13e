/**
 * A file or SFTP channel source: polls a folder, takes each finished file's messages in through the channel's
 * intake (the same checks, commit and outcomes as an MLLP frame: received, duplicate, rejected), then moves the file
 * to the archive folder (docs/channels.md "file and sftp sources", docs/reliability.md "File sources").
 *
 * Contract:
 * - A file is read only when it is finished: its modification time is at least `minAgeMs` old and its size and time
 *   are the same as at the previous poll. A file over `maxFileBytes` is left where it is and reported.
 * - Exactly once, across crashes (kill -9) and engine processes sharing the store: a file is taken under a lease
 *   (src/store/source-files.ts) by one engine process at a time, identified by name, size and modification time.
 *   Each message is stored with a `remote` unique to the file row and its position (`<type>:f<row>/<name>#<n>`);
 *   the file's durable count of stored messages grows only after their commit, and on a restart a message stored
 *   but not yet counted is found by its `remote` and counted, never stored again. The channel's duplicate check
 *   plays no part in this (its window may be 0).
 * - The file is moved to `archiveDir` only after its last message is committed. A file holding no message at all
 *   goes to `errorDir` (or stays, reported at each poll, without one). A read or move that fails leaves the file
 *   for the next poll.
 * - Envelope problems of a batch (BTS-1/FTS-1 counts that differ, a missing trailer) are warnings: logged with
 *   numbers only and kept on the file's row; every message is still stored.
 * - Each message gets an event naming the file, its position and its line (in the store, never in a log line).
 */
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import type { Kysely } from 'kysely';
import type { FolderSourceFields } from '../channels/schema';
import type { Logger } from '../core/logger';
import type { FrameSource } from '../pipeline/intake';
import type { StoredInbound } from '../pipeline/ports';
import {
  advanceSourceFile,
  finishSourceFile,
  leaseSourceFile,
  releaseSourceFile,
  setSourceFileTotal,
  sourceFileHolder,
  takeOverSourceFile,
  storedSince,
  type SourceEvent,
} from '../store/source-files';
import type { Database } from '../store/types';
import { splitHl7File, type FilePiece } from './batch';
import type { FolderEntry, FolderSession } from './folders';

/** Stores one piece through the channel's intake; resolves with what the store made of it, or undefined when not stored. */
export type StorePiece = (bytes: Buffer, source: FrameSource) => Promise<StoredInbound | undefined>;

export interface FileSourceDeps {
  channel: string;
  type: 'file' | 'sftp';
  config: FolderSourceFields;
  db: Kysely<Database>;
  open(): Promise<FolderSession>;
  store: StorePiece;
  logger: Logger;
  /** This engine process, as the lease owner; default a random id. */
  owner?: string;
  /** How long a lease lasts without renewal (default 120 s); renewed after every chunk. */
  leaseMs?: number;
  /** Messages handed to intake at once (one group commit); default 200. */
  chunk?: number;
  now?: () => number;
}

export interface FileSourceStatus {
  type: 'file' | 'sftp';
  dir: string;
  lastPollAt: string | null;
  lastError: string | null;
  filesTaken: number;
  messagesStored: number;
  /** The file being read now, and how far (no content). */
  current: { name: string; committed: number; total: number } | null;
}

/** `*` and `?` wildcards → a whole-name regular expression. */
export function patternRegExp(pattern: string): RegExp {
  const body = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${body}$`);
}

/** A message's duplicate key as the ordered writer sees it (MSH-3, MSH-4, MSH-10), read roughly from its bytes. */
function roughKey(bytes: Buffer): string {
  const head = bytes.subarray(0, Math.min(bytes.length, 512)).toString('latin1');
  const end = head.indexOf('\r');
  const msh = end < 0 ? head : head.slice(0, end);
  const sep = msh[3] ?? '|';
  const f = msh.split(sep);
  return `${f[2] ?? ''}|${f[3] ?? ''}|${f[9] ?? ''}`;
}

/** A lease owner (`host/pid/…`) of this host whose process no longer runs. Owners of other hosts are never judged. */
export function holderIsDead(owner: string): boolean {
  const [host, pid] = owner.split('/');
  if (host !== os.hostname() || !pid || !/^\d+$/.test(pid) || Number(pid) === process.pid) return false;
  try {
    process.kill(Number(pid), 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

export class FileSource {
  private readonly seen = new Map<string, { size: number; mtimeMs: number }>();
  private readonly owner: string;
  private readonly leaseMs: number;
  private readonly regex: RegExp;
  private readonly state: FileSourceStatus;
  private readonly reported = new Set<string>();

  constructor(private readonly deps: FileSourceDeps) {
    this.owner = deps.owner ?? `${os.hostname()}/${process.pid}/${randomUUID().slice(0, 8)}`;
    this.leaseMs = deps.leaseMs ?? 120_000;
    this.regex = patternRegExp(deps.config.pattern);
    this.state = {
      type: deps.type,
      dir: deps.config.dir,
      lastPollAt: null,
      lastError: null,
      filesTaken: 0,
      messagesStored: 0,
      current: null,
    };
  }

  status(): FileSourceStatus {
    return { ...this.state, current: this.state.current && { ...this.state.current } };
  }

  /** One poll: list, take every finished file. Rejects when the folder cannot be listed or a file could not be finished. */
  async poll(signal?: AbortSignal): Promise<void> {
    const { logger, config } = this.deps;
    let session: FolderSession | undefined;
    try {
      session = await this.deps.open();
      const entries = (await session.list()).filter((e) => this.regex.test(e.name));
      const now = (this.deps.now ?? Date.now)();
      const present = new Set(entries.map((e) => e.name));
      for (const name of [...this.seen.keys()]) if (!present.has(name)) this.seen.delete(name);
      let failure: unknown;
      for (const entry of entries) {
        if (signal?.aborted) break;
        const before = this.seen.get(entry.name);
        this.seen.set(entry.name, { size: entry.size, mtimeMs: entry.mtimeMs });
        if (!before || before.size !== entry.size || before.mtimeMs !== entry.mtimeMs) continue; // still changing, or new
        if (now - entry.mtimeMs < config.minAgeMs) continue;
        if (entry.size > config.maxFileBytes) {
          if (this.firstReport(entry, 'oversize')) {
            this.deps.logger.warn('file over maxFileBytes left in the folder', {
              channel: this.deps.channel,
              bytes: entry.size,
              maxFileBytes: config.maxFileBytes,
            });
          }
          continue;
        }
        try {
          await this.take(session, entry, signal);
        } catch (err) {
          failure ??= err;
          logger.warn('file source: a file could not be finished; tried again at the next poll', {
            channel: this.deps.channel,
            error: (err as Error).name,
            code: (err as { code?: string }).code,
          });
        }
      }
      this.state.lastError = failure ? (failure as Error).message : null;
      if (failure) throw failure;
    } catch (err) {
      this.state.lastError = (err as Error).message;
      throw err;
    } finally {
      this.state.lastPollAt = new Date().toISOString();
      this.state.current = null;
      await session?.close();
    }
  }

  /** True the first time this file (name, size, time) is reported for `why`: a file left in place is logged once. */
  private firstReport(entry: FolderEntry, why: string): boolean {
    const key = `${why}\u0000${entry.name}\u0000${entry.size}\u0000${entry.mtimeMs}`;
    if (this.reported.has(key)) return false;
    this.reported.add(key);
    return true;
  }

  /** Takes one finished file: lease, read, store what is not stored yet, archive. */
  private async take(session: FolderSession, entry: FolderEntry, signal?: AbortSignal): Promise<void> {
    const { db, channel, config, logger } = this.deps;
    const fileKey = `${entry.size}:${entry.mtimeMs}:${entry.name}`; // unambiguous: the name comes last
    const lease = { channel, fileKey, name: entry.name, size: entry.size, owner: this.owner, leaseMs: this.leaseMs };
    let row = await leaseSourceFile(db, lease);
    if (!row) {
      // Another engine process has it, unless that process ran on this host and is gone (killed, crashed): then
      // its lease is taken over at once instead of after it expires.
      const holder = await sourceFileHolder(db, channel, fileKey);
      if (holder && holderIsDead(holder)) row = await takeOverSourceFile(db, { ...lease, from: holder });
      if (!row) return;
    }
    if (row.status === 'archived' || row.status === 'error') {
      // Taken in before (the same name, size and time): moved on again, never stored twice.
      await session.move(entry.name, row.status === 'error' && config.errorDir ? config.errorDir : config.archiveDir);
      logger.warn('file source: a file taken in before appeared again; moved without storing', { channel, fileId: row.id });
      return;
    }
    if (row.status === 'stored') {
      await this.archive(session, entry, row.id);
      return;
    }
    let bytes: Buffer;
    try {
      bytes = await session.read(entry.name);
    } catch (err) {
      await releaseSourceFile(db, row.id, this.owner);
      throw err;
    }
    if (bytes.length !== entry.size) {
      await releaseSourceFile(db, row.id, this.owner); // changed since it was listed: the next polls decide again
      return;
    }
    const split = splitHl7File(bytes);
    const pieces = split.pieces;
    if (pieces.length === 0) {
      if (config.errorDir) {
        await session.move(entry.name, config.errorDir);
        await finishSourceFile(db, row.id, 'error', 'the file holds no HL7 message');
        logger.warn('file source: a file without any message moved to the error folder', { channel, fileId: row.id, bytes: bytes.length });
      } else {
        await releaseSourceFile(db, row.id, this.owner);
        if (this.firstReport(entry, 'empty')) {
          this.deps.logger.warn('file source: a file without any message left in the folder (no errorDir)', {
            channel: this.deps.channel,
            bytes: bytes.length,
          });
        }
      }
      return;
    }
    if (row.total === null) {
      await setSourceFileTotal(db, row.id, pieces.length, split.warnings);
      for (const w of split.warnings) logger.warn('file source: batch envelope warning', { channel, fileId: row.id, warning: w });
    }
    const prefix = `${this.deps.type}:f${row.id}/`;
    const remoteOf = (p: FilePiece) => `${prefix}${entry.name}#${p.index + 1}`;
    // Stored before a crash but not yet counted: found by their remote, counted below, never stored again.
    const known = await storedSince(db, channel, row.after, prefix);
    let committed = row.committed;
    this.state.current = { name: entry.name, committed, total: pieces.length };
    const chunkSize = this.deps.chunk ?? 200;
    while (committed < pieces.length) {
      if (signal?.aborted) {
        await releaseSourceFile(db, row.id, this.owner);
        return;
      }
      // A chunk never holds two messages with one duplicate key, so the writer keeps them in file order.
      const chunk: FilePiece[] = [];
      const keys = new Set<string>();
      for (let i = committed; i < pieces.length && chunk.length < chunkSize; i++) {
        const piece = pieces[i] as FilePiece;
        const key = roughKey(piece.bytes);
        if (keys.has(key)) break;
        keys.add(key);
        chunk.push(piece);
      }
      const results = await Promise.all(
        chunk.map(async (p) => {
          const remote = remoteOf(p);
          const earlier = known.get(remote);
          if (earlier) return { p, stored: { id: earlier.id, status: earlier.status } };
          const stored = await this.deps.store(p.bytes, { remote, connectionId: prefix });
          return { p, stored: stored && { id: stored.id, status: stored.status as string } };
        }),
      );
      const events: SourceEvent[] = [];
      let lastId: string | undefined;
      let next = committed;
      for (const r of results) {
        if (!r.stored) break;
        next++;
        lastId = r.stored.id;
        events.push({
          messageId: r.stored.id,
          status: r.stored.status,
          detail: `from ${this.deps.type} file ${entry.name} (file ${row.id}), message ${r.p.index + 1} of ${pieces.length}, line ${r.p.line}`,
        });
      }
      for (const r of results) if (r.stored) known.set(remoteOf(r.p), r.stored);
      const complete = next === committed + results.length;
      if (next > committed) {
        // The bound moves only past a chunk stored whole: a message stored after a gap stays findable.
        const ok = await advanceSourceFile(db, {
          id: row.id,
          owner: this.owner,
          leaseMs: this.leaseMs,
          committed: next,
          lastMessageId: complete ? lastId : undefined,
          events,
        });
        if (!ok) {
          logger.warn('file source: the lease on a file was lost; another engine process goes on with it', { channel, fileId: row.id });
          return;
        }
        this.state.messagesStored += next - committed;
        committed = next;
        this.state.current = { name: entry.name, committed, total: pieces.length };
      }
      if (!complete) {
        await releaseSourceFile(db, row.id, this.owner);
        throw new Error('a message of the file could not be stored (store unavailable)');
      }
    }
    await finishSourceFile(db, row.id, 'stored');
    await this.archive(session, entry, row.id);
    logger.info('file source: file taken in', { channel, fileId: row.id, messages: pieces.length, warnings: split.warnings.length });
  }

  private async archive(session: FolderSession, entry: FolderEntry, id: string): Promise<void> {
    await session.move(entry.name, this.deps.config.archiveDir);
    await finishSourceFile(this.deps.db, id, 'archived');
    this.seen.delete(entry.name);
    this.state.filesTaken++;
  }
}
