/**
 * The web console's server APIs against a whole engine on Postgres: the dashboard (per-minute counts,
 * queue, senders), message search (date range, Rx number, patient id / family-name prefix through the blind
 * index, keyset pages), the timeline, dead-letter groups and bulk replay, mapping versions and rollback.
 * Real MLLP, real HTTP (fetch), real Redis; users with roles viewer and operator log in like anyone else.
 */
import fs from 'node:fs';
import path from 'node:path';
import { startHarness, type Harness } from './engine-harness';
import type { MllpTestClient } from './mllp-client';
import { dftMessage, ROOT } from './support';

jest.setTimeout(90_000);

const PASSWORDS = { carol: 'carol-viewer-password-1', bob: 'bob-operator-password-1' };
const SHIPPED_DFT = fs.readFileSync(path.join(ROOT, 'mappings/dft-p03.yaml'), 'utf8');
const FROM_SET_ID = SHIPPED_DFT.replace('transactionId: FT1-2', 'transactionId: FT1-1');
const NO_AMOUNT = fs.readFileSync(path.join(ROOT, 'samples/dft-p03-no-amount.hl7'), 'utf8').replace(/\r?\n/g, '\r').trim();

/** A DFT with one charge line for a patient with this id and family name. */
function dft(controlId: string, patientId: string, family: string, txn = `T-${controlId}`): string {
  return dftMessage({ controlId, patientId, lines: [{ txn, code: '90471', amount: '25' }] }).replace('TESTPATIENT^ALEX', `${family}^ALEX`);
}

/** An RDS^O13 dispensing prescription `rx` (RXE-15 and RXD-7). */
function rds(controlId: string, patientId: string, rx: string): string {
  return [
    `MSH|^~\\&|RXSYS|PHARM01|RXBRIDGE|HOSP|20240310143500||RDS^O13^RDS_O13|${controlId}|P|2.5.1`,
    `PID|1||${patientId}^^^PHARM01^MR||DISPENSE^PAT||19800115|F`,
    'ORC|RE|PLC-1|FIL-1||||||20240310120000|||1234567893^PRESCRIBER^PAT^^^^^^^^^^NPI',
    `RXE||0093-0058-01^AMOXICILLIN 500MG CAP^NDC|1||CAP|||||30|CAP||||${rx}`,
    `RXD|1|0093-0058-01^AMOXICILLIN 500MG CAP^NDC|20240310143000|30|CAP^CAPSULE||${rx}|||1987654321^PHARMACIST^PAT^^^^^^^^^^NPI|G`,
    'FT1|1|||20240310||CG|RX-DISPENSE|||30|18.75&USD',
  ].join('\r');
}

describe('console APIs', () => {
  let h: Harness;
  let client: MllpTestClient;
  const tokens: Record<string, string> = {};
  const idOf: Record<string, string> = {};

  const as = (who: 'carol' | 'bob' | 'admin') => (who === 'admin' ? undefined : tokens[who]);
  async function get(url: string, who: 'carol' | 'bob' | 'admin' = 'bob') {
    return h.api('GET', url, undefined, as(who));
  }

  /** Sends one message on the test's own connection and returns its id once it reached `statuses`. */
  async function send(controlId: string, text: string, statuses = ['processed']): Promise<string> {
    client.sendFrame(text);
    expect(await client.nextReply(10_000)).toContain('MSA|AA|');
    const row = await h.engine.store.db.selectFrom('messages').select('id').where('control_id', '=', controlId).executeTakeFirstOrThrow();
    const id = String(row.id);
    await h.waitForStatus(id, statuses);
    idOf[controlId] = id;
    return id;
  }

  beforeAll(async () => {
    h = await startHarness({ store: 'postgres' });
    // Users below admin: the bootstrap token stays the admin of this test.
    for (const [username, role] of [['carol', 'viewer'], ['bob', 'operator']] as const) {
      expect((await h.api('POST', '/api/users', { username, password: PASSWORDS[username], role })).status).toBe(201);
      const login = await h.api('POST', '/api/login', { username, password: PASSWORDS[username] }, null);
      expect(login.status).toBe(200);
      tokens[username] = login.json.token;
    }
    client = await h.client();
  });

  afterAll(async () => {
    await client?.close();
    await h?.close();
  });

  test('the dashboard shows the channel, the last hour per minute with a message just sent, the queue and the sender', async () => {
    await send('DASH-1', dft('DASH-1', 'PAT-DASH', 'DASHWOOD'));
    const res = await get('/api/dashboard', 'carol');
    expect(res.status).toBe(200);
    expect(Date.parse(res.json.generatedAt)).not.toBeNaN();
    expect(res.json.channels).toHaveLength(1);
    const ch = res.json.channels[0];
    expect(ch).toMatchObject({ name: 'pharmacy-inbound', state: 'listening', port: h.mllpPort });
    expect(ch.counts.processed).toBeGreaterThanOrEqual(1);
    expect(ch.perMinute).toHaveLength(60);
    const minutes = ch.perMinute.map((m: { minute: string }) => Date.parse(m.minute));
    expect(minutes.every((t: number, i: number) => i === 0 || t - minutes[i - 1] === 60_000)).toBe(true);
    expect(minutes[59]).toBe(Math.floor(Date.parse(res.json.generatedAt) / 60_000) * 60_000);
    const lastTwo = ch.perMinute.slice(58).reduce((n: number, m: { received: number }) => n + m.received, 0);
    expect(lastTwo).toBeGreaterThanOrEqual(1); // the message sent above (a minute may have turned since)
    expect(ch.perMinute.slice(0, 58).every((m: { received: number; failed: number }) => m.received === 0 && m.failed === 0)).toBe(true);
    expect(ch.queue).toEqual({ waiting: expect.any(Number), active: expect.any(Number), delayed: expect.any(Number), failed: expect.any(Number) });
    expect(ch.lastError).toBeNull();
    expect(ch.senders).toEqual([{ remote: expect.stringMatching(/^127\.0\.0\.1:\d+$/), connectedAt: expect.any(String), messages: 1 }]);
    expect(Date.parse(ch.senders[0].connectedAt)).toBeLessThanOrEqual(Date.now());
  });

  test('search by Rx number, patient id and family-name prefix (operator), with a viewer refused the patient search', async () => {
    await send('SRCH-1', dft('SRCH-1', 'PAT-SMITH-1', 'Smith'));
    await send('SRCH-2', dft('SRCH-2', 'PAT-SMITHERS', 'SMITHERS'));
    await send('SRCH-3', dft('SRCH-3', 'PAT-JONES', 'Jones'));
    await send('SRCH-4', rds('SRCH-4', 'PAT-RX', 'RX-4711'));
    await send('SRCH-5', rds('SRCH-5', 'PAT-RX', 'RX-4712'));

    const byRx = await get('/api/messages?rx=rx-4711', 'carol');
    expect(byRx.status).toBe(200);
    expect(byRx.json.messages.map((m: { id: string }) => m.id)).toEqual([idOf['SRCH-4']]);

    const byPrefix = await get('/api/messages?patient=smi');
    expect(byPrefix.json.messages.map((m: { id: string }) => m.id)).toEqual([idOf['SRCH-2'], idOf['SRCH-1']]);
    const byFullName = await get('/api/messages?patient=SMITH');
    expect(byFullName.json.messages).toHaveLength(2);
    const byId = await get('/api/messages?patient=PAT-JONES');
    expect(byId.json.messages.map((m: { id: string }) => m.id)).toEqual([idOf['SRCH-3']]);
    const both = await get('/api/messages?patient=PAT-RX&rx=RX-4712');
    expect(both.json.messages.map((m: { id: string }) => m.id)).toEqual([idOf['SRCH-5']]);
    expect((await get('/api/messages?patient=nobody-here')).json.messages).toEqual([]);

    const refused = await get('/api/messages?patient=smi', 'carol');
    expect(refused.status).toBe(403);
    expect(refused.json.error.code).toBe('FORBIDDEN');

    // The store keeps keyed hashes, never the names or ids; the patient searches are audited without the term.
    const row = await h.engine.store.db.selectFrom('message_terms').select('tokens').where('message_id', '=', idOf['SRCH-1'] as never).executeTakeFirstOrThrow();
    expect(row.tokens.length).toBeGreaterThan(5);
    expect(JSON.stringify(row.tokens).toLowerCase()).not.toMatch(/smith|pat-/);
    const audits = await h.engine.store.db.selectFrom('audit_events').select(['actor', 'detail']).where('action', '=', 'message.search').execute();
    expect(audits.length).toBeGreaterThanOrEqual(4);
    expect(JSON.stringify(audits)).not.toMatch(/smi|PAT-JONES/i);
  });

  test('every search by patient follows one rule: charges and claims as messages need operator and are audited without the term', async () => {
    await send('PSRCH-1', dft('PSRCH-1', 'PAT-PSEARCH', 'PSEARCHER'));
    for (const url of ['/api/charges?patient=PAT-PSEARCH', '/api/claims?patient=PAT-PSEARCH', '/api/messages?patient=PAT-PSEARCH']) {
      const refused = await get(url, 'carol');
      expect(refused.status).toBe(403);
      expect(refused.json.error.message).toMatch(/searching by patient needs role operator/);
    }
    // Without a patient term the lists stay a viewer's (and are not audited).
    expect((await get('/api/charges', 'carol')).status).toBe(200);
    expect((await get('/api/claims', 'carol')).status).toBe(200);

    const before = await h.engine.store.db.selectFrom('audit_events').select((eb) => eb.fn.max('id').as('max')).executeTakeFirstOrThrow();
    const charges = await get('/api/charges?patient=PAT-PSEARCH', 'bob');
    expect(charges.status).toBe(200);
    expect(charges.json.charges.length).toBeGreaterThanOrEqual(1);
    const claims = await get('/api/claims?patient=PAT-PSEARCH', 'bob');
    expect(claims.status).toBe(200);
    const events = await h.engine.store.db.selectFrom('audit_events').select(['actor', 'role', 'action', 'detail'])
      .where('id', '>', (before.max ?? 0) as never).orderBy('id').execute();
    expect(events.map((e) => e.action)).toEqual(['charge.search', 'claim.search']);
    expect(events[0]).toMatchObject({ actor: 'bob', role: 'operator' });
    expect(events[0]!.detail).toMatchObject({ byPatient: true, ids: charges.json.charges.map((c: { id: unknown }) => String(c.id)) });
    expect(events[1]!.detail).toMatchObject({ byPatient: true, ids: claims.json.claims.map((c: { id: unknown }) => String(c.id)) });
    expect(JSON.stringify(events)).not.toMatch(/PSEARCH/i);
  });

  test('from/to filter on received_at, and keyset pages walk the whole list once', async () => {
    const db = h.engine.store.db;
    await db.updateTable('messages').set({ received_at: '2026-01-10T12:00:00Z' as never }).where('id', '=', idOf['SRCH-1'] as never).execute();
    await db.updateTable('messages').set({ received_at: '2026-01-20T12:00:00Z' as never }).where('id', '=', idOf['SRCH-2'] as never).execute();
    const january = await get('/api/messages?from=2026-01-01T00:00:00Z&to=2026-02-01T00:00:00Z', 'carol');
    expect(january.json.messages.map((m: { id: string }) => m.id)).toEqual([idOf['SRCH-2'], idOf['SRCH-1']]);
    const firstHalf = await get('/api/messages?channel=pharmacy-inbound&from=2026-01-01T00:00:00Z&to=2026-01-15T00:00:00Z', 'carol');
    expect(firstHalf.json.messages.map((m: { id: string }) => m.id)).toEqual([idOf['SRCH-1']]);
    const toIsExclusive = await get('/api/messages?to=2026-01-10T12:00:00Z', 'carol');
    expect(toIsExclusive.json.messages).toEqual([]);
    const bad = await get('/api/messages?from=last-tuesday', 'carol');
    expect(bad.status).toBe(400);
    expect(bad.json.error.code).toBe('BAD_REQUEST');

    const all = (await get('/api/messages?limit=500', 'carol')).json.messages.map((m: { id: string }) => m.id);
    expect(all.length).toBeGreaterThanOrEqual(6);
    const walked: string[] = [];
    let next: string | null = null;
    let pages = 0;
    do {
      const page: { json: { messages: Array<{ id: string }>; next: string | null } } = await get(`/api/messages?limit=2${next ? `&before=${next}` : ''}`, 'carol');
      walked.push(...page.json.messages.map((m) => m.id));
      next = page.json.next;
      pages++;
    } while (next !== null && pages < 50);
    expect(walked).toEqual(all);
    expect(pages).toBeGreaterThanOrEqual(3);
  });

  test('a message timeline: status changes and charges, no raw body, for a viewer', async () => {
    const id = idOf['DASH-1']!;
    const res = await get(`/api/messages/${id}/timeline`, 'carol');
    expect(res.status).toBe(200);
    expect(res.json.message).toMatchObject({ id, channel: 'pharmacy-inbound', type: 'DFT^P03', status: 'processed', attempts: 1, errorCode: null });
    expect(Date.parse(res.json.message.receivedAt)).not.toBeNaN();
    // A first attempt goes from received to its outcome in one write (docs/architecture.md "The pipeline attempt").
    expect(res.json.events.map((e: { to: string }) => e.to)).toEqual(['processed']);
    expect(res.json.events[0]).toEqual(expect.objectContaining({ at: expect.any(String), from: 'received', to: 'processed' }));
    expect(res.json.charges).toHaveLength(1);
    expect(res.json.charges[0]).toMatchObject({ message_id: id, code: '90471', charge_amount: '25.00' });
    expect(res.json).toMatchObject({ claims: [], payments: [] });
    expect(JSON.stringify(res.json)).not.toContain('MSH|');
    expect((await get('/api/messages/987654321/timeline', 'carol')).status).toBe(404);
  });

  test('dead letters grouped by reason; bulk replay answers per id and audits each replay', async () => {
    const one = await send('DL-1', NO_AMOUNT.replace('SAMPLE-DFT-0002', 'DL-1'), ['error']);
    await send('DL-2', NO_AMOUNT.replace('SAMPLE-DFT-0002', 'DL-2'), ['error']);
    const groups = await get('/api/dead-letters/groups');
    expect(groups.status).toBe(200);
    expect(groups.json.groups).toEqual([{
      code: 'MAPPING_FIELD_MISSING', reason: expect.any(String), channel: 'pharmacy-inbound', count: 2,
      newest: expect.any(String), oldest: expect.any(String),
    }]);
    expect(groups.json.groups[0].reason).not.toMatch(/TESTPAT|SAM/);
    expect((await get('/api/dead-letters/groups', 'carol')).status).toBe(403);
    const inGroup = await get('/api/dead-letters?code=MAPPING_FIELD_MISSING');
    expect(inGroup.json.deadLetters.map((m: { id: string }) => m.id)).toEqual([idOf['DL-2'], one]);

    const dashboard = await get('/api/dashboard', 'carol');
    expect(dashboard.json.channels[0].lastError).toEqual({ at: expect.any(String), code: 'MAPPING_FIELD_MISSING', text: groups.json.groups[0].reason, processedSince: expect.any(Number) });

    const replay = await h.api('POST', '/api/dead-letters/replay', { ids: [one, '999999999'] }, tokens.bob);
    expect(replay.status).toBe(200);
    expect(replay.json.results).toEqual([
      { id: one, replay: 1 },
      { id: '999999999', error: { code: 'NOT_FOUND', message: 'message 999999999 not found' } },
    ]);
    await h.waitForStatus(one, ['error']);
    const row = await h.engine.store.db.selectFrom('messages').select('replays').where('id', '=', one as never).executeTakeFirstOrThrow();
    expect(row.replays).toBe(1);
    const audited = await h.engine.store.db.selectFrom('audit_events').select(['actor', 'target_id', 'detail'])
      .where('action', '=', 'message.replay').execute();
    expect(audited).toEqual([expect.objectContaining({ actor: 'bob', target_id: one })]);

    for (const body of [{ ids: [] }, { ids: Array.from({ length: 501 }, (_, i) => String(i + 1)) }, { ids: ['x'] }, {}]) {
      const res = await h.api('POST', '/api/dead-letters/replay', body, tokens.bob);
      expect(res.status).toBe(400);
    }
    expect((await h.api('POST', '/api/dead-letters/replay', { ids: [one] }, tokens.carol)).status).toBe(403);
  });

  test('mapping versions: list, read one, roll back to an older one, and the engine maps the next message with it', async () => {
    const saved = await h.api('PUT', '/api/mappings/dft-p03', { content: FROM_SET_ID });
    expect(saved.json).toMatchObject({ name: 'dft-p03', version: 2 });
    const withSetId = await send('MAP-1', dft('MAP-1', 'PAT-MAP', 'MAPPER', 'TXN-MAP-1'));
    const charge1 = await h.engine.store.db.selectFrom('charges').select('transaction_id').where('message_id', '=', withSetId as never).executeTakeFirstOrThrow();
    expect(charge1.transaction_id).toBe('1'); // FT1-1, the saved version 2

    const versions = await get('/api/mappings/dft-p03/versions');
    expect(versions.status).toBe(200);
    expect(versions.json).toMatchObject({ name: 'dft-p03', version: 2 });
    expect(versions.json.versions.map((v: { version: number; actor: string }) => [v.version, v.actor])).toEqual([[1, 'file'], [2, 'bootstrap-token']]);
    const v1 = await get('/api/mappings/dft-p03/versions/1');
    expect(v1.json).toMatchObject({ name: 'dft-p03', version: 1, content: SHIPPED_DFT, actor: 'file' });
    expect((await get('/api/mappings/dft-p03/versions/9')).status).toBe(404);
    expect((await get('/api/mappings/dft-p03/versions/1', 'carol')).status).toBe(403);

    expect((await h.api('POST', '/api/mappings/dft-p03/rollback', { version: 1 }, tokens.bob)).status).toBe(403);
    expect((await h.api('POST', '/api/mappings/dft-p03/rollback', { version: 42 })).status).toBe(404);
    const rolled = await h.api('POST', '/api/mappings/dft-p03/rollback', { version: 1 });
    expect(rolled.status).toBe(200);
    expect(rolled.json).toMatchObject({ name: 'dft-p03', version: 3, rolledBackTo: 1 });
    const after = await get('/api/mappings/dft-p03');
    expect(after.json).toMatchObject({ version: 3, content: SHIPPED_DFT });
    expect(fs.readFileSync(path.join(h.project.mappingsDir, 'dft-p03.yaml'), 'utf8')).toBe(SHIPPED_DFT);

    const mapped = await send('MAP-2', dft('MAP-2', 'PAT-MAP', 'MAPPER', 'TXN-MAP-2'));
    const charge2 = await h.engine.store.db.selectFrom('charges').select('transaction_id').where('message_id', '=', mapped as never).executeTakeFirstOrThrow();
    expect(charge2.transaction_id).toBe('TXN-MAP-2'); // FT1-2 again: version 3 = version 1's text
    const trail = await h.engine.store.db.selectFrom('audit_events').select(['detail']).where('action', '=', 'mapping.save').orderBy('id').execute();
    expect(trail.map((t) => t.detail)).toEqual([
      expect.objectContaining({ version: 2 }), expect.objectContaining({ version: 3, rollbackOf: 1 }),
    ]);
  });
});
