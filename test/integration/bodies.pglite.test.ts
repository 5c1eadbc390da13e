/**
 * The embedded store (PGlite) runs the same body code as Postgres: the start-up key check (a loose index scan),
 * sealed bodies read back, rotation, and retention with its VACUUM.
 */
import crypto from 'node:crypto';
import { sql } from 'kysely';
import { createLogger } from '../../src/core/logger';
import { BodyCodec, openBodyCodec, storedKeyIds } from '../../src/store/bodies';
import { pruneBodies, rotateBodies } from '../../src/store/body-maintenance';
import { openStore, type Store } from '../../src/store/db';
import { MessageRepository } from '../../src/store/repository';
import { dftMessage } from './support';

jest.setTimeout(60_000);

describe('message bodies on PGlite', () => {
  let store: Store;
  beforeAll(async () => { store = await openStore({ dataDir: 'memory://' }); });
  afterAll(async () => { await store?.close(); });

  test('seal, check keys, rotate, prune and vacuum', async () => {
    const A = { id: 'ka', key: crypto.randomBytes(32) };
    const B = { id: 'kb', key: crypto.randomBytes(32) };
    const repo = new MessageRepository(store.db, store.db, BodyCodec.encrypted(A));
    const content = dftMessage({ controlId: 'PGL-1', patientId: 'PPGL', lines: [{ txn: 'T1', code: '90471', amount: '1' }] });
    const [stored] = await repo.recordInbound([{
      channel: 'c', status: 'received', sender: 'S', controlId: 'PGL-1', messageType: 'DFT^P03', version: '2.5.1',
      processingId: 'P', patientKey: null, remote: 't', content, duplicateWindowMs: 0,
    }]);
    const id = stored!.id;
    expect(await storedKeyIds(store.db)).toEqual(['ka']);
    await expect(openBodyCodec(store.db, { mode: 'key', current: B, older: [], origin: 'test' }, createLogger({ silent: true })))
      .rejects.toThrow(/key ka, which is not configured/);
    expect((await rotateBodies(store.db, BodyCodec.encrypted(B, [A]))).rotated).toBe(1);
    expect(await storedKeyIds(store.db)).toEqual(['kb']);
    const claimed = await new MessageRepository(store.db, store.db, BodyCodec.encrypted(B)).claimMany([id]);
    expect(claimed.get(id)).toMatchObject({ kind: 'claimed', item: { content } });

    await sql`update messages set status = 'processed', finished_at = now() - interval '10 days' where id = ${id}`.execute(store.db);
    const report = await pruneBodies(store.db, [{ channel: 'c', bodiesDays: 7 }]);
    expect(report).toMatchObject({ pruned: 1, vacuumed: true });
    expect(await storedKeyIds(store.db)).toEqual([]);
  });
});
