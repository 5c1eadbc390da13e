/**
 * The `mllp` connector: sends HL7 v2 payloads to a receiver's MLLP listener over one persistent TCP (or TLS)
 * connection, reused across deliveries and opened again after any failure.
 *
 * Contract (see ports.ts):
 * - One message in flight per connection: a send waits for the previous one's answer (or its timeout).
 * - The answer must be an ACK whose MSA-2 is the payload's control id. AA/CA → delivered; AR/CR → rejected;
 *   AE/CE → retry (default; a receiver's application error is often passing: a lock, a database restart) or
 *   rejected with `onApplicationError: reject`. An answer for another control id, no answer within
 *   answerTimeoutMs, a connection refused, closed or broken mid-frame → retry; the connection is closed, since a
 *   late answer on it could otherwise be taken for the next message's.
 * - The message is encoded in the character set its MSH-18 names (ISO-8859-1, windows-1252; UTF-8 otherwise).
 * - TLS: `tls: {}` verifies the receiver against the system CAs; `ca` names a CA file; `cert` + `key` give a client
 *   certificate (mutual TLS). Files are read when the connector is built (relative to the channel file's folder).
 */
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import tls from 'node:tls';
import { z } from 'zod';
import { labelOf } from '../core/config-file';
import { encodeHl7, resolveCharset } from '../hl7/charset';
import { frame, MllpDecoder } from '../mllp/decoder';
import type { Connector, ConnectorContext, ConnectorFactory, DeliveryResult, OutboundPayload } from './ports';

function intIn(min: number, max: number) {
  const error = (iss: { path?: PropertyKey[] }): string => `${labelOf(iss.path ?? [])} must be an integer from ${min} to ${max}`;
  return z.number({ error }).int({ error }).min(min, { error }).max(max, { error });
}

export const mllpOptionsSchema = z.strictObject({
  host: z.string({ error: 'host must be a host name or address' }).min(1, { error: 'host must be a host name or address' }),
  port: intIn(1, 65535),
  connectTimeoutMs: intIn(100, 300_000).default(10_000),
  answerTimeoutMs: intIn(100, 600_000).default(30_000),
  onApplicationError: z.enum(['retry', 'reject'], { error: 'onApplicationError must be retry or reject' }).default('retry'),
  maxFrameBytes: intIn(1024, 67_108_864).default(1_048_576),
  tls: z
    .strictObject({
      ca: z.string().min(1).optional(),
      cert: z.string().min(1).optional(),
      key: z.string().min(1).optional(),
      servername: z.string().min(1).optional(),
    })
    .superRefine((t, ctx) => {
      if (Boolean(t.cert) !== Boolean(t.key))
        ctx.addIssue({ code: 'custom', message: 'tls needs cert and key together (a client certificate)' });
    })
    .optional(),
});

export type MllpOptions = z.infer<typeof mllpOptionsSchema>;

/** MSA-1 and MSA-2 of an answer (any delimiters); undefined when it has no MSA. */
export function readMsa(answer: string): { code: string; controlId: string; text: string } | undefined {
  const fieldSep = answer.startsWith('MSH') ? answer.charAt(3) : '|';
  const msa = answer.split(/\r\n|\r|\n/).find((s) => s.startsWith(`MSA${fieldSep}`));
  if (!msa) return undefined;
  const f = msa.split(fieldSep);
  return { code: (f[1] ?? '').trim(), controlId: (f[2] ?? '').trim(), text: (f[3] ?? '').trim() };
}

/** The outcome of one ACK for a payload: pure, so the rule is tested on its own. */
export function outcomeOfAck(answer: string, controlId: string, onApplicationError: MllpOptions['onApplicationError']): DeliveryResult {
  const msa = readMsa(answer);
  if (!msa) return { kind: 'retry', error: 'the answer has no MSA segment' };
  if (msa.controlId !== controlId) return { kind: 'retry', error: 'the answer is for another message (MSA-2 does not match MSH-10)' };
  switch (msa.code) {
    case 'AA':
    case 'CA':
      return { kind: 'delivered', detail: `${msa.code} (MSA-2 ${controlId})` };
    case 'AR':
    case 'CR':
      return { kind: 'rejected', error: `receiver answered ${msa.code}${errText(answer)}` };
    case 'AE':
    case 'CE':
      return onApplicationError === 'reject'
        ? { kind: 'rejected', error: `receiver answered ${msa.code}${errText(answer)}` }
        : { kind: 'retry', error: `receiver answered ${msa.code}${errText(answer)}` };
    default:
      return { kind: 'retry', error: 'the answer has no known MSA-1 code' };
  }
}

/** The receiver's ERR-3 code (table 0357) when it gives one: a code, never message content. */
function errText(answer: string): string {
  const err = answer.split(/\r\n|\r|\n/).find((s) => s.startsWith('ERR|'));
  const code = err?.split('|')[3]?.split('^')[0]?.trim();
  return code && /^[A-Za-z0-9_-]{1,20}$/.test(code) ? ` (ERR-3 ${code})` : '';
}

/** The bytes of an outbound message: in the character set its MSH-18 names, UTF-8 when it names none or another. */
export function encodeOutbound(body: string): Buffer {
  const msh = body.slice(0, body.search(/\r|\n|$/));
  const sep = msh.charAt(3);
  const msh18 = sep ? (msh.split(sep)[17] ?? '') : '';
  const rep = msh.charAt(5);
  return encodeHl7(body, resolveCharset(msh18 === '' ? [] : msh18.split(rep || '~'), 'UTF-8') ?? 'UTF-8');
}

interface Pending {
  resolve(answer: { ok: true; text: string } | { ok: false; error: string }): void;
}

class MllpConnection {
  private socket: net.Socket | undefined;
  private connecting: Promise<net.Socket> | undefined;
  private pending: Pending | undefined;
  private chain: Promise<unknown> = Promise.resolve();
  private closed = false;
  private readonly secure: tls.ConnectionOptions | undefined;

  constructor(
    private readonly o: MllpOptions,
    baseDir: string,
  ) {
    if (o.tls) {
      const read = (f: string | undefined) => (f === undefined ? undefined : fs.readFileSync(path.resolve(baseDir, f)));
      this.secure = {
        ca: read(o.tls.ca),
        cert: read(o.tls.cert),
        key: read(o.tls.key),
        servername: o.tls.servername ?? (net.isIP(o.host) ? undefined : o.host),
      };
    }
  }

  /** Sends one payload; calls are run one after the other on the connection. */
  send(payload: OutboundPayload, signal: AbortSignal): Promise<DeliveryResult> {
    const run = this.chain.then(() => this.exchange(payload, signal));
    this.chain = run.catch(() => undefined);
    return run;
  }

  private async exchange(payload: OutboundPayload, signal: AbortSignal): Promise<DeliveryResult> {
    if (this.closed || signal.aborted) return { kind: 'retry', error: 'delivery stopped' };
    if (payload.format !== 'hl7v2' || !payload.controlId)
      return { kind: 'rejected', error: 'the mllp connector sends HL7 v2 payloads with a control id only' };
    let socket: net.Socket;
    try {
      socket = await this.connect();
    } catch (err) {
      return { kind: 'retry', error: `cannot connect to ${this.o.host}:${this.o.port} (${codeOf(err)})` };
    }
    const answer = await new Promise<{ ok: true; text: string } | { ok: false; error: string }>((resolve) => {
      const timer = setTimeout(() => finish({ ok: false, error: `no answer within ${this.o.answerTimeoutMs} ms` }), this.o.answerTimeoutMs);
      const onAbort = () => finish({ ok: false, error: 'delivery stopped' });
      signal.addEventListener('abort', onAbort, { once: true });
      const finish = (a: { ok: true; text: string } | { ok: false; error: string }) => {
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        this.pending = undefined;
        resolve(a);
      };
      this.pending = { resolve: finish };
      socket.write(frame(encodeOutbound(payload.body)));
    });
    if (!answer.ok) {
      this.drop();
      return { kind: 'retry', error: answer.error };
    }
    const result = outcomeOfAck(answer.text, payload.controlId, this.o.onApplicationError);
    if (result.kind === 'retry') this.drop();
    return result;
  }

  private connect(): Promise<net.Socket> {
    if (this.socket && !this.socket.destroyed) return Promise.resolve(this.socket);
    this.connecting ??= new Promise<net.Socket>((resolve, reject) => {
      const decoder = new MllpDecoder({ maxFrameBytes: this.o.maxFrameBytes });
      const opts = { host: this.o.host, port: this.o.port };
      const socket = this.secure ? tls.connect({ ...opts, ...this.secure }) : net.connect(opts);
      const ready = this.secure ? 'secureConnect' : 'connect';
      const timer = setTimeout(
        () => socket.destroy(Object.assign(new Error('connect timeout'), { code: 'ETIMEDOUT' })),
        this.o.connectTimeoutMs,
      );
      socket.setNoDelay(true);
      socket.setKeepAlive(true, 30_000);
      socket.once(ready, () => {
        clearTimeout(timer);
        this.socket = socket;
        resolve(socket);
      });
      socket.on('data', (chunk: Buffer) => {
        for (const event of decoder.push(chunk)) {
          if (event.kind === 'frame') this.pending?.resolve({ ok: true, text: event.payload.toString('utf8') });
          else if (event.kind === 'oversize') this.pending?.resolve({ ok: false, error: 'the answer is larger than maxFrameBytes' });
        }
      });
      socket.on('error', (err) => {
        clearTimeout(timer);
        reject(err);
        this.pending?.resolve({ ok: false, error: `connection failed (${codeOf(err)})` });
      });
      socket.on('close', () => {
        clearTimeout(timer);
        if (this.socket === socket) this.socket = undefined;
        reject(Object.assign(new Error('closed'), { code: 'ECONNRESET' }));
        this.pending?.resolve({
          ok: false,
          error: decoder.inFrame ? 'connection closed in the middle of an answer' : 'connection closed before an answer',
        });
      });
    }).finally(() => {
      this.connecting = undefined;
    });
    return this.connecting;
  }

  private drop(): void {
    this.socket?.destroy();
    this.socket = undefined;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.pending?.resolve({ ok: false, error: 'delivery stopped' });
    this.drop();
  }
}

function codeOf(err: unknown): string {
  const e = err as { code?: unknown; message?: unknown };
  return typeof e?.code === 'string' ? e.code : 'error';
}

export const mllpConnectorFactory: ConnectorFactory<MllpOptions> = {
  type: 'mllp',
  options: mllpOptionsSchema,
  create(options: MllpOptions, context: ConnectorContext): Connector {
    const connection = new MllpConnection(options, context.baseDir);
    return { send: (payload, signal) => connection.send(payload, signal), close: () => connection.close() };
  },
};
