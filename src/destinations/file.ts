/**
 * `file`: writes payloads into a local folder, one file a message or HL7 batch files.
 *
 * Contract (beside src/destinations/ports.ts):
 * - One file a message (no `batch`): the payload is written under a hidden temporary name in the folder, synced,
 *   then linked to its name (link fails rather than replace) and the folder synced: a reader sees the whole file or
 *   none, and an existing file is never overwritten. `delivered` = the file is in place and durable. Its name
 *   (src/destinations/file-name.ts) holds {messageId} or {deliveryKey}, so a second attempt of a delivery finds
 *   the first one's file and answers `delivered` without writing another.
 * - `batch`: messages are appended to an open batch file, hidden as `.<name>.open`, which starts with FHS and BHS;
 *   each append is synced before `delivered` (the message is durably in the file). A batch is closed when it holds
 *   `maxMessages` or is `maxAgeSeconds` old: BTS (its message count) and FTS are appended, it is synced and linked
 *   to `<name>`, where readers see it only complete. A ledger beside it (`.<name>.keys`: delivery key, offset,
 *   length, appended and synced after the message) makes a second attempt of a delivery find the message already
 *   in the batch (or in a batch closed in the last `keepKeysHours`), and lets a restart cut a half-written message
 *   off the open batch. One engine process writes a batch folder at a time (`.rxbridge-batch.lock` holds its pid).
 * - Temporary files a crash left (hidden, `.tmp`, older than an hour) are removed at the first write.
 * - Every file system failure (folder missing, permissions, disk full) is `retry` naming the folder and the code.
 *   The folder is never created by the connector: a mistyped path is an error, not a new folder.
 * - Writes are synchronous (small files, fsync): a delivery holds the event loop for the time of one write and sync.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { batchHeader, batchMessage, batchTrailer, mshDelimiters } from './hl7-batch';
import { checkFileNamePattern, fileName, hasTimeToken, namePattern, nameValues } from './file-name';
import type { Connector, ConnectorContext, ConnectorFactory, DeliveryResult, OutboundPayload } from './ports';

const pattern = (kind: 'message' | 'batch') =>
  z.string().superRefine((p, ctx) => {
    const why = checkFileNamePattern(p, kind);
    if (why) ctx.addIssue({ code: 'custom', message: `the file name pattern ${why}` });
  });

const batchSchema = z.strictObject({
  /** The batch file's name; tokens {channel}, {destination}, {timestamp} (when it was opened), {date}. */
  fileName: pattern('batch').default('{destination}_{timestamp}.hl7'),
  maxMessages: z.number().int().min(1).max(100_000).default(1000),
  maxAgeSeconds: z
    .number()
    .int()
    .min(1)
    .max(7 * 86_400)
    .default(3600),
  /** How long the delivery keys of closed batches are kept to recognise a second attempt. */
  keepKeysHours: z
    .number()
    .int()
    .min(1)
    .max(24 * 30)
    .default(24),
});

const optionsSchema = z.strictObject({
  /** The folder (relative paths: to the project directory); it must exist. */
  folder: z.string().min(1),
  /** One file a message: its name; see src/destinations/file-name.ts for the tokens. */
  fileName: pattern('message').default('{messageId}_{destination}.hl7'),
  /** Present: HL7 batch files instead of one file a message (HL7 v2 payloads only). */
  batch: batchSchema.optional(),
});

export type FileOptions = z.infer<typeof optionsSchema>;
type BatchOptions = z.infer<typeof batchSchema>;

const errCode = (err: unknown) => (err as NodeJS.ErrnoException).code ?? 'failed';

/** Syncs a folder's entry list (a link, rename or unlink in it is durable once this returns). */
function syncDir(dir: string): void {
  const fd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** Writes `content` to a new hidden file in `dir` and syncs it; returns its path. */
function writeTemp(dir: string, name: string, content: string): string {
  const temp = path.join(dir, `.${name}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  const fd = fs.openSync(temp, 'wx', 0o640);
  try {
    fs.writeFileSync(fd, content, 'utf8');
    fs.fsyncSync(fd);
  } catch (err) {
    fs.closeSync(fd);
    fs.rmSync(temp, { force: true });
    throw err;
  }
  fs.closeSync(fd);
  return temp;
}

/** Links `temp` to `target` (never replacing), removes `temp`; false when `target` already exists. */
function placeNoClobber(temp: string, target: string): boolean {
  try {
    fs.linkSync(temp, target);
    return true;
  } catch (err) {
    if (errCode(err) === 'EEXIST') return false;
    throw err;
  } finally {
    fs.rmSync(temp, { force: true });
  }
}

/** Temporary files of writeTemp (`.<name>.<pid>.<8 hex>.tmp`). */
const TEMP = /^\..+\.\d+\.[0-9a-f]{8}\.tmp$/;
/** A temporary file this old was left by a crash (a write takes seconds at most). */
export const STALE_TEMP_MS = 3_600_000;

/** Removes temporary files a crash left in the folder (older than STALE_TEMP_MS: never one being written). */
function removeStaleTemps(folder: string, now: number): void {
  for (const n of fs.readdirSync(folder)) {
    if (!TEMP.test(n)) continue;
    const file = path.join(folder, n);
    try {
      if (now - fs.statSync(file).mtimeMs > STALE_TEMP_MS) fs.rmSync(file, { force: true });
    } catch {
      // gone meanwhile
    }
  }
}

/** One file a message. */
function singleFiles(folder: string, o: FileOptions): (p: OutboundPayload, now: Date) => DeliveryResult {
  const timed = hasTimeToken(o.fileName);
  let swept = false;
  return (p, now) => {
    if (!swept) {
      removeStaleTemps(folder, now.getTime());
      swept = true;
    }
    const values = nameValues(p, now);
    const name = fileName(o.fileName, values);
    if (timed) {
      const re = namePattern(o.fileName, values);
      const earlier = fs.readdirSync(folder).find((n) => re.test(n));
      if (earlier) return { kind: 'delivered', detail: `already written as ${earlier}` };
    }
    const temp = writeTemp(folder, name, p.body);
    if (!placeNoClobber(temp, path.join(folder, name))) {
      syncDir(folder);
      return { kind: 'delivered', detail: `already written as ${name}` };
    }
    syncDir(folder);
    return { kind: 'delivered', detail: `written as ${name}` };
  };
}

interface Ledger {
  key: string;
  offset: number;
  length: number;
}

interface OpenBatch {
  name: string;
  openedAt: number;
  /** The header's length (FHS + BHS). */
  headerLength: number;
  delimiters: string;
  entries: Ledger[];
  /** The open file's and the ledger's sizes after the last complete append (what a failed append is cut back to). */
  size: number;
  ledgerSize: number;
}

const LOCK = '.rxbridge-batch.lock';
const OPEN = (name: string) => `.${name}.open`;
const KEYS = (name: string) => `.${name}.keys`;
const CLOSED_KEYS = (name: string) => `.${name}.closed-keys`;

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return errCode(err) === 'EPERM';
  }
}

/** Takes the folder's batch lock for this process; a lock of a process that is gone is taken over. */
function takeLock(folder: string): string | undefined {
  const file = path.join(folder, LOCK);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(file, String(process.pid), { flag: 'wx', mode: 0o640 });
      return undefined;
    } catch (err) {
      if (errCode(err) !== 'EEXIST') throw err;
      const holder = Number(fs.readFileSync(file, 'utf8').trim());
      if (holder === process.pid) return undefined;
      if (Number.isInteger(holder) && holder > 0 && isAlive(holder)) return `the batch folder ${folder} is written by process ${holder}`;
      fs.rmSync(file, { force: true });
    }
  }
  return `the batch folder ${folder} lock cannot be taken`;
}

/** The batch writer that holds each folder in this process (two destinations on one batch folder would mix batches). */
const WRITERS = new Map<string, BatchWriter>();

/** HL7 batch files in one folder (see the contract above). */
class BatchWriter {
  private open: OpenBatch | undefined;
  private recentKeys = new Map<string, string>();
  private loaded = false;

  constructor(
    private readonly folder: string,
    private readonly o: BatchOptions,
  ) {}

  /** Takes the lock and reads the folder's state once: an open batch is recovered, recent closed keys loaded. */
  private load(now: number): string | undefined {
    if (this.loaded) return undefined;
    const holder = WRITERS.get(this.folder);
    if (holder && holder !== this) return `the batch folder ${this.folder} is written by another destination (or one being replaced)`;
    const held = takeLock(this.folder);
    if (held) return held;
    WRITERS.set(this.folder, this);
    removeStaleTemps(this.folder, now);
    const names = fs.readdirSync(this.folder);
    for (const n of names) {
      const closed = /^\.(.+)\.closed-keys$/.exec(n);
      if (!closed) continue;
      const file = path.join(this.folder, n);
      if (now - fs.statSync(file).mtimeMs > this.o.keepKeysHours * 3_600_000) fs.rmSync(file, { force: true });
      else for (const e of readLedger(file).entries) this.recentKeys.set(e.key, closed[1] as string);
    }
    const openName = names.map((n) => /^\.(.+)\.open$/.exec(n)?.[1]).find((n) => n !== undefined);
    if (openName) this.open = this.recover(openName);
    this.loaded = true;
    return undefined;
  }

  /** The open batch as its ledger says: a message after the last complete ledger entry is cut off. */
  private recover(name: string): OpenBatch | undefined {
    const file = path.join(this.folder, OPEN(name));
    const ledger = readLedger(path.join(this.folder, KEYS(name)));
    const size = fs.statSync(file).size;
    const text = fs.readFileSync(file, 'utf8');
    const closed = path.join(this.folder, name);
    if (fs.existsSync(closed) && fs.readFileSync(closed, 'utf8').startsWith(text.slice(0, ledger.headerLength))) {
      // A crash after the closed batch was linked into place: finish its close.
      this.finishClosed(name, ledger.entries);
      return undefined;
    }
    const entries: Ledger[] = [];
    let end = ledger.headerLength;
    for (const e of ledger.entries) {
      if (e.offset !== end || e.offset + e.length > size) break;
      entries.push(e);
      end = e.offset + e.length;
    }
    if (end < size) {
      fs.truncateSync(file, end);
      const fd = fs.openSync(file, 'r+');
      fs.fsyncSync(fd);
      fs.closeSync(fd);
    }
    writeLedger(path.join(this.folder, KEYS(name)), ledger.headerLength, entries);
    const ledgerSize = fs.statSync(path.join(this.folder, KEYS(name))).size;
    const openedAt = ledger.openedAt || fs.statSync(file).birthtimeMs || Date.now();
    return {
      name,
      openedAt,
      headerLength: ledger.headerLength,
      delimiters: mshDelimiters(`MSH${text.slice(3, 200)}`) ?? '|^~\\&',
      entries,
      size: end,
      ledgerSize,
    };
  }

  /** Appends one message; closes the batch when full. */
  append(p: OutboundPayload, now: Date): DeliveryResult {
    const held = this.load(now.getTime());
    if (held) return { kind: 'retry', error: held };
    if (this.open && this.isDue(now.getTime())) this.close();
    const inOpen = this.open?.entries.find((e) => e.key === p.deliveryKey);
    if (inOpen && this.open) return { kind: 'delivered', detail: `already in the open batch ${this.open.name}` };
    const closedIn = this.recentKeys.get(p.deliveryKey);
    if (closedIn) return { kind: 'delivered', detail: `already in the batch ${closedIn}` };
    const delimiters = mshDelimiters(p.body);
    if (!delimiters) return { kind: 'rejected', error: 'a batch file takes HL7 v2 messages: the payload does not start with MSH' };
    if (!this.open) this.open = this.start(p, now);
    const batch = this.open;
    if (delimiters !== batch.delimiters)
      return { kind: 'rejected', error: `the message's delimiters ${delimiters} are not the batch's ${batch.delimiters}` };
    const text = batchMessage(p.body);
    const entry: Ledger = { key: p.deliveryKey, offset: batch.size, length: Buffer.byteLength(text, 'utf8') };
    const line = ledgerLine(entry);
    const openFile = path.join(this.folder, OPEN(batch.name));
    const keysFile = path.join(this.folder, KEYS(batch.name));
    // The message first, then its ledger line: a crash in between leaves bytes no ledger entry covers, which
    // recover() cuts off (the delivery was not answered, so it is tried again). A failure cuts both files back.
    try {
      appendSynced(openFile, text);
      appendSynced(keysFile, line);
    } catch (err) {
      try {
        fs.truncateSync(openFile, batch.size);
        fs.truncateSync(keysFile, batch.ledgerSize);
      } catch {
        // Both files are read again from disk (recover) before the next append.
        this.open = undefined;
        this.loaded = false;
      }
      throw err;
    }
    batch.entries.push(entry);
    batch.size += entry.length;
    batch.ledgerSize += Buffer.byteLength(line, 'utf8');
    const n = batch.entries.length;
    const name = batch.name;
    if (n >= this.o.maxMessages) this.close();
    return { kind: 'delivered', detail: `message ${n} of the batch ${name}` };
  }

  private isDue(now: number): boolean {
    const b = this.open;
    return !!b && (b.entries.length >= this.o.maxMessages || now - b.openedAt >= this.o.maxAgeSeconds * 1000);
  }

  private start(first: OutboundPayload, now: Date): OpenBatch {
    const name = fileName(this.o.fileName, nameValues(first, now));
    const header = batchHeader({
      firstMessage: first.body,
      at: now,
      fileName: name,
      controlId: `${now.getTime().toString(36)}${randomBytes(3).toString('hex')}`,
    });
    const headerLength = Buffer.byteLength(header, 'utf8');
    writeLedger(path.join(this.folder, KEYS(name)), headerLength, [], now.getTime());
    const ledgerSize = fs.statSync(path.join(this.folder, KEYS(name))).size;
    const temp = writeTemp(this.folder, OPEN(name), header);
    fs.renameSync(temp, path.join(this.folder, OPEN(name)));
    syncDir(this.folder);
    return {
      name,
      openedAt: now.getTime(),
      headerLength,
      delimiters: mshDelimiters(first.body) ?? '|^~\\&',
      entries: [],
      size: headerLength,
      ledgerSize,
    };
  }

  /** Closes the open batch when it is due; called by the timer. */
  closeIfDue(now: number): void {
    // Loads first, so that a batch left open by an earlier run is closed by age even when no message comes.
    if (this.load(now)) return;
    if (this.isDue(now)) this.close();
  }

  /**
   * Writes the closed batch (the open file and its trailer) under a temporary name, links it to its name (never
   * replacing a file) and only then removes the open file: a crash in between leaves the open file beside a complete
   * closed one, which load() finishes (see finishClosed).
   */
  private close(): void {
    const b = this.open;
    if (!b) return;
    const openFile = path.join(this.folder, OPEN(b.name));
    const content = fs.readFileSync(openFile, 'utf8') + batchTrailer(b.entries.length, b.delimiters.charAt(0));
    const temp = writeTemp(this.folder, b.name, content);
    if (!placeNoClobber(temp, path.join(this.folder, b.name)))
      throw Object.assign(new Error('a file of the batch name exists'), { code: 'EEXIST' });
    this.finishClosed(b.name, b.entries);
  }

  private finishClosed(name: string, entries: readonly Ledger[]): void {
    fs.rmSync(path.join(this.folder, OPEN(name)), { force: true });
    fs.renameSync(path.join(this.folder, KEYS(name)), path.join(this.folder, CLOSED_KEYS(name)));
    syncDir(this.folder);
    for (const e of entries) this.recentKeys.set(e.key, name);
    this.open = undefined;
  }

  release(): void {
    if (WRITERS.get(this.folder) !== this) return;
    WRITERS.delete(this.folder);
    const file = path.join(this.folder, LOCK);
    try {
      if (Number(fs.readFileSync(file, 'utf8').trim()) === process.pid) fs.rmSync(file, { force: true });
    } catch {
      // already gone
    }
    this.loaded = false;
    this.open = undefined;
    this.recentKeys.clear();
  }
}

function appendSynced(file: string, text: string): void {
  const fd = fs.openSync(file, 'a');
  try {
    fs.writeSync(fd, text);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

const ledgerLine = (e: Ledger) => `${e.key.replace(/[\t\n]/g, ' ')}\t${e.offset}\t${e.length}\n`;

function writeLedger(file: string, headerLength: number, entries: Ledger[], openedAt?: number): void {
  const previous = openedAt ?? (fs.existsSync(file) ? readLedger(file).openedAt : Date.now());
  const text = `#header\t${headerLength}\t${previous}\n${entries.map(ledgerLine).join('')}`;
  const temp = writeTemp(path.dirname(file), path.basename(file), text);
  fs.renameSync(temp, file);
}

function readLedger(file: string): { headerLength: number; openedAt: number; entries: Ledger[] } {
  let text = '';
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return { headerLength: 0, openedAt: 0, entries: [] };
  }
  let headerLength = 0;
  let openedAt = 0;
  const entries: Ledger[] = [];
  // A last line without its newline was cut by a crash: it is not an entry.
  const lines = text.split('\n');
  lines.pop();
  for (const line of lines) {
    const f = line.split('\t');
    if (f[0] === '#header') {
      headerLength = Number(f[1]);
      openedAt = Number(f[2]) || 0;
    } else if (f.length === 3) entries.push({ key: f[0] as string, offset: Number(f[1]), length: Number(f[2]) });
  }
  return { headerLength, openedAt, entries };
}

export const fileConnector: ConnectorFactory<FileOptions> = {
  type: 'file',
  options: optionsSchema,
  create(o: FileOptions, ctx: ConnectorContext): Connector {
    const folder = path.resolve(ctx.baseDir, o.folder);
    const single = singleFiles(folder, o);
    const batches = o.batch ? new BatchWriter(folder, o.batch) : undefined;
    const timer = o.batch
      ? setInterval(
          () => {
            try {
              batches?.closeIfDue(Date.now());
            } catch (err) {
              ctx.logger.warn('batch file not closed', { folder, code: errCode(err) });
            }
          },
          Math.min(30_000, o.batch.maxAgeSeconds * 250),
        )
      : undefined;
    timer?.unref();
    return {
      async send(p: OutboundPayload, signal: AbortSignal): Promise<DeliveryResult> {
        if (signal.aborted) return { kind: 'retry', error: 'the delivery was stopped (shutdown or timeout)' };
        try {
          if (batches) {
            if (p.format !== 'hl7v2') return { kind: 'rejected', error: `a batch file takes HL7 v2 messages, not ${p.format}` };
            return batches.append(p, new Date());
          }
          return single(p, new Date());
        } catch (err) {
          return { kind: 'retry', error: `writing into ${folder} failed (${errCode(err)})` };
        }
      },
      async close() {
        if (timer) clearInterval(timer);
        batches?.release();
      },
    };
  },
};
