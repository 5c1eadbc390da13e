/**
 * An HTTP channel source (node:http or node:https): HL7 v2 over HTTP POST, one message (or a batch) per request
 * body, answered with the HL7 ACK MLLP would send (docs/channels.md "http source").
 *
 * Contract:
 * - Only `POST <path>` is taken (else 404 / 405). Content types x-application/hl7-v2+er7, application/hl7-v2 and
 *   text/plain (415 otherwise). A body over `maxBodyBytes` is answered 413 and not read further; a body without an
 *   MSH segment is 400 with the reason. With `auth`, a request without the bearer token is 401.
 * - The ACK is written only after intake has committed the message (received, duplicate or rejected), exactly as on
 *   MLLP: AA, AR with ERR for a refused message, AR (STORE_UNAVAILABLE) when the store is down. Status 200 with the
 *   ACK as the body (the request's content type); 204 when enhanced mode asks for no accept ACK.
 * - A batch body (FHS/BHS or several MSH): each message is taken in order; the answer is every ACK, one after the
 *   other, each ending in CR.
 * - No body content reaches a log line.
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { HttpSourcePlan } from '../channels/schema';
import type { Logger } from '../core/logger';
import { splitHl7File } from './batch';
import type { SourceIntake } from './source-intake';

export const HL7_CONTENT_TYPES = ['x-application/hl7-v2+er7', 'application/hl7-v2', 'text/plain'] as const;

export interface HttpSourceStatus {
  type: 'http';
  requests: number;
  messages: number;
  refused: number;
}

export interface HttpSourceDeps {
  channel: string;
  config: HttpSourcePlan;
  intake: SourceIntake;
  logger: Logger;
  /** TLS options (certificate files read by the caller); absent = plain HTTP. */
  tls?: import('node:tls').TlsOptions;
  env?: NodeJS.ProcessEnv;
}

class Refusal extends Error {
  constructor(
    readonly status: number,
    reason: string,
  ) {
    super(reason);
  }
}

export class HttpSource {
  private server: http.Server | undefined;
  private readonly counts: HttpSourceStatus = { type: 'http', requests: 0, messages: 0, refused: 0 };
  private connections = 0;

  constructor(private readonly deps: HttpSourceDeps) {}

  status(): HttpSourceStatus {
    return { ...this.counts };
  }

  address(): AddressInfo {
    return this.server?.address() as AddressInfo;
  }

  get serving(): boolean {
    return this.server?.listening ?? false;
  }

  async start(): Promise<void> {
    const handler = (req: http.IncomingMessage, res: http.ServerResponse) => void this.handle(req, res);
    const server = this.deps.tls ? https.createServer(this.deps.tls, handler) : http.createServer(handler);
    server.on('connection', (socket) => {
      (socket as { rxbId?: number }).rxbId = ++this.connections;
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.deps.config.port, this.deps.config.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeIdleConnections();
    });
  }

  private token(): string | undefined {
    const auth = this.deps.config.auth;
    if (!auth) return undefined;
    if ('env' in auth) return (this.deps.env ?? process.env)[auth.env] ?? '';
    try {
      return readFileSync(auth.file, 'utf8').trim();
    } catch {
      return ''; // an unreadable token file lets nobody in
    }
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    this.counts.requests++;
    const { config, logger, channel } = this.deps;
    try {
      const url = (req.url ?? '/').split('?')[0];
      if (url !== config.path) throw new Refusal(404, `not found: HL7 messages are taken at POST ${config.path}`);
      if (req.method !== 'POST') throw new Refusal(405, 'method not allowed: send the message with POST');
      const token = this.token();
      if (token !== undefined && (token === '' || req.headers.authorization !== `Bearer ${token}`)) {
        throw new Refusal(401, 'unauthorized: send the channel token as Authorization: Bearer <token>');
      }
      const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
      if (!(HL7_CONTENT_TYPES as readonly string[]).includes(type)) {
        throw new Refusal(415, `unsupported content type: send ${HL7_CONTENT_TYPES.join(', ')}`);
      }
      const body = await readBody(req, config.maxBodyBytes);
      const pieces = splitHl7File(body).pieces;
      if (pieces.length === 0 || !pieces.some((p) => p.bytes.subarray(0, 3).toString('latin1') === 'MSH')) {
        throw new Refusal(400, 'the body holds no HL7 v2 message (no MSH segment)');
      }
      const socketId = (req.socket as { rxbId?: number }).rxbId ?? 0;
      const acks: string[] = [];
      for (const p of pieces) {
        const { ack } = await this.deps.intake.answer(p.bytes, {
          remote: `http:${req.socket.remoteAddress ?? ''}:${req.socket.remotePort ?? ''}#${this.counts.requests}.${p.index + 1}`,
          connectionId: String(socketId),
        });
        this.counts.messages++;
        if (ack !== null) acks.push(ack.endsWith('\r') ? ack : `${ack}\r`);
      }
      if (acks.length === 0) {
        res.writeHead(204).end();
        return;
      }
      res.writeHead(200, { 'content-type': type }).end(acks.join(''));
    } catch (err) {
      this.counts.refused++;
      const status = err instanceof Refusal ? err.status : 500;
      const reason = err instanceof Refusal ? err.message : 'internal error';
      if (!(err instanceof Refusal)) logger.warn('http source: request failed', { channel, error: (err as Error).name });
      if (!res.headersSent) res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', connection: 'close' });
      res.end(`${reason}\n`);
      // The rest of an oversize body is not read: the connection closes once the answer is out.
      if (status === 413) res.once('finish', () => req.destroy());
    }
  }
}

/** The request body, refused with 413 as soon as it passes `limit` bytes. */
function readBody(req: http.IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (declared > limit) return Promise.reject(new Refusal(413, `body of ${declared} bytes exceeds the limit of ${limit} bytes`));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        req.removeAllListeners('data');
        req.pause();
        reject(new Refusal(413, `body exceeds the limit of ${limit} bytes`));
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}
