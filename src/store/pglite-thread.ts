/**
 * The embedded store (PGlite) on a worker thread of its own, so the engine's event loop keeps answering MLLP senders
 * while a statement runs: PGlite executes each statement synchronously in WebAssembly, on the thread that owns it.
 *
 * Contract:
 * - `openPgliteThread(dir)` starts the thread, opens (or creates) the database in `dir` there, and resolves once it
 *   is ready; a database that cannot be opened rejects with the thread's error message.
 * - `connection()` returns a backend for one node-postgres connection (what pglite-connection.ts drives). The
 *   protocol messages its client writes are held until the message that ends their unit (a Sync, usually:
 *   pglite-sessions.ts), then go to the thread as one call; PGlite answers the unit there, and the answer's
 *   bytes come back and are parsed here with pg's own protocol parser. The thread runs calls in the order they
 *   arrive.
 * - Several connections share PGlite's one session: their prepared statement names are kept apart, and a
 *   `SessionGate` keeps each transaction to itself (pglite-sessions.ts). So the intake and the pipeline have
 *   connections of their own, and the thread has the next statement queued while the main thread reads an answer.
 * - Each answer is handed to its caller in a turn of the event loop of its own. The thread keeps nothing of an
 *   answer once it is handed over: its heap stays the same size however many rows are read.
 * - A call made after the thread stopped (closed, or died) rejects: the query in flight fails like one on a lost
 *   Postgres connection; nothing is retried here.
 * - `close({ checkpoint })` runs CHECKPOINT when asked, closes the database and ends the thread.
 * - A thread that stops on its own (PGlite aborted, out of memory) is reported once to `onLost`, after the calls in
 *   flight have failed; a thread stopped by `close` is not.
 */
import { Worker } from 'node:worker_threads';
import { Parser } from 'pg-protocol/dist/parser';
import type { BackendMessage } from 'pg-protocol/dist/messages';
import { continuesUnit, readyStatus, SessionGate, transactionNeutral, withStatementPrefix } from './pglite-sessions';

/** What a node-postgres connection to the embedded store (pglite-connection.ts) needs of it. */
export interface PgliteBackend {
  waitReady: Promise<void>;
  execProtocolStream(message: Uint8Array, opts?: unknown): Promise<BackendMessage[]>;
}

export interface PgliteThread {
  /** A backend for one more node-postgres connection over the shared session (see above). */
  connection(): PgliteBackend;
  /** The thread itself (diagnostics: its id, resource use). Ending it other than by `close` is a loss. */
  worker: Worker;
  close(opts: { checkpoint: boolean }): Promise<void>;
}

type Reply = { id: number; bytes?: Uint8Array; error?: string } | { ready: true } | { failed: string };

/** The thread's code: plain CommonJS, so it runs the same from the sources (tests) and from dist. */
const THREAD_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
(async () => {
  let db;
  try {
    const { PGlite } = require(workerData.module);
    db = await PGlite.create(workerData.dir);
  } catch (err) {
    parentPort.postMessage({ failed: String((err && err.message) || err) });
    return;
  }
  parentPort.postMessage({ ready: true });
  // One call at a time, in arrival order: PGlite is one session.
  let chain = Promise.resolve();
  parentPort.on('message', (m) => {
    chain = chain.then(async () => {
      try {
        if (m.kind === 'exec') {
          // The answer's raw bytes, as PGlite writes them. Not execProtocolRaw: besides the bytes, it parses every
          // answer into message objects that PGlite keeps for good, a heap that grows with each row read.
          // Copies: each chunk is a view of PGlite's own memory, which must not be handed over.
          const parts = [];
          let size = 0;
          await db.execProtocolRawStream(m.bytes, {
            onRawData: (chunk) => {
              parts.push(chunk.slice());
              size += chunk.length;
            },
          });
          let out = parts[0] ?? new Uint8Array(0);
          if (parts.length > 1) {
            out = new Uint8Array(size);
            let at = 0;
            for (const p of parts) {
              out.set(p, at);
              at += p.length;
            }
          }
          parentPort.postMessage({ id: m.id, bytes: out }, [out.buffer]);
        } else if (m.kind === 'close') {
          if (m.checkpoint) await db.exec('CHECKPOINT');
          await db.close();
          parentPort.postMessage({ id: m.id });
          parentPort.close();
        }
      } catch (err) {
        parentPort.postMessage({ id: m.id, error: String((err && err.message) || err) });
      }
    });
  });
})();
`;

export async function openPgliteThread(dir: string, onLost: (why: string) => void = () => undefined): Promise<PgliteThread> {
  const worker = new Worker(THREAD_SOURCE, { eval: true, workerData: { dir, module: require.resolve('@electric-sql/pglite') } });
  const waiting = new Map<number, { resolve(reply: { bytes?: Uint8Array }): void; reject(err: Error): void }>();
  let nextId = 1;
  let stopped: string | undefined;
  /** Set by close: the thread's end is then expected, not a loss. */
  let closing = false;
  const stop = (why: string): void => {
    stopped ??= why;
    for (const w of waiting.values()) w.reject(new Error(`embedded store: ${stopped}`));
    waiting.clear();
  };
  const ready = new Promise<void>((resolve, reject) => {
    worker.on('message', (reply: Reply) => {
      if ('ready' in reply) return resolve();
      if ('failed' in reply) return reject(new Error(`embedded store could not be opened: ${reply.failed}`));
      const w = waiting.get(reply.id);
      waiting.delete(reply.id);
      if (reply.error !== undefined) w?.reject(new Error(reply.error));
      // Node hands over the thread's queued answers in one callback: each answer's caller goes on in a turn of the
      // event loop of its own, so ACKs and timers get in between (a claimed batch's mapping runs in that turn).
      else if (w) setImmediate(() => w.resolve(reply));
    });
    worker.once('error', (err) => {
      const lost = !closing && stopped === undefined;
      stop(`its thread failed (${err.message})`);
      reject(err);
      if (lost) onLost(`its thread failed (${err.name})`);
    });
    worker.once('exit', () => {
      const lost = !closing && stopped === undefined;
      stop('its thread has stopped');
      reject(new Error('embedded store: its thread stopped before it was ready'));
      if (lost) onLost('its thread stopped');
    });
  });
  const call = (message: Record<string, unknown>, transfer: ArrayBuffer[] = []): Promise<{ bytes?: Uint8Array }> =>
    new Promise((resolve, reject) => {
      if (stopped) return reject(new Error(`embedded store: ${stopped}`));
      const id = nextId++;
      waiting.set(id, { resolve, reject });
      worker.postMessage({ ...message, id }, transfer);
    });
  try {
    await ready;
  } catch (err) {
    await worker.terminate();
    throw err;
  }
  const gate = new SessionGate();
  let connections = 0;
  const connection = (): PgliteBackend => {
    const id = connections++;
    // The first connection keeps its statement names; the others' are prefixed so that they never collide.
    const prefix = id === 0 ? '' : `c${id}.`;
    const parser = new Parser();
    const held: Uint8Array[] = [];
    const known = new Map<string, string>();
    return {
      waitReady: ready,
      async execProtocolStream(message) {
        // pg writes each message into a buffer of its own and never reuses it, so held messages need no copy.
        if (continuesUnit(message[0] ?? 0)) {
          held.push(message);
          return [];
        }
        const whole = joined([...held, message]);
        held.length = 0;
        const neutral = transactionNeutral(whole, known);
        // The unit has an ArrayBuffer of its own: it is handed over to the thread rather than cloned.
        const unit = prefix === '' ? whole : new Uint8Array(withStatementPrefix(whole, prefix));
        await gate.admit(id, neutral);
        let bytes: Uint8Array | undefined;
        try {
          ({ bytes } = await call({ kind: 'exec', bytes: unit }, [unit.buffer]));
        } finally {
          gate.done(id, bytes ? readyStatus(bytes) : 'I');
        }
        const out: BackendMessage[] = [];
        if (bytes && bytes.length > 0) parser.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), (m) => out.push(m));
        return out;
      },
    };
  };
  return {
    connection,
    worker,
    close: async ({ checkpoint }) => {
      closing = true;
      try {
        await call({ kind: 'close', checkpoint });
      } finally {
        stop('it was closed');
        await worker.terminate();
      }
    },
  };
}

/** `parts` one after another in a new array with an ArrayBuffer of its own (Buffer.concat may share a pooled one). */
function joined(parts: readonly Uint8Array[]): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
