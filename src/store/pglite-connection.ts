/**
 * The connection node-postgres drives for the embedded store: it stands where pg's own `Connection` stands for a
 * Postgres server, writes each protocol message with pg's own serializer (pg-protocol) and hands it to a
 * `PgliteBackend` (pglite-thread.ts), then emits the backend's answers as the events pg's `Client` listens for.
 *
 * It does what PGlite's node-postgres adapter (`PglitePgConnection`) does, with one difference that matters on the
 * hot path: that adapter writes messages with a serializer of its own, which measures every string parameter by
 * walking it character by character, twice. The intake's and the pipeline's statements carry whole message bodies
 * and their records as parameters, so that walk was a fifth of the main thread's busy time under load;
 * pg-protocol measures strings natively (Buffer.byteLength).
 *
 * Contract (as the adapter's):
 * - `connect` resolves once the backend is ready and then reports the connection ready for a query: there is no
 *   startup, authentication or TLS exchange with an embedded database.
 * - Messages reach the backend in the order pg writes them, one after another: the next goes only once the backend
 *   has taken the last (the backend holds a unit's messages until its end and answers the unit at once).
 * - Each answer message is emitted under its name (`errorMessage` for an error), and as `message` once anything
 *   listens for that; a backend that fails emits `error`.
 * - `end` emits `end` after the messages already handed on, and drops every listener.
 */
import { EventEmitter } from 'node:events';
import { serialize } from 'pg-protocol';
import type { PgliteBackend } from './pglite-thread';

type Serializer = typeof serialize;

export class PgliteConnection extends EventEmitter {
  /** Read by pg's Client. */
  _connecting = false;
  /** pg's Client destroys the stream to end a connection it gave up on. */
  readonly stream = { destroy: (): void => this.end() };
  /** pg's Client keeps its record of the statements this connection prepared here. */
  parsedStatements: Record<string, string> = {};
  submittedNamedStatements: Record<string, unknown> = {};
  /** The last message handed on: the next one follows it. */
  private queue: Promise<unknown>;
  private emitsMessage = false;

  constructor(private readonly backend: PgliteBackend) {
    super();
    this.queue = backend.waitReady;
    this.on('newListener', (event) => {
      if (event === 'message') this.emitsMessage = true;
    });
  }

  async connect(): Promise<void> {
    this._connecting = true;
    await this.backend.waitReady;
    process.nextTick(() => this.emit('readyForQuery'));
  }

  requestSsl(): void {}
  startup(): void {}
  cancel(): void {}
  password(): void {}
  ref(): void {}
  unref(): void {}

  query(text: string): void {
    this.send(serialize.query(text));
  }
  parse(query: Parameters<Serializer['parse']>[0]): void {
    this.send(serialize.parse(query));
  }
  bind(config: Parameters<Serializer['bind']>[0]): void {
    this.send(serialize.bind(config));
  }
  execute(config: Parameters<Serializer['execute']>[0]): void {
    this.send(serialize.execute(config));
  }
  describe(msg: Parameters<Serializer['describe']>[0]): void {
    this.send(serialize.describe(msg));
  }
  close(msg: Parameters<Serializer['close']>[0]): void {
    this.send(serialize.close(msg));
  }
  flush(): void {
    this.send(serialize.flush());
  }
  sync(): void {
    this.send(serialize.sync());
  }
  sendSASLInitialResponseMessage(mechanism: string, initialResponse: string): void {
    this.send(serialize.sendSASLInitialResponseMessage(mechanism, initialResponse));
  }
  sendSCRAMClientFinalMessage(additionalData: string): void {
    this.send(serialize.sendSCRAMClientFinalMessage(additionalData));
  }
  sendCopyFromChunk(chunk: Buffer): void {
    this.send(serialize.copyData(chunk));
  }
  endCopyFrom(): void {
    this.send(serialize.copyDone());
  }
  sendCopyFail(message: string): void {
    this.send(serialize.copyFail(message));
  }

  end(): void {
    this.queue = this.queue.then(() => this.emit('end'));
    for (const event of this.eventNames()) if (event !== 'newListener') this.removeAllListeners(event);
    this.emitsMessage = false;
  }

  private send(message: Uint8Array): void {
    this.queue = this.queue
      .then(() => this.backend.execProtocolStream(message))
      .then((answers) => {
        for (const answer of answers) {
          if (this.emitsMessage) this.emit('message', answer);
          this.emit(answer.name === 'error' ? 'errorMessage' : answer.name, answer);
        }
      })
      .catch((err: unknown) => {
        this.emit('error', err);
      });
  }
}

/** A pg Pool or Client configuration whose one connection is `connection` (credentials unused, but pg wants them). */
export function pgliteClientConfig(connection: PgliteConnection): Record<string, unknown> {
  return { user: 'postgres', password: 'dummy', database: 'postgres', host: 'localhost', port: 5432, connection };
}
