/**
 * The file source's exactly-once rule on the embedded store (PGlite; migration 031 on it), with real files and the
 * channel's real intake and store:
 * - messages committed but not yet counted when the reader died (its store call failed after the commit, as a
 *   kill -9 between the two would leave them) are found again by the next reader and never stored twice;
 * - two readers polling one folder at once (two engine processes) store every message once: one takes the file;
 * - a file put back with the same name, size and time after it was archived is moved on without storing.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { sql } from 'kysely';
import { createLogger } from '../../src/core/logger';
import type { FrameSource } from '../../src/pipeline/intake';
import type { InboundRecord } from '../../src/pipeline/ports';
import { FileSource, holderIsDead } from '../../src/sources/file-source';
import { localFolder } from '../../src/sources/folders';
import { sourceIntake } from '../../src/sources/source-intake';
import { openStore, type Store } from '../../src/store/db';
import { MessageRepository } from '../../src/store/repository';

jest.setTimeout(60_000);

const logger = createLogger({ stream: new PassThrough(), level: 'error' });

function adt(i: number): string {
  return `MSH|^~\\&|RXSYS|PHARM|RXB|RXB|20250301120000||ADT^A04|X-${i}|P|2.5.1\nEVN|A04\nPID|1||XP${i}^^^RXSYS^MR||DOE^JO\n`;
}

describe('file source exactly once (PGlite)', () => {
  let store: Store;
  let repo: MessageRepository;
  let dir: string;
  beforeAll(async () => {
    store = await openStore({ dataDir: 'memory://' });
    repo = new MessageRepository(store.db, store.db);
  });
  afterAll(async () => {
    await store?.close();
  });
  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rxb-fsrc-'));
    for (const d of ['in', 'archive']) fs.mkdirSync(path.join(dir, d));
    await sql`delete from message_events`.execute(store.db);
    await sql`delete from inbound_keys`.execute(store.db);
    await sql`delete from message_contents`.execute(store.db);
    await sql`delete from message_terms`.execute(store.db);
    await sql`delete from messages`.execute(store.db);
    await sql`delete from source_files`.execute(store.db);
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const intake = sourceIntake({
    channel: { name: 'files', accept: new Set(['ADT^A04']), processingIds: new Set(['P']), duplicateWindowMs: 0, charset: 'UTF-8' },
    store: {
      recordInbound: (recs: readonly InboundRecord[]) => repo.recordInbound(recs),
    } as never,
    onReceived: () => undefined,
    logger,
  });

  function reader(owner: string, store2 = (b: Buffer, s: FrameSource) => intake.store(b, s)) {
    return new FileSource({
      channel: 'files',
      type: 'file',
      config: { dir: `${dir}/in`, archiveDir: `${dir}/archive`, pattern: '*.hl7', pollIntervalMs: 100, minAgeMs: 0, maxFileBytes: 1e8, charset: 'UTF-8' },
      db: store.db,
      open: async () => localFolder('files', `${dir}/in`),
      store: store2,
      logger,
      owner,
      chunk: 4,
    });
  }

  const counts = async () =>
    (await sql<{ control_id: string; n: number }>`select control_id, count(*)::int as n from messages group by control_id order by min(id)`.execute(store.db))
      .rows;

  test('messages committed but not counted before the reader died are counted by the next, never stored twice', async () => {
    fs.writeFileSync(path.join(dir, 'in', 'a.hl7'), Array.from({ length: 10 }, (_, i) => adt(i + 1)).join(''));
    // The first reader's process "dies" right after the commit of its 7th message, before it counts anything more.
    const deadOwner = `${os.hostname()}/999999/dead`;
    expect(holderIsDead(deadOwner)).toBe(true);
    let calls = 0;
    const dying = reader(deadOwner, async (b, s) => {
      const stored = await intake.store(b, s);
      if (++calls >= 7) throw new Error('killed after the commit');
      return stored;
    });
    await dying.poll(); // sees the file
    await expect(dying.poll()).rejects.toThrow('killed after the commit');
    const before = await counts();
    expect(before.length).toBeGreaterThanOrEqual(7);
    const row = (await sql<any>`select committed, lease_owner from source_files`.execute(store.db)).rows[0];
    expect(row.committed).toBeLessThan(before.length); // stored but not counted
    expect(row.lease_owner).toBe(deadOwner);

    const next = reader(`${os.hostname()}/${process.pid}/next`);
    await next.poll();
    await next.poll();
    expect(fs.existsSync(path.join(dir, 'archive', 'a.hl7'))).toBe(true);
    const after = await counts();
    expect(after).toEqual(Array.from({ length: 10 }, (_, i) => ({ control_id: `X-${i + 1}`, n: 1 })));
    const events = (await sql<{ n: number }>`select count(*)::int as n from message_events where code = 'source-file'`.execute(store.db)).rows[0];
    expect(events?.n).toBe(10);
  });

  test('two readers polling one folder at once: one takes the file, every message is stored once', async () => {
    fs.writeFileSync(path.join(dir, 'in', 'b.hl7'), Array.from({ length: 60 }, (_, i) => adt(100 + i)).join(''));
    const a = reader(`${os.hostname()}/${process.pid}/a`);
    const b = reader(`${os.hostname()}/${process.pid}/b`);
    await Promise.all([a.poll(), b.poll()]);
    await Promise.all([a.poll().catch(() => undefined), b.poll().catch(() => undefined)]);
    await a.poll().catch(() => undefined);
    await b.poll().catch(() => undefined);
    expect(fs.existsSync(path.join(dir, 'archive', 'b.hl7'))).toBe(true);
    const rows = await counts();
    expect(rows).toHaveLength(60);
    expect(rows.filter((r) => r.n !== 1)).toEqual([]);
    expect(a.status().messagesStored + b.status().messagesStored).toBe(60);
  });

  test('a file put back with the same name, size and time is archived again without storing', async () => {
    const file = path.join(dir, 'in', 'c.hl7');
    fs.writeFileSync(file, adt(500) + adt(501));
    const when = new Date(Date.now() - 60_000);
    fs.utimesSync(file, when, when);
    const r = reader(`${os.hostname()}/${process.pid}/c`);
    await r.poll();
    await r.poll();
    expect(await counts()).toHaveLength(2);
    fs.copyFileSync(path.join(dir, 'archive', 'c.hl7'), file);
    fs.utimesSync(file, when, when);
    await r.poll();
    await r.poll();
    expect(fs.existsSync(path.join(dir, 'archive', 'c.hl7.1'))).toBe(true);
    expect(await counts()).toHaveLength(2);
  });
});
