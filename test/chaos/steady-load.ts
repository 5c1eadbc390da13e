/**
 * A steady MLLP load that behaves like a careful sender: N connections, each sending synthetic DFT^P03 messages
 * (one charge line, unique control id) at a fixed rate with up to `window` frames in flight. Each ACK is matched to
 * the oldest frame in flight (ACKs come back in send order); MSA-2 must name that frame's control id.
 * - AA: the message is done (its ACK latency is recorded).
 * - AR/AE (store unavailable): the message is resent after `resendDelayMs`.
 * - A connection that closes or cannot connect: every frame in flight is resent after reconnecting (every
 *   `reconnectMs`), as a sender does after a lost connection.
 * burst() adds messages sent as fast as the window allows, so a fault strikes frames in flight and a backlog.
 * stopSending() ends the stream of new messages; drain() waits until every message generated has its AA.
 * Every answer is kept on a timeline (time, code) so a test can ask what was answered during a fault.
 */
import net from 'node:net';
import { frame, MllpDecoder } from '../../src/mllp/decoder';
import { dftMessage } from '../integration/support';

export interface LoadOptions {
  port: number;
  /** Control ids are `<tag>-<connection>-<n>`. */
  tag: string;
  connections: number;
  /** New messages per second per connection. */
  ratePerConnection: number;
  window: number;
  /** Frames in flight per connection while a burst is being sent (default 50). */
  burstWindow?: number;
  patients?: number;
  resendDelayMs?: number;
  reconnectMs?: number;
}

export interface Answer { at: number; code: string }

export interface LoadStats {
  sent: number;
  acked: number;
  /** Frames written beyond the first (after an AR or a lost connection). */
  resent: number;
  ar: number;
  reconnects: number;
  /** ACKs whose MSA-2 did not name the frame they answered (must be 0). */
  mismatches: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

interface Pending { controlId: string; text: string; sentAt: number }

class ResilientSender {
  socket: net.Socket | undefined;
  private decoder = new MllpDecoder({ maxFrameBytes: 1 << 20 });
  private inFlight: Pending[] = [];
  private readonly retries: Array<{ msg: Pending; notBefore: number }> = [];
  private seq = 0;
  private credit = 0;
  /** New messages owed by burst(), sent as fast as the window allows. */
  burstLeft = 0;
  private closed = false;
  reconnects = 0;

  constructor(private readonly load: SteadyLoad, private readonly index: number) {}

  connect(): void {
    if (this.closed) return;
    const socket = net.connect(this.load.opts.port, '127.0.0.1');
    socket.setNoDelay(true);
    this.decoder = new MllpDecoder({ maxFrameBytes: 1 << 20 });
    let connected = false;
    socket.on('connect', () => { connected = true; this.socket = socket; });
    socket.on('data', (chunk) => this.onData(chunk));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      if (this.socket === socket) this.socket = undefined;
      // Whatever got no answer is sent again once a connection is back.
      const now = Date.now();
      for (const msg of this.inFlight.splice(0)) this.retries.push({ msg, notBefore: now });
      if (connected) this.reconnects++;
      if (!this.closed) setTimeout(() => this.connect(), this.load.opts.reconnectMs ?? 200);
    });
  }

  get pending(): number {
    return this.inFlight.length;
  }

  get idle(): boolean {
    return this.inFlight.length === 0 && this.retries.length === 0 && this.burstLeft === 0;
  }

  tick(dtMs: number, now: number): void {
    const rate = this.load.opts.ratePerConnection;
    this.credit = Math.min(this.credit + (rate * dtMs) / 1000, this.load.opts.window);
    const socket = this.socket;
    if (!socket || socket.destroyed) return;
    const window = this.burstLeft > 0 ? Math.max(this.load.opts.window, this.load.opts.burstWindow ?? 50) : this.load.opts.window;
    while (this.inFlight.length < window) {
      // Resends first, in the order they were due; they do not wait for rate credit (a sender's backlog).
      const due = this.retries.findIndex((r) => r.notBefore <= now);
      let msg: Pending | undefined;
      if (due >= 0) {
        msg = this.retries.splice(due, 1)[0]!.msg;
        this.load.resent++;
      } else if (this.burstLeft > 0) {
        this.burstLeft--;
        msg = this.load.newMessage(this.index, this.seq++);
      } else if (this.load.sending && this.credit >= 1) {
        this.credit -= 1;
        msg = this.load.newMessage(this.index, this.seq++);
      }
      if (!msg) break;
      msg.sentAt = now;
      this.inFlight.push(msg);
      socket.write(frame(msg.text));
    }
  }

  close(): void {
    this.closed = true;
    this.socket?.destroy();
  }

  private onData(chunk: Buffer): void {
    for (const ev of this.decoder.push(chunk)) {
      if (ev.kind !== 'frame') continue;
      const msa = ev.payload.toString('latin1').split('\r').find((s) => s.startsWith('MSA|'))?.split('|') ?? [];
      const msg = this.inFlight.shift();
      if (!msg) continue;
      const now = Date.now();
      const code = msa[1] ?? '?';
      this.load.timeline.push({ at: now, code });
      if (msa[2] !== msg.controlId) this.load.mismatches++;
      if (code === 'AA' || code === 'CA') {
        this.load.ack(msg.controlId, now - msg.sentAt);
      } else {
        this.load.ar++;
        this.retries.push({ msg, notBefore: now + (this.load.opts.resendDelayMs ?? 500) });
      }
    }
  }
}

export class SteadyLoad {
  readonly senders: ResilientSender[];
  readonly acked = new Set<string>();
  readonly generated: string[] = [];
  readonly timeline: Answer[] = [];
  sending = false;
  resent = 0;
  ar = 0;
  mismatches = 0;
  private latencies: number[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(readonly opts: LoadOptions) {
    this.senders = Array.from({ length: opts.connections }, (_, i) => new ResilientSender(this, i));
  }

  start(): void {
    this.sending = true;
    for (const s of this.senders) s.connect();
    let last = Date.now();
    this.timer = setInterval(() => {
      const now = Date.now();
      for (const s of this.senders) s.tick(now - last, now);
      last = now;
    }, 10);
  }

  /** Each connection sends `perConnection` extra messages as fast as its window allows (a backlog for the fault to hit). */
  burst(perConnection: number): void {
    for (const s of this.senders) s.burstLeft += perConnection;
  }

  /** True once every burst message has been sent. */
  get burstSent(): boolean {
    return this.senders.every((s) => s.burstLeft === 0);
  }

  /** Frames sent and not yet answered, over every connection. */
  inFlight(): number {
    return this.senders.reduce((n, s) => n + s.pending, 0);
  }

  stopSending(): void {
    this.sending = false;
  }

  /** Waits until every generated message got its AA; throws naming how many did not. */
  async drain(timeoutMs: number): Promise<void> {
    this.stopSending();
    const deadline = Date.now() + timeoutMs;
    while (!this.senders.every((s) => s.idle)) {
      if (Date.now() > deadline) {
        throw new Error(`load did not drain in ${timeoutMs} ms: ${this.generated.length - this.acked.size} of ${this.generated.length} messages without AA`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  close(): void {
    clearInterval(this.timer);
    for (const s of this.senders) s.close();
  }

  newMessage(connection: number, n: number): Pending {
    const controlId = `${this.opts.tag}-${connection}-${n}`;
    this.generated.push(controlId);
    const patients = this.opts.patients ?? 200;
    const text = dftMessage({ controlId, patientId: `${this.opts.tag}P${(connection * 31 + n) % patients}`, lines: [{ txn: `${controlId}-1`, code: '90471', amount: '25' }] });
    return { controlId, text, sentAt: 0 };
  }

  ack(controlId: string, latencyMs: number): void {
    this.acked.add(controlId);
    this.latencies.push(latencyMs);
  }

  /** Latency marks let a test measure one phase: latencies recorded since the mark. */
  mark(): number {
    return this.latencies.length;
  }

  latencySince(mark: number): { count: number; p50Ms: number; p99Ms: number; maxMs: number } {
    const sorted = this.latencies.slice(mark).sort((a, b) => a - b);
    const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
    return { count: sorted.length, p50Ms: at(0.5), p99Ms: at(0.99), maxMs: sorted[sorted.length - 1] ?? 0 };
  }

  /** Answers with `code` between two times. */
  answersBetween(from: number, to: number, code: string): number {
    return this.timeline.filter((a) => a.at >= from && a.at <= to && a.code === code).length;
  }

  stats(): LoadStats {
    const l = this.latencySince(0);
    return {
      sent: this.generated.length, acked: this.acked.size, resent: this.resent, ar: this.ar,
      reconnects: this.senders.reduce((n, s) => n + s.reconnects, 0), mismatches: this.mismatches,
      p50Ms: l.p50Ms, p99Ms: l.p99Ms, maxMs: l.maxMs,
    };
  }
}
