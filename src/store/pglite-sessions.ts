/**
 * Several node-postgres connections over PGlite's one Postgres session (pglite-thread.ts). Pure parts: how the
 * frontend protocol bytes a pg client writes are grouped into units, renamed and judged, and the gate that decides
 * when a unit may run.
 *
 * Why: PGlite has one session, and PGlite's own node-postgres adapter lets one client at a time use it, each
 * protocol message a separate trip to the store's thread. The engine's intake and its pipeline then wait for each
 * other on the main thread's event loop between every message, and the store's thread idles meanwhile. With one
 * connection per handle (intake, pipeline), each statement sent as one unit, the thread always has the next
 * statement queued.
 *
 * Contract:
 * - A unit is what a client writes up to and including a Sync, Flush, simple Query or any message that is not
 *   Parse, Bind, Describe, Execute or Close; it runs on the thread as one call, so no other connection's messages
 *   come between its messages.
 * - Prepared statement names are the session's, so each connection but the first has its names prefixed
 *   (`withStatementPrefix`): two connections preparing one name never collide.
 * - `SessionGate`: a connection whose transaction is open (its last answer said 'T' or 'E', or ended without
 *   ReadyForQuery) owns the session: only its units run until it is idle again. A unit that might open a
 *   transaction (anything but Parse/Bind/Describe/Execute/Close/Sync of a plain SELECT, INSERT, UPDATE, DELETE,
 *   WITH or VALUES) runs alone. Other units run as they come, several queued on the thread at once. Units that
 *   must wait start in the order they came, except the owner's, which never wait.
 */

const PARSE = 0x50; // 'P'
const BIND = 0x42; // 'B'
const DESCRIBE = 0x44; // 'D'
const EXECUTE = 0x45; // 'E'
const CLOSE = 0x43; // 'C'
const SYNC = 0x53; // 'S'
const READY_FOR_QUERY = 0x5a; // 'Z'
const STATEMENT = 0x53; // 'S' as the target of Describe and Close

/** True for the messages a unit holds back until the message that ends it. */
export function continuesUnit(type: number): boolean {
  return type === PARSE || type === BIND || type === DESCRIBE || type === EXECUTE || type === CLOSE;
}

interface FrontendMessage {
  type: number;
  /** Offset of the type byte. */
  start: number;
  /** Offset just past the message. */
  end: number;
}

/** The frontend messages in `unit` (type byte, int32 length including itself, body). */
export function frontendMessages(unit: Uint8Array): FrontendMessage[] {
  const buf = Buffer.from(unit.buffer, unit.byteOffset, unit.byteLength);
  const out: FrontendMessage[] = [];
  let at = 0;
  while (at + 5 <= buf.length) {
    const end = at + 1 + buf.readInt32BE(at + 1);
    if (end > buf.length || end < at + 5) throw new Error('malformed frontend message');
    out.push({ type: buf.readUInt8(at), start: at, end });
    at = end;
  }
  if (at !== buf.length) throw new Error('malformed frontend message');
  return out;
}

/** A NUL-terminated string of `buf` at `at`: its text and the offset past its NUL. */
function cstring(buf: Buffer, at: number): { text: string; next: number } {
  const nul = buf.indexOf(0, at);
  if (nul < 0) throw new Error('malformed frontend message');
  return { text: buf.toString('utf8', at, nul), next: nul + 1 };
}

/**
 * `unit` with every named prepared statement renamed `prefix + name`: the statement a Parse creates, a Bind binds,
 * and a Describe or Close of a statement names. The unnamed statement and portals are left alone (a unit parses the
 * unnamed statement it binds; portals end with their unit or transaction).
 */
export function withStatementPrefix(unit: Uint8Array, prefix: string): Buffer {
  const buf = Buffer.from(unit.buffer, unit.byteOffset, unit.byteLength);
  const parts: Buffer[] = [];
  for (const m of frontendMessages(buf)) {
    const body = buf.subarray(m.start + 5, m.end);
    let renamed: Buffer | undefined;
    if (m.type === PARSE) {
      const name = cstring(body, 0);
      if (name.text !== '') renamed = Buffer.concat([Buffer.from(prefix + name.text + '\0'), body.subarray(name.next)]);
    } else if (m.type === BIND) {
      const portal = cstring(body, 0);
      const statement = cstring(body, portal.next);
      if (statement.text !== '')
        renamed = Buffer.concat([
          body.subarray(0, portal.next),
          Buffer.from(prefix + statement.text + '\0'),
          body.subarray(statement.next),
        ]);
    } else if ((m.type === DESCRIBE || m.type === CLOSE) && body[0] === STATEMENT) {
      const name = cstring(body, 1);
      if (name.text !== '')
        renamed = Buffer.concat([body.subarray(0, 1), Buffer.from(prefix + name.text + '\0'), body.subarray(name.next)]);
    }
    if (!renamed) {
      parts.push(buf.subarray(m.start, m.end));
      continue;
    }
    const head = Buffer.alloc(5);
    head[0] = m.type;
    head.writeInt32BE(renamed.length + 4, 1);
    parts.push(head, renamed);
  }
  return Buffer.concat(parts);
}

/** Statements that can neither open nor end a transaction (checked on their text's first word). */
const PLAIN_STATEMENT = /^[\s(]*(select|insert|update|delete|with|values)\b/i;

/**
 * True when running `unit` cannot leave a transaction open or end one: Parse/Bind/Describe/Execute/Close messages
 * ending in a Sync, every statement it binds a plain one. `known` holds the texts of the statements this connection
 * prepared earlier (by name); a Parse in the unit adds its statement to it.
 */
export function transactionNeutral(unit: Uint8Array, known: Map<string, string>): boolean {
  const buf = Buffer.from(unit.buffer, unit.byteOffset, unit.byteLength);
  const messages = frontendMessages(buf);
  if (messages.at(-1)?.type !== SYNC) return false;
  let unnamed: string | undefined;
  let neutral = true;
  for (const m of messages.slice(0, -1)) {
    const body = buf.subarray(m.start + 5, m.end);
    if (m.type === PARSE) {
      const name = cstring(body, 0);
      const text = cstring(body, name.next).text;
      if (name.text === '') unnamed = text;
      else known.set(name.text, text);
    } else if (m.type === BIND) {
      const statement = cstring(body, cstring(body, 0).next).text;
      const text = statement === '' ? unnamed : known.get(statement);
      if (text === undefined || !PLAIN_STATEMENT.test(text)) neutral = false;
    } else if (m.type === CLOSE) {
      if (body[0] === STATEMENT) known.delete(cstring(body, 1).text);
    } else if (m.type !== DESCRIBE && m.type !== EXECUTE) {
      neutral = false;
    }
  }
  return neutral;
}

/** The transaction status of the last ReadyForQuery in a backend reply ('I' idle, 'T' in one, 'E' failed one). */
export function readyStatus(reply: Uint8Array): 'I' | 'T' | 'E' | undefined {
  const buf = Buffer.from(reply.buffer, reply.byteOffset, reply.byteLength);
  let status: 'I' | 'T' | 'E' | undefined;
  let at = 0;
  while (at + 5 <= buf.length) {
    const length = buf.readInt32BE(at + 1);
    if (buf.readUInt8(at) === READY_FOR_QUERY && length === 5 && at + 5 < buf.length)
      status = String.fromCharCode(buf.readUInt8(at + 5)) as 'I' | 'T' | 'E';
    at += 1 + length;
  }
  return status;
}

/** Decides when each connection's unit may run on the shared session (see the contract above). */
export class SessionGate {
  /** The connection whose open transaction (or lone unit in flight) holds the session. */
  private owner: number | undefined;
  private inFlight = 0;
  private readonly waiting: Array<{ connection: number; neutral: boolean; start(): void }> = [];

  /** Resolves when `connection`'s unit may be sent; the caller then sends it and calls `done` with its answer. */
  admit(connection: number, neutral: boolean): Promise<void> {
    if (connection === this.owner || (this.waiting.length === 0 && this.mayStart(connection, neutral))) {
      this.started(connection, neutral);
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiting.push({ connection, neutral, start: resolve }));
  }

  /** `connection`'s unit was answered; `status` is its reply's last ReadyForQuery (undefined: none). */
  done(connection: number, status: 'I' | 'T' | 'E' | undefined): void {
    this.inFlight--;
    if (status === 'I') {
      if (this.owner === connection) this.owner = undefined;
    } else {
      this.owner = connection;
    }
    while (this.waiting.length > 0) {
      const at = this.owner === undefined ? 0 : this.waiting.findIndex((w) => w.connection === this.owner);
      const next = at < 0 ? undefined : this.waiting[at];
      if (!next || !this.mayStart(next.connection, next.neutral)) break;
      this.waiting.splice(at, 1);
      this.started(next.connection, next.neutral);
      next.start();
    }
  }

  private mayStart(connection: number, neutral: boolean): boolean {
    if (this.owner !== undefined) return this.owner === connection;
    return neutral || this.inFlight === 0;
  }

  private started(connection: number, neutral: boolean): void {
    this.inFlight++;
    if (!neutral) this.owner = connection;
  }
}
