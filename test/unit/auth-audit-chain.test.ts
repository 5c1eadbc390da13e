/**
 * The audit trail's hash chain (src/store/audit-chain.ts) and its CSV export (src/admin/audit-routes.ts):
 * any change, removal, insertion or reordering of a row breaks the chain at that row; canonical JSON does not
 * depend on key order; the CSV quotes properly and neutralizes spreadsheet formulas.
 */
import { auditCsv, csvCell } from '../../src/admin/audit-routes';
import { GENESIS_HASH, auditHash, canonicalJson, sealEvent, verifyChain, type AuditEvent, type AuditEventBody } from '../../src/store/audit-chain';

function chain(n: number): AuditEvent[] {
  const out: AuditEvent[] = [];
  let prev = GENESIS_HASH;
  for (let i = 1; i <= n; i++) {
    const body: AuditEventBody = {
      id: String(i), at: new Date(Date.UTC(2026, 10, 3, 10, 0, i, 123)), actor: i % 2 ? 'alice' : 'bootstrap-token',
      role: 'admin', action: i % 3 ? 'message.view' : 'mapping.save', targetType: 'message', targetId: String(100 + i),
      sourceIp: '127.0.0.1', detail: { edited: i % 2 === 0, messageIds: [String(i), String(i + 1)], nested: { b: 1, a: 'x' } },
    };
    const sealed = sealEvent(prev, body);
    out.push(sealed);
    prev = sealed.hash;
  }
  return out;
}

describe('canonical JSON', () => {
  it('sorts keys at every depth, drops undefined members, keeps array order', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, 1], c: null, z: undefined } })).toBe('{"a":{"c":null,"d":[3,1]},"b":1}');
    expect(canonicalJson({ a: 1, b: 2 })).toBe(canonicalJson({ b: 2, a: 1 }));
    expect(canonicalJson('é"\n')).toBe(JSON.stringify('é"\n'));
    expect(() => canonicalJson({ n: Number.NaN })).toThrow(/finite/);
  });
});

describe('the hash chain', () => {
  it('verifies an intact chain and reports its head', () => {
    const events = chain(6);
    expect(events[0]!.prevHash).toBe(GENESIS_HASH);
    expect(verifyChain(events)).toEqual({ ok: true, head: events[5]!.hash });
    // A chain checked in two runs gives the same answer (the store verifies in batches).
    const first = verifyChain(events.slice(0, 3));
    expect(first.ok && verifyChain(events.slice(3), first.head)).toEqual({ ok: true, head: events[5]!.hash });
  });

  it('does not depend on the key order of detail', () => {
    const [e] = chain(1);
    const reordered = { ...e!, detail: { nested: { a: 'x', b: 1 }, messageIds: ['1', '2'], edited: false } };
    expect(auditHash(GENESIS_HASH, reordered)).toBe(e!.hash);
  });

  const fields: Array<[string, (e: AuditEvent) => AuditEvent]> = [
    ['actor', (e) => ({ ...e, actor: 'mallory' })],
    ['role', (e) => ({ ...e, role: 'viewer' })],
    ['action', (e) => ({ ...e, action: 'message.replay' })],
    ['at', (e) => ({ ...e, at: new Date(e.at.getTime() + 1) })],
    ['target', (e) => ({ ...e, targetId: '999' })],
    ['source ip', (e) => ({ ...e, sourceIp: '10.0.0.9' })],
    ['detail', (e) => ({ ...e, detail: { ...e.detail, edited: !e.detail.edited } })],
    ['id', (e) => ({ ...e, id: '77' })],
  ];
  it.each(fields)('breaks at the row whose %s was changed', (_name, change) => {
    const events = chain(5);
    events[2] = change(events[2]!);
    const result = verifyChain(events);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.break).toMatchObject({ id: events[2]!.id, reason: 'hash' });
  });

  it('breaks at the row after one that was removed, and at a row inserted or moved', () => {
    const events = chain(5);
    const removed = verifyChain([...events.slice(0, 2), ...events.slice(3)]);
    expect(!removed.ok && removed.break).toMatchObject({ id: '4', reason: 'prev_hash' });
    const swapped = verifyChain([events[0]!, events[2]!, events[1]!, ...events.slice(3)]);
    expect(!swapped.ok && swapped.break).toMatchObject({ id: '3', reason: 'prev_hash' });
    const forged = sealEvent(events[1]!.hash, { ...events[2]!, id: '99', actor: 'mallory' });
    const inserted = verifyChain([...events.slice(0, 2), forged, ...events.slice(2)]);
    expect(!inserted.ok && inserted.break).toMatchObject({ id: '3', reason: 'prev_hash' });
  });

  it('catches a row re-hashed after a change unless every later row is re-hashed too', () => {
    const events = chain(4);
    events[1] = sealEvent(events[1]!.prevHash, { ...events[1]!, actor: 'mallory' });
    const result = verifyChain(events);
    expect(!result.ok && result.break).toMatchObject({ id: '3', reason: 'prev_hash' });
  });
});

describe('CSV export', () => {
  it('quotes commas, quotes and line breaks, and neutralizes formulas', () => {
    expect(csvCell(null)).toBe('');
    expect(csvCell('plain')).toBe('plain');
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`);
    expect(csvCell('+1')).toBe("'+1");
    expect(csvCell('-2')).toBe("'-2");
    expect(csvCell('@SUM(A1)')).toBe("'@SUM(A1)");
  });

  it('writes a header and one line per event, with detail as JSON', () => {
    const csv = auditCsv(chain(2));
    const lines = csv.trimEnd().split('\r\n');
    expect(lines[0]).toBe('id,at,actor,role,action,target_type,target_id,source_ip,detail,prev_hash,hash');
    expect(lines).toHaveLength(3);
    expect(lines[1]).toMatch(/^1,2026-11-03T10:00:01.123Z,alice,admin,message.view,message,101,127.0.0.1,"{""edited"":false,/);
    expect(lines[1]!.endsWith(`,${GENESIS_HASH},${chain(1)[0]!.hash}`)).toBe(true);
  });
});
