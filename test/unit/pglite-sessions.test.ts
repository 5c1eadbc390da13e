/**
 * Several pg connections over PGlite's one session (src/store/pglite-sessions.ts): units renamed and judged from the
 * bytes node-postgres writes, and the gate that keeps each transaction to its own connection.
 */
import { serialize } from 'pg-protocol';
import {
  continuesUnit,
  frontendMessages,
  readyStatus,
  SessionGate,
  transactionNeutral,
  withStatementPrefix,
} from '../../src/store/pglite-sessions';

/** A unit as pg writes it for a named prepared statement (Parse only the first time). */
function preparedUnit(name: string, text: string | undefined, values: unknown[] = []): Buffer {
  return Buffer.concat([
    ...(text === undefined ? [] : [serialize.parse({ name, text, types: [] })]),
    serialize.bind({ statement: name, values: values as string[] }),
    serialize.describe({ type: 'P', name: '' }),
    serialize.execute({}),
    serialize.sync(),
  ]);
}

/** Statement names a unit mentions: [message type, name] for Parse, Bind, and Describe/Close of a statement. */
function namesIn(unit: Buffer): Array<[string, string]> {
  return frontendMessages(unit).flatMap((m) => {
    const body = unit.subarray(m.start + 5, m.end);
    const type = String.fromCharCode(m.type);
    const str = (at: number) => body.toString('utf8', at, body.indexOf(0, at));
    if (type === 'P') return [[type, str(0)] as [string, string]];
    if (type === 'B') return [[type, str(body.indexOf(0) + 1)] as [string, string]];
    if ((type === 'D' || type === 'C') && body[0] === 0x53) return [[type, str(1)] as [string, string]];
    return [];
  });
}

describe('units', () => {
  test('Parse, Bind, Describe, Execute and Close continue a unit; Sync, Flush and Query end it', () => {
    expect(['P', 'B', 'D', 'E', 'C'].map((t) => continuesUnit(t.charCodeAt(0)))).toEqual([true, true, true, true, true]);
    expect(['S', 'H', 'Q', 'X'].map((t) => continuesUnit(t.charCodeAt(0)))).toEqual([false, false, false, false]);
  });

  test('a unit splits into its messages; a cut one is refused', () => {
    const unit = preparedUnit('rxb_x', 'select $1::int', ['1']);
    expect(frontendMessages(unit).map((m) => String.fromCharCode(m.type)).join('')).toBe('PBDES');
    expect(() => frontendMessages(unit.subarray(0, unit.length - 2))).toThrow(/malformed/);
  });
});

describe('withStatementPrefix', () => {
  test('renames the statement of Parse, Bind, Describe and Close, and keeps every other byte', () => {
    const unit = Buffer.concat([
      preparedUnit('rxb_claim', 'select $1::int as n', ['7']).subarray(0, -5),
      serialize.describe({ type: 'S', name: 'rxb_claim' }),
      serialize.close({ type: 'S', name: 'rxb_claim' }),
      serialize.sync(),
    ]);
    const renamed = withStatementPrefix(unit, 'c1.');
    expect(namesIn(renamed)).toEqual([
      ['P', 'c1.rxb_claim'],
      ['B', 'c1.rxb_claim'],
      ['D', 'c1.rxb_claim'],
      ['C', 'c1.rxb_claim'],
    ]);
    // Lengths fixed: it still parses, and only the names grew.
    expect(frontendMessages(renamed).map((m) => String.fromCharCode(m.type)).join('')).toBe('PBDEDCS');
    expect(renamed.length).toBe(unit.length + 4 * 'c1.'.length);
    expect(renamed.includes(Buffer.from('select $1::int as n\0'))).toBe(true);
  });

  test('leaves the unnamed statement and portals alone', () => {
    const unit = Buffer.concat([
      serialize.parse({ text: 'select 1', types: [] }),
      serialize.bind({ portal: 'p1', values: [] }),
      serialize.describe({ type: 'P', name: 'p1' }),
      serialize.execute({ portal: 'p1' }),
      serialize.sync(),
    ]);
    expect(withStatementPrefix(unit, 'c1.').equals(unit)).toBe(true);
  });
});

describe('transactionNeutral', () => {
  test('a plain statement through the extended protocol is neutral, named or not', () => {
    const known = new Map<string, string>();
    expect(transactionNeutral(preparedUnit('', 'insert into t values ($1)', ['1']), known)).toBe(true);
    expect(transactionNeutral(preparedUnit('rxb_q', '  with a as (select 1) select * from a', []), known)).toBe(true);
    // Later runs bind the statement without parsing it: its text is remembered.
    expect(transactionNeutral(preparedUnit('rxb_q', undefined), known)).toBe(true);
    expect(transactionNeutral(preparedUnit('', '(select 1) union (select 2)'), known)).toBe(true);
  });

  test('a simple query, a transaction statement, an unknown statement or a unit without Sync is not', () => {
    const known = new Map<string, string>();
    expect(transactionNeutral(serialize.query('select 1'), known)).toBe(false);
    expect(transactionNeutral(serialize.query('begin'), known)).toBe(false);
    expect(transactionNeutral(preparedUnit('', 'commit'), known)).toBe(false);
    expect(transactionNeutral(preparedUnit('', 'start transaction'), known)).toBe(false);
    expect(transactionNeutral(preparedUnit('', 'savepoint a'), known)).toBe(false);
    expect(transactionNeutral(preparedUnit('', 'call do_commit()'), known)).toBe(false);
    expect(transactionNeutral(preparedUnit('never_parsed', undefined), known)).toBe(false);
    expect(transactionNeutral(preparedUnit('', 'select 1').subarray(0, -5), known)).toBe(false);
    expect(transactionNeutral(Buffer.concat([preparedUnit('', 'select 1').subarray(0, -5), serialize.flush()]), known)).toBe(false);
  });

  test('a statement closed is forgotten', () => {
    const known = new Map<string, string>();
    transactionNeutral(preparedUnit('rxb_q', 'select 1'), known);
    transactionNeutral(Buffer.concat([serialize.close({ type: 'S', name: 'rxb_q' }), serialize.sync()]), known);
    expect(transactionNeutral(preparedUnit('rxb_q', undefined), known)).toBe(false);
  });
});

test('readyStatus reads the last ReadyForQuery of a reply', () => {
  const z = (status: string) => Buffer.from([0x5a, 0, 0, 0, 5, status.charCodeAt(0)]);
  const bindComplete = Buffer.from([0x32, 0, 0, 0, 4]);
  expect(readyStatus(Buffer.concat([bindComplete, z('T')]))).toBe('T');
  expect(readyStatus(Buffer.concat([z('T'), bindComplete, z('I')]))).toBe('I');
  expect(readyStatus(Buffer.concat([z('E')]))).toBe('E');
  expect(readyStatus(bindComplete)).toBeUndefined();
});

describe('SessionGate', () => {
  /** Admits a unit and records when it starts. */
  function admit(gate: SessionGate, log: string[], connection: number, neutral: boolean, label: string): Promise<void> {
    return gate.admit(connection, neutral).then(() => {
      log.push(label);
    });
  }
  const settle = () => new Promise((resolve) => setImmediate(resolve));

  test('neutral units of idle connections run together', async () => {
    const gate = new SessionGate();
    const log: string[] = [];
    await Promise.all([admit(gate, log, 0, true, 'a'), admit(gate, log, 1, true, 'b'), admit(gate, log, 2, true, 'c')]);
    expect(log).toEqual(['a', 'b', 'c']);
  });

  test('an open transaction holds the session until its connection is idle again; its own units never wait', async () => {
    const gate = new SessionGate();
    const log: string[] = [];
    await admit(gate, log, 1, false, 'begin');
    const other = admit(gate, log, 0, true, 'intake');
    gate.done(1, 'T'); // begin answered: in a transaction
    await settle();
    expect(log).toEqual(['begin']);
    await admit(gate, log, 1, true, 'insert'); // the owner goes ahead of the waiting unit
    gate.done(1, 'T');
    await admit(gate, log, 1, false, 'commit');
    await settle();
    expect(log).toEqual(['begin', 'insert', 'commit']);
    gate.done(1, 'I');
    await other;
    expect(log).toEqual(['begin', 'insert', 'commit', 'intake']);
  });

  test('a failed transaction (E) and a unit without ReadyForQuery hold the session too', async () => {
    const gate = new SessionGate();
    const log: string[] = [];
    await admit(gate, log, 1, true, 'cursor');
    gate.done(1, undefined); // a Flush: the sequence is not over
    const other = admit(gate, log, 0, true, 'intake');
    await settle();
    expect(log).toEqual(['cursor']);
    await admit(gate, log, 1, true, 'more');
    gate.done(1, 'E');
    await settle();
    expect(log).toEqual(['cursor', 'more']);
    await admit(gate, log, 1, false, 'rollback');
    gate.done(1, 'I');
    await other;
    expect(log).toEqual(['cursor', 'more', 'rollback', 'intake']);
  });

  test('a unit that may open a transaction waits for the units in flight, and the units after it wait for it', async () => {
    const gate = new SessionGate();
    const log: string[] = [];
    await admit(gate, log, 0, true, 'intake');
    const begin = admit(gate, log, 1, false, 'begin');
    const later = admit(gate, log, 2, true, 'later');
    await settle();
    expect(log).toEqual(['intake']);
    gate.done(0, 'I');
    await begin;
    await settle();
    expect(log).toEqual(['intake', 'begin']); // 'later' is still behind it
    gate.done(1, 'I'); // that unit left no transaction open
    await later;
    expect(log).toEqual(['intake', 'begin', 'later']);
  });
});
