/**
 * The duplicate rule in the store, on the embedded store (PGlite, the same statement as Postgres): a copy of a
 * received message (same sender, control id and content; MSH-7 aside) is a duplicate; another content with the
 * same control id is received and flagged; a message stored before content hashes were kept still catches its
 * resends by sender and control id alone; a holder older than the window gives its key up.
 */
import { sql } from 'kysely';
import { contentHash } from '../../src/hl7/content-hash';
import type { InboundRecord } from '../../src/pipeline/ports';
import { openStore, type Store } from '../../src/store/db';
import { MessageRepository } from '../../src/store/repository';
import { dftMessage } from './support';

jest.setTimeout(60_000);

const WINDOW_MS = 72 * 3600_000;

function inbound(content: string, controlId: string, extra: Partial<InboundRecord> = {}): InboundRecord {
  return {
    channel: 'c', status: 'received', sender: 'RXSYS|PHARM01', controlId, messageType: 'DFT^P03', version: '2.5.1',
    processingId: 'P', patientKey: null, remote: 't', content, duplicateWindowMs: WINDOW_MS, ...extra,
  };
}

describe('duplicates and reused control ids on PGlite', () => {
  let store: Store;
  let repo: MessageRepository;
  beforeAll(async () => {
    store = await openStore({ dataDir: 'memory://' });
    repo = new MessageRepository(store.db, store.db);
  });
  afterAll(async () => { await store?.close(); });

  const charge = (controlId: string, amount: string) =>
    dftMessage({ controlId, patientId: 'PGL1', lines: [{ txn: `${controlId}-1`, code: '90471', amount }] });

  test('a copy is a duplicate (with or without the intake\'s hash, MSH-7 refreshed); other content is received and flagged', async () => {
    const first = charge('PGL-1', '3.00');
    const [original] = await repo.recordInbound([inbound(first, 'PGL-1', { contentHash: contentHash(first) })]);
    expect(original).toMatchObject({ status: 'received', duplicateOf: null, reusedControlIdOf: null });

    const refreshed = first.replace('|20261103101500||DFT', '|20261104080000||DFT');
    expect(refreshed).not.toBe(first);
    const [copy, refresh] = [
      (await repo.recordInbound([inbound(first, 'PGL-1')]))[0]!,            // the store hashes it itself
      (await repo.recordInbound([inbound(refreshed, 'PGL-1')]))[0]!,
    ];
    expect([copy.status, copy.duplicateOf]).toEqual(['duplicate', original!.id]);
    expect([refresh.status, refresh.duplicateOf]).toEqual(['duplicate', original!.id]);

    const [other] = await repo.recordInbound([inbound(charge('PGL-1', '4.00'), 'PGL-1')]);
    expect(other).toMatchObject({ status: 'received', duplicateOf: null, reusedControlIdOf: original!.id });
    const events = await store.db.selectFrom('message_events').select(['message_id', 'code']).where('code', '=', 'control-id-reused').execute();
    expect(events.map((e) => String(e.message_id))).toEqual([other!.id]);
    // Another channel or sender is never a copy.
    const [elsewhere] = await repo.recordInbound([inbound(first.replace('|RXSYS|PHARM01|', '|OTHER|PHARM02|'), 'PGL-1', { sender: 'OTHER|PHARM02' })]);
    expect(elsewhere).toMatchObject({ status: 'received', reusedControlIdOf: null });
    const [otherChannel] = await repo.recordInbound([inbound(first, 'PGL-1', { channel: 'c2' })]);
    expect(otherChannel).toMatchObject({ status: 'received', reusedControlIdOf: null });
  });

  test('a message stored before hashes were kept catches a resend by sender and control id, as before', async () => {
    const legacy = charge('PGL-2', '3.00');
    const [old] = await repo.recordInbound([inbound(legacy, 'PGL-2')]);
    // As the migration leaves an older row: no hash, and no key.
    await sql`update messages set content_hash = null where id = ${old!.id}`.execute(store.db);
    await sql`delete from inbound_keys where message_id = ${old!.id}`.execute(store.db);
    const [resend] = await repo.recordInbound([inbound(charge('PGL-2', '9.00'), 'PGL-2')]);
    expect([resend!.status, resend!.duplicateOf]).toEqual(['duplicate', old!.id]);
  });

  test('a holder older than the window gives its key to the next copy; window 0 checks nothing', async () => {
    const text = charge('PGL-3', '3.00');
    const [first] = await repo.recordInbound([inbound(text, 'PGL-3')]);
    await sql`update messages set received_at = now() - interval '100 hours' where id = ${first!.id}`.execute(store.db);
    await sql`update inbound_keys set received_at = now() - interval '100 hours' where message_id = ${first!.id}`.execute(store.db);
    const [late] = await repo.recordInbound([inbound(text, 'PGL-3')]);
    expect(late).toMatchObject({ status: 'received', duplicateOf: null, reusedControlIdOf: null });
    const [again] = await repo.recordInbound([inbound(text, 'PGL-3')]);
    expect([again!.status, again!.duplicateOf]).toEqual(['duplicate', late!.id]);
    const [unchecked] = await repo.recordInbound([inbound(text, 'PGL-3', { duplicateWindowMs: 0 })]);
    expect(unchecked!.status).toBe('received');
  });
});
