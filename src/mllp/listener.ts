/**
 * MLLP listener: a TCP (or TLS) server that decodes frames, hands each one to the handler in arrival order and
 * writes the handler's answers back framed, in the same order, on the same connection.
 *
 * Guarantees (per connection):
 * - The handler is called synchronously for each frame as it is decoded, without waiting for earlier ACKs
 *   (pipelined senders), strictly in arrival order.
 * - Answers are written in arrival order: a FIFO of pending answers; each is written as soon as it and all
 *   before it have resolved.
 * - A rejected handler promise (or a synchronous throw) never crashes the process: it is logged
 *   ('mllp handler failed'), nothing is written for that frame, answers before it are still written, later
 *   frames are not read and the connection is closed.
 * - Backpressure: reading pauses while the socket's write buffer is full (until 'drain') and while more than
 *   MAX_PENDING_FRAMES frames await their answer; frames already decoded wait in a backlog meanwhile, so a
 *   sender that never reads its ACKs cannot grow memory without bound.
 * - The socket is closed gracefully (end after pending answers are written) on idle timeout, when the peer
 *   half-closes, and on stop(); a socket that does not finish closing within CLOSE_GRACE_MS is destroyed.
 * - Source limits: a peer outside `allowFrom` is destroyed as soon as its TCP connection arrives (before any TLS
 *   handshake), with a warning naming its address; a connection beyond `maxConnections`, or beyond
 *   `maxConnectionsPerIp` from one address, is accepted and ended at once without reading.
 * - Known senders (`known`): their addresses, or the identities of their TLS client certificates. With
 *   `known.reservedSlots` N, other peers may hold at most maxConnections − N connections together, so a known
 *   sender always finds a slot however many strangers connect (and trickle). A TLS peer whose verified
 *   certificate names no identity of `allowClients` is closed after its handshake, before anything is read.
 * - TLS: a handshake not finished within TLS_HANDSHAKE_TIMEOUT_MS (also a peer that closed mid-handshake) is
 *   aborted and its socket destroyed; stop() destroys unfinished handshakes at once. setTlsCredentials() swaps
 *   the certificate for new handshakes (certificate reload without restart).
 * - ACK latency: `onAnswerWritten(seconds)` hears, for every answer written, the time from its frame being handed
 *   to the handler to the answer being written to the socket (a frame that waits while reading is paused is timed
 *   from when it is handed over). One clock read per frame and per answer, no allocation.
 * Payload bytes are never logged (PHI); logs carry remote address, counts and error names only.
 */
import net from 'node:net';
import tls from 'node:tls';
import type { Logger } from '../core/logger';
import { MllpDecoder, frame, type DecoderEvent } from './decoder';

export interface MllpListenerOptions {
  host: string;
  /** 0 = ephemeral; read the bound port from address(). */
  port: number;
  /** Largest frame payload accepted; larger frames go to handler.onOversize. */
  maxFrameBytes: number;
  /** Close a connection with no socket activity for this long (0 = never). Uses socket.setTimeout. */
  idleTimeoutMs: number;
  /** Connections beyond this are accepted then closed at once (0 = unlimited). */
  maxConnections: number;
  /** Connections from one IP address beyond this are accepted then closed at once (0 or absent = unlimited). */
  maxConnectionsPerIp?: number;
  /** IP addresses and CIDR blocks (10.0.0.0/8) allowed to connect; absent = any. Validated by the channel schema. */
  allowFrom?: readonly string[];
  /**
   * A frame must be complete (VT … FS) within this many ms of the chunk that started it, else the connection is
   * closed: a sender trickling a byte now and then cannot hold a connection slot (the idle timeout never fires
   * for it). Default FRAME_TIMEOUT_MS; 0 = no limit.
   */
  frameTimeoutMs?: number;
  /** Senders with reserved slots (absent = none): their addresses and TLS client certificate identities. */
  known?: KnownSenders;
  /**
   * TLS with client certificates: the identities (certificate CN or subjectAltName DNS/IP entry) allowed to
   * connect; a peer whose certificate names none of them is closed after the handshake. Absent = any certificate
   * the CA signed.
   */
  allowClients?: readonly string[];
  /** When given, the listener speaks MLLP over TLS (tls.createServer). */
  tls?: tls.TlsOptions;
  /** TLS: a handshake not finished within this many ms is aborted (default TLS_HANDSHAKE_TIMEOUT_MS). */
  tlsHandshakeTimeoutMs?: number;
  logger: Logger;
  /** Hears each connection refused or closed by a source limit (metrics: slots running out, trickling senders). */
  onConnectionClosed?: (reason: MllpCloseReason) => void;
  /** Hears each written answer's latency in seconds, frame handed over → answer written (metrics). */
  onAnswerWritten?: (seconds: number) => void;
}

/**
 * Why a source limit refused or closed a connection. `max_connections`: every slot was taken;
 * `reserved_slots`: only slots reserved for known senders were left, and the peer is not one;
 * `allow_clients`: its client certificate names no identity of `allowClients`.
 */
export type MllpCloseReason =
  'max_connections' | 'max_connections_per_ip' | 'allow_from' | 'frame_timeout' | 'reserved_slots' | 'allow_clients';

/** Senders that may use the reserved slots: matched by address, or by TLS client certificate identity. */
export interface KnownSenders {
  /** IP addresses and CIDR blocks. */
  addresses?: readonly string[];
  /** Client certificate identities (CN or subjectAltName DNS/IP entry); TLS with client certificates only. */
  clients?: readonly string[];
  /** Slots of maxConnections only known senders may take (0 = none reserved; must be below maxConnections). */
  reservedSlots: number;
}

/** The connection slots of a listener now (metrics, alerts). */
export interface SlotReading {
  /** Connections open. */
  open: number;
  /** maxConnections (0 = unlimited). */
  limit: number;
  /** Slots kept for known senders. */
  reserved: number;
  /** Connections refused since start because the slots open to the peer were all taken (max_connections, reserved_slots). */
  refusedForSlots: number;
}

export interface ConnectionInfo {
  id: number;
  /** "ip:port" of the peer ("[ip]:port" for IPv6). */
  remote: string;
}

export interface MllpHandler {
  /**
   * Called synchronously, in arrival order, for every complete frame. The returned promise resolves to the ACK
   * payload (unframed; the listener frames it), or null to write nothing for this frame (later ACKs still follow).
   */
  onFrame(payload: Buffer, conn: ConnectionInfo): Promise<Buffer | string | null>;
  /** Called for an oversize frame; resolves to the NAK payload to send (or null to send nothing). */
  onOversize(head: Buffer, bytes: number, conn: ConnectionInfo): Promise<Buffer | string | null>;
}

/** Introspection for one open connection (tests, admin). */
export interface ConnectionStats {
  id: number;
  remote: string;
  /** Frames handed to the handler whose answer is not yet written. */
  pending: number;
  /** Frames decoded but not yet handed to the handler because reading is paused. */
  backlog: number;
  /** Reading is paused by backpressure. */
  paused: boolean;
  /** When the connection was accepted. */
  connectedAt: Date;
  /** Frames received on it so far (oversize ones included). */
  messages: number;
}

/**
 * A TLS handshake takes milliseconds; one still unfinished after this is aborted. Besides slow clients this
 * catches peers that close mid-handshake: with allowHalfOpen, Node keeps such a socket open until the timeout.
 */
export const TLS_HANDSHAKE_TIMEOUT_MS = 10_000;
/** Default time for one frame to arrive whole (VT to FS): 1 MiB over a slow link takes far less. */
export const FRAME_TIMEOUT_MS = 30_000;
/** Reading pauses while more frames than this await their answer, and resumes below it. */
export const MAX_PENDING_FRAMES = 1000;
/** Time a closing socket gets to flush and see the peer close before it is destroyed. */
export const CLOSE_GRACE_MS = 5000;
const DEFAULT_STOP_TIMEOUT_MS = 5000;
/** Socket errors that are routine peer behaviour: logged at debug, not warn. */
const ROUTINE_SOCKET_ERRORS = new Set(['ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ECONNABORTED']);

type Answer = Buffer | string | null;

interface PendingAnswer {
  state: 'pending' | 'ok' | 'failed';
  value: Answer;
  /** performance.now() when the frame was handed to the handler. */
  readonly startedAt: number;
}

interface Connection {
  readonly info: ConnectionInfo;
  /** The peer's address, for the per-address count. */
  readonly ip: string;
  readonly socket: net.Socket;
  readonly decoder: MllpDecoder;
  /** Answers in arrival order; the head is written first. */
  readonly queue: PendingAnswer[];
  /** Decoded events not yet dispatched (reading paused mid-chunk). */
  backlog: DecoderEvent[];
  backlogPos: number;
  writeBlocked: boolean;
  tooManyPending: boolean;
  /** No more input is dispatched; the socket ends once the queue and backlog are empty. */
  closing: boolean;
  /** A handler failed: no answer at or after the failed frame is written. */
  broken: boolean;
  ended: boolean;
  closed: boolean;
  graceTimer: NodeJS.Timeout | undefined;
  /** Armed while a frame is incomplete (frameTimeoutMs). */
  frameTimer: NodeJS.Timeout | undefined;
  readonly closeWaiters: Array<() => void>;
  readonly connectedAt: Date;
  /** Frames handed to the handler (oversize ones included). */
  frames: number;
  /** A known sender (known.addresses or known.clients): it does not count against the shared slots. */
  readonly known: boolean;
}

export class MllpListener {
  private readonly opts: MllpListenerOptions;
  private readonly handler: MllpHandler;
  private readonly log: Logger;
  private readonly server: net.Server;
  private readonly connections = new Map<number, Connection>();
  /** Open connections per peer address. */
  private readonly perIp = new Map<string, number>();
  private readonly allowList: net.BlockList | undefined;
  private readonly knownAddresses: net.BlockList | undefined;
  private readonly knownClients: ReadonlySet<string>;
  private readonly allowedClients: ReadonlySet<string> | undefined;
  /** Open connections of peers that are not known senders. */
  private strangers = 0;
  private refusedForSlots = 0;
  /** TCP sockets the allow-list refused (TLS: their failed handshake is not logged again). */
  private readonly refusedRaw = new WeakSet<net.Socket>();
  /** Refused sockets, kept so stop() can destroy any that linger. */
  private readonly refused = new Set<net.Socket>();
  /** TLS: TCP sockets whose handshake has not finished; stop() destroys them rather than wait for their timeout. */
  private readonly handshaking = new Set<net.Socket>();
  private nextId = 1;
  private listening = false;
  private stopping: Promise<void> | undefined;

  constructor(opts: MllpListenerOptions, handler: MllpHandler) {
    this.opts = opts;
    this.handler = handler;
    this.log = opts.logger;
    this.allowList = opts.allowFrom && allowListOf(opts.allowFrom);
    this.knownAddresses = opts.known?.addresses && allowListOf(opts.known.addresses);
    this.knownClients = new Set(opts.known?.clients ?? []);
    this.allowedClients = opts.allowClients && new Set(opts.allowClients);
    // allowHalfOpen: a sender that half-closes after its last frame still gets its ACKs.
    const onSocket = (socket: net.Socket): void => this.accept(socket);
    if (opts.tls) {
      const server = tls.createServer(
        { ...opts.tls, allowHalfOpen: true, handshakeTimeout: opts.tlsHandshakeTimeoutMs ?? TLS_HANDSHAKE_TIMEOUT_MS },
        onSocket,
      );
      server.on('tlsClientError', (err: Error, socket: tls.TLSSocket) => {
        // A socket refused by the allow-list fails its handshake too; it was logged once already. (_parent is
        // Node's link from the TLS socket to the TCP socket it wraps; without it the failure is only logged twice.)
        if (!this.refusedRaw.has((socket as unknown as { _parent?: net.Socket })._parent as net.Socket)) {
          this.log.warn('mllp tls handshake failed', { remote: remoteOf(socket), error: errorName(err) });
        }
        // Node leaves the socket open after some of these (a handshake timeout): it is of no further use.
        socket.destroy();
      });
      // The allow-list applies to the TCP connection, so a refused peer never reaches the handshake.
      server.prependListener('connection', (raw: net.Socket) => {
        if (!this.admit(raw)) return;
        this.handshaking.add(raw);
        raw.once('close', () => this.handshaking.delete(raw));
      });
      server.prependListener('secureConnection', (socket: tls.TLSSocket) => {
        this.handshaking.delete((socket as unknown as { _parent?: net.Socket })._parent as net.Socket);
      });
      this.server = server;
    } else {
      this.server = net.createServer({ allowHalfOpen: true }, onSocket);
    }
  }

  /**
   * Installs a new certificate, key and CA (a certificate reload) on a TLS listener: handshakes from now on use
   * them; connections already open keep theirs. The other TLS options (minVersion, client certificates) stay.
   * Throws on a plain TCP listener, or when Node refuses the material (then the old context stays).
   */
  setTlsCredentials(credentials: Pick<tls.SecureContextOptions, 'cert' | 'key' | 'ca'>): void {
    if (!this.opts.tls) throw new Error('this mllp listener does not use TLS');
    // setSecureContext resets every option it is not given, so it gets the whole set again.
    (this.server as tls.Server).setSecureContext({ ...this.opts.tls, ...credentials });
  }

  /** Resolves when listening; rejects if the port cannot be bound. */
  start(): Promise<void> {
    return new Promise((resolve, reject) => {
      const onError = (err: Error): void => {
        this.server.off('listening', onListening);
        reject(err);
      };
      const onListening = (): void => {
        this.server.off('error', onError);
        this.listening = true;
        this.server.on('error', (err) => this.log.error('mllp server error', { error: errorName(err) }));
        const { host, port } = this.address();
        this.log.info('mllp listening', { host, port, maxBytes: this.opts.maxFrameBytes });
        resolve();
      };
      this.server.once('error', onError);
      this.server.once('listening', onListening);
      this.server.listen(this.opts.port, this.opts.host);
    });
  }

  address(): { host: string; port: number } {
    const addr = this.server.address();
    if (addr === null || typeof addr === 'string') throw new Error('mllp listener is not listening');
    return { host: addr.address, port: addr.port };
  }

  get connectionCount(): number {
    return this.connections.size;
  }

  /** Whether the server accepts connections: false before start(), after stop(), or when its socket closed on an error. */
  get serving(): boolean {
    return this.server.listening;
  }

  /** The slots now: open connections, the limit, the reserved ones, and refusals for want of a slot so far. */
  slots(): SlotReading {
    return {
      open: this.connections.size,
      limit: this.opts.maxConnections,
      reserved: this.opts.known?.reservedSlots ?? 0,
      refusedForSlots: this.refusedForSlots,
    };
  }

  connectionStats(): ConnectionStats[] {
    return [...this.connections.values()].map((c) => ({
      id: c.info.id,
      remote: c.info.remote,
      pending: c.queue.length,
      backlog: c.backlog.length - c.backlogPos,
      paused: isPaused(c),
      connectedAt: c.connectedAt,
      messages: c.frames,
    }));
  }

  /**
   * Stops accepting, waits (up to timeoutMs, default 5000) until every frame already received has been
   * answered and written and each socket has been ended and closed by its peer, then destroys whatever
   * sockets remain. Bytes of an incomplete frame, and bytes arriving after stop() began, get no answer.
   */
  stop(timeoutMs: number = DEFAULT_STOP_TIMEOUT_MS): Promise<void> {
    this.stopping ??= this.doStop(timeoutMs);
    return this.stopping;
  }

  private async doStop(timeoutMs: number): Promise<void> {
    const serverClosed = this.listening ? new Promise<void>((resolve) => this.server.close(() => resolve())) : Promise.resolve();
    for (const socket of this.refused) socket.destroy();
    for (const socket of this.handshaking) socket.destroy(); // nothing was read from them yet
    const conns = [...this.connections.values()];
    for (const conn of conns) this.beginClosing(conn);
    const allClosed = Promise.all(conns.map((c) => whenClosed(c)));
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, timeoutMs);
    });
    await Promise.race([allClosed, timedOut]);
    clearTimeout(timer);
    const leftovers = [...this.connections.values()];
    for (const conn of leftovers) conn.socket.destroy();
    await Promise.all(leftovers.map((c) => whenClosed(c)));
    await serverClosed;
    this.listening = false;
    this.log.info('mllp listener stopped', {});
  }

  // ---- connection lifecycle -------------------------------------------------------------------------

  /** The allow-list check: a peer outside it is destroyed at once. Returns whether the socket may go on. */
  private admit(socket: net.Socket): boolean {
    if (!this.allowList) return true;
    const ip = ipOf(socket);
    if (ip !== undefined && this.allowList.check(ip, net.isIPv4(ip) ? 'ipv4' : 'ipv6')) return true;
    socket.on('error', () => undefined);
    this.refusedRaw.add(socket);
    socket.destroy();
    this.log.warn('mllp connection from an address not in allowFrom closed', { remote: remoteOf(socket) });
    this.opts.onConnectionClosed?.('allow_from');
    return false;
  }

  private accept(socket: net.Socket): void {
    if (!this.opts.tls && !this.admit(socket)) return;
    const remote = remoteOf(socket);
    const ip = ipOf(socket) ?? 'unknown';
    socket.on('error', (err) => this.onSocketError(remote, err));
    if (this.allowedClients && !this.clientAllowed(socket)) {
      socket.on('error', () => undefined);
      socket.destroy();
      this.log.warn('mllp client certificate not in allowClients; connection closed', { remote });
      this.opts.onConnectionClosed?.('allow_clients');
      return;
    }
    const known = this.isKnown(socket, ip);
    const refusal = this.stopping ? 'stopping' : this.limitReached(ip, known);
    if (refusal !== undefined) {
      if (refusal === 'max_connections_per_ip') {
        this.log.warn('mllp connection refused', { remote, connections: this.perIp.get(ip) ?? 0, reason: 'maxConnectionsPerIp' });
      } else if (refusal === 'reserved_slots') {
        this.log.warn('mllp connection refused', { remote, connections: this.connections.size, reason: 'reservedSlots' });
      } else {
        this.log.warn('mllp connection refused', { remote, connections: this.connections.size });
      }
      if (refusal !== 'stopping') this.opts.onConnectionClosed?.(refusal);
      if (refusal === 'max_connections' || refusal === 'reserved_slots') this.refusedForSlots++;
      this.refused.add(socket);
      socket.on('close', () => this.refused.delete(socket));
      socket.resume(); // discard input so the peer's FIN is seen
      socket.end();
      armGraceTimer(socket);
      return;
    }
    this.perIp.set(ip, (this.perIp.get(ip) ?? 0) + 1);
    if (!known) this.strangers++;

    const conn: Connection = {
      info: Object.freeze({ id: this.nextId++, remote }),
      ip,
      socket,
      decoder: new MllpDecoder({ maxFrameBytes: this.opts.maxFrameBytes }),
      queue: [],
      backlog: [],
      backlogPos: 0,
      writeBlocked: false,
      tooManyPending: false,
      closing: false,
      broken: false,
      ended: false,
      closed: false,
      graceTimer: undefined,
      frameTimer: undefined,
      closeWaiters: [],
      connectedAt: new Date(),
      frames: 0,
      known,
    };
    this.connections.set(conn.info.id, conn);
    this.log.debug('mllp connection opened', { remote, connections: this.connections.size });

    socket.setNoDelay(true);
    if (this.opts.idleTimeoutMs > 0) socket.setTimeout(this.opts.idleTimeoutMs);
    socket.on('timeout', () => this.onTimeout(conn));
    socket.on('data', (chunk: Buffer) => this.onData(conn, chunk));
    socket.on('end', () => this.beginClosing(conn));
    socket.on('close', () => this.onClose(conn));
  }

  /** Which limit refuses a new connection from `ip` now, if any. Known senders may take every slot; others, the shared ones. */
  private limitReached(ip: string, known: boolean): MllpCloseReason | undefined {
    const max = this.opts.maxConnections;
    const maxPerIp = this.opts.maxConnectionsPerIp ?? 0;
    if (max > 0 && this.connections.size >= max) return 'max_connections';
    const reserved = this.opts.known?.reservedSlots ?? 0;
    if (!known && max > 0 && reserved > 0 && this.strangers >= max - reserved) return 'reserved_slots';
    if (maxPerIp > 0 && (this.perIp.get(ip) ?? 0) >= maxPerIp) return 'max_connections_per_ip';
    return undefined;
  }

  /** A known sender: its address is in known.addresses, or its verified client certificate names one of known.clients. */
  private isKnown(socket: net.Socket, ip: string): boolean {
    if (this.knownAddresses?.check(ip, net.isIPv4(ip) ? 'ipv4' : 'ipv6')) return true;
    if (this.knownClients.size === 0) return false;
    return certificateIdentities(socket).some((id) => this.knownClients.has(id));
  }

  private clientAllowed(socket: net.Socket): boolean {
    const allowed = this.allowedClients;
    return allowed !== undefined && certificateIdentities(socket).some((id) => allowed.has(id));
  }

  private onData(conn: Connection, chunk: Buffer): void {
    if (conn.closing) return; // input after close began is discarded unanswered
    const events = conn.decoder.push(chunk);
    this.watchFrame(conn, events.length > 0);
    if (events.length === 0) return;
    if (conn.backlogPos < conn.backlog.length) {
      for (const event of events) conn.backlog.push(event);
    } else {
      conn.backlog = events;
      conn.backlogPos = 0;
    }
    this.dispatchBacklog(conn);
  }

  /** Hands decoded events to the handler in order until the backlog is empty or reading is paused. */
  private dispatchBacklog(conn: Connection): void {
    while (conn.backlogPos < conn.backlog.length && !isPaused(conn) && !conn.broken) {
      const event = conn.backlog[conn.backlogPos++] as DecoderEvent;
      this.dispatch(conn, event);
    }
    if (conn.backlogPos >= conn.backlog.length && conn.backlog.length > 0) {
      conn.backlog = [];
      conn.backlogPos = 0;
    }
  }

  private dispatch(conn: Connection, event: DecoderEvent): void {
    const { info } = conn;
    switch (event.kind) {
      case 'frame':
        conn.frames++;
        this.enqueue(conn, () => this.handler.onFrame(event.payload, info));
        break;
      case 'oversize':
        this.log.warn('mllp frame oversize', { remote: info.remote, bytes: event.bytes, maxBytes: this.opts.maxFrameBytes });
        conn.frames++;
        this.enqueue(conn, () => this.handler.onOversize(event.head, event.bytes, info));
        break;
      case 'junk':
        this.log.warn('mllp junk dropped', { remote: info.remote, bytes: event.bytes });
        break;
    }
  }

  private enqueue(conn: Connection, call: () => Promise<Answer>): void {
    const entry: PendingAnswer = { state: 'pending', value: null, startedAt: performance.now() };
    conn.queue.push(entry);
    let promise: Promise<Answer>;
    try {
      promise = Promise.resolve(call());
    } catch (err) {
      promise = Promise.reject(err);
    }
    promise
      .then(
        (value) => {
          if (value !== null && typeof value !== 'string' && !Buffer.isBuffer(value)) {
            this.fail(conn, entry, new TypeError('handler answer is not a Buffer, string or null'));
            return;
          }
          entry.state = 'ok';
          entry.value = value;
          this.flush(conn);
        },
        (err: unknown) => this.fail(conn, entry, err),
      )
      .catch((err: unknown) => {
        // Last resort: a bug in this file must not become an unhandled rejection that kills the process.
        this.log.error('mllp connection failed', { remote: conn.info.remote, error: errorName(err) });
        conn.socket.destroy();
      });
    if (conn.queue.length > MAX_PENDING_FRAMES && !conn.tooManyPending) {
      conn.tooManyPending = true;
      if (!conn.closing) conn.socket.pause();
    }
  }

  /** A handler rejected (or answered with a wrong type): log, stop reading, close after the answers before it. */
  private fail(conn: Connection, entry: PendingAnswer, err: unknown): void {
    entry.state = 'failed';
    const error = err instanceof Error ? err.name : typeof err;
    this.log.error('mllp handler failed', { remote: conn.info.remote, error });
    if (!conn.broken) {
      // Stop reading at once: later frames would be processed but never answered.
      conn.broken = true;
      this.beginClosing(conn);
    }
    this.flush(conn);
  }

  /** Writes every answer at the head of the queue that has resolved, in order. */
  private flush(conn: Connection): void {
    const { queue, socket } = conn;
    let corked = false;
    while (queue.length > 0 && queue[0]?.state !== 'pending') {
      const entry = queue.shift() as PendingAnswer;
      if (entry.state === 'failed') {
        queue.length = 0; // nothing at or after a failed frame is written
        break;
      }
      if (entry.value === null || socket.destroyed || !socket.writable) continue;
      if (!corked) {
        socket.cork();
        corked = true;
      }
      const written = socket.write(frame(entry.value));
      this.opts.onAnswerWritten?.((performance.now() - entry.startedAt) / 1000);
      if (!written && !conn.writeBlocked) {
        conn.writeBlocked = true;
        socket.once('drain', () => {
          conn.writeBlocked = false;
          this.updateFlow(conn);
        });
        if (!conn.closing) socket.pause();
      }
    }
    if (corked) process.nextTick(() => socket.uncork());
    if (conn.tooManyPending && queue.length < MAX_PENDING_FRAMES) {
      conn.tooManyPending = false;
      this.updateFlow(conn);
    }
    this.settle(conn);
  }

  /** Called when a backpressure flag clears: dispatches the backlog, then resumes reading if still clear. */
  private updateFlow(conn: Connection): void {
    if (conn.closing) {
      this.settle(conn);
      return;
    }
    if (isPaused(conn)) return;
    this.dispatchBacklog(conn);
    if (!isPaused(conn)) conn.socket.resume();
  }

  /**
   * Stops taking input (further bytes are read and discarded, so the peer's FIN is seen); frames already
   * decoded are still answered, then the socket ends. After a handler failure the backlog is dropped too.
   */
  private beginClosing(conn: Connection): void {
    if (conn.closing) return;
    conn.closing = true;
    if (conn.broken) {
      conn.backlog = [];
      conn.backlogPos = 0;
    }
    conn.socket.resume();
    this.settle(conn);
  }

  /** For a closing connection: dispatches what backpressure allows, and ends the socket once nothing is left to write. */
  private settle(conn: Connection): void {
    if (!conn.closing || conn.ended) return;
    if (!conn.broken) this.dispatchBacklog(conn);
    const backlogLeft = !conn.broken && conn.backlogPos < conn.backlog.length;
    if (conn.queue.length > 0 || backlogLeft) return;
    conn.ended = true;
    conn.socket.end();
    conn.graceTimer = armGraceTimer(conn.socket);
  }

  /** Arms the frame timer when a frame starts (or a new one starts after one completed); clears it between frames. */
  private watchFrame(conn: Connection, completedOne: boolean): void {
    const limit = this.opts.frameTimeoutMs ?? FRAME_TIMEOUT_MS;
    if (limit <= 0) return;
    if (!conn.decoder.inFrame || completedOne) {
      if (conn.frameTimer) clearTimeout(conn.frameTimer);
      conn.frameTimer = undefined;
    }
    if (conn.decoder.inFrame && !conn.frameTimer) {
      conn.frameTimer = setTimeout(() => {
        conn.frameTimer = undefined;
        this.log.warn('mllp frame not completed in time; connection closed', {
          remote: conn.info.remote,
          frameTimeoutMs: limit,
          bytes: conn.decoder.buffered,
        });
        this.opts.onConnectionClosed?.('frame_timeout');
        conn.socket.destroy();
      }, limit);
      conn.frameTimer.unref();
    }
  }

  private onTimeout(conn: Connection): void {
    if (conn.ended) {
      conn.socket.destroy(); // the peer did not read or close during a whole idle period
      return;
    }
    this.log.debug('mllp connection idle timeout', { remote: conn.info.remote });
    this.beginClosing(conn);
  }

  private onClose(conn: Connection): void {
    conn.closed = true;
    if (conn.graceTimer) clearTimeout(conn.graceTimer);
    if (conn.frameTimer) clearTimeout(conn.frameTimer);
    this.connections.delete(conn.info.id);
    if (!conn.known) this.strangers--;
    const left = (this.perIp.get(conn.ip) ?? 1) - 1;
    if (left > 0) this.perIp.set(conn.ip, left);
    else this.perIp.delete(conn.ip);
    conn.backlog = [];
    conn.backlogPos = 0;
    this.log.debug('mllp connection closed', { remote: conn.info.remote, connections: this.connections.size });
    for (const wake of conn.closeWaiters.splice(0)) wake();
  }

  private onSocketError(remote: string, err: Error): void {
    const code = errorName(err);
    if (ROUTINE_SOCKET_ERRORS.has(code)) this.log.debug('mllp socket error', { remote, error: code });
    else this.log.warn('mllp socket error', { remote, error: code });
  }
}

function isPaused(conn: Connection): boolean {
  return conn.writeBlocked || conn.tooManyPending;
}

function whenClosed(conn: Connection): Promise<void> {
  if (conn.closed) return Promise.resolve();
  return new Promise((resolve) => conn.closeWaiters.push(resolve));
}

/** Destroys a socket that has not closed CLOSE_GRACE_MS after end(); unref'd, cleared on close. */
function armGraceTimer(socket: net.Socket): NodeJS.Timeout {
  const timer = setTimeout(() => socket.destroy(), CLOSE_GRACE_MS);
  timer.unref();
  socket.once('close', () => clearTimeout(timer));
  return timer;
}

/** The peer's IP address; an IPv4-mapped IPv6 address (::ffff:10.1.2.3, dual-stack listeners) as plain IPv4. */
function ipOf(socket: net.Socket): string | undefined {
  const address = socket.remoteAddress;
  if (address === undefined) return undefined;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return mapped ? mapped[1] : address;
}

/** A BlockList used as an allow-list: entries are addresses or CIDR blocks, IPv4 or IPv6. */
function allowListOf(entries: readonly string[]): net.BlockList {
  const list = new net.BlockList();
  for (const entry of entries) {
    const [address = '', bits] = entry.split('/');
    const family = net.isIPv4(address) ? 'ipv4' : 'ipv6';
    if (bits === undefined) list.addAddress(address, family);
    else list.addSubnet(address, Number(bits), family);
  }
  return list;
}

/**
 * The identities a peer's TLS client certificate names: its subject CN and its subjectAltName DNS and IP entries.
 * None for a plain TCP socket, a peer without a certificate, or one whose certificate did not verify.
 */
function certificateIdentities(socket: net.Socket): string[] {
  if (!(socket instanceof tls.TLSSocket) || !socket.authorized) return [];
  const cert = socket.getPeerCertificate();
  if (!cert || Object.keys(cert).length === 0) return [];
  const ids: string[] = [];
  const cn = cert.subject?.CN;
  if (typeof cn === 'string') ids.push(cn);
  else if (Array.isArray(cn)) ids.push(...(cn as string[]));
  for (const entry of (cert.subjectaltname ?? '').split(', ')) {
    const m = /^(?:DNS|IP Address):(.+)$/.exec(entry);
    if (m) ids.push(m[1] as string);
  }
  return ids;
}

function remoteOf(socket: net.Socket): string {
  const address = socket.remoteAddress ?? 'unknown';
  const port = socket.remotePort ?? 0;
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}

/** A PHI-free name for an error: its code when it has one (ECONNRESET), else its class name. */
function errorName(err: unknown): string {
  // Duck-typed rather than instanceof Error: errors made in another realm (Node internals under a test VM) count too.
  if (typeof err === 'object' && err !== null) {
    const { code, name } = err as { code?: unknown; name?: unknown };
    if (typeof code === 'string') return code;
    if (typeof name === 'string') return name;
  }
  return typeof err;
}
