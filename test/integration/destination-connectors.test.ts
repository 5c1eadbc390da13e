/**
 * The mllp and http connectors against real receivers on loopback ports, without the engine: one persistent MLLP
 * connection reused across deliveries and opened again after the receiver closes it, MLLP over mutual TLS (and a
 * refused client certificate retried), HTTP statuses and the body rule, bearer and basic credentials from a file
 * and the environment, the request timeout, and HTTPS with a client certificate.
 */
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import tls from 'node:tls';
import { createLogger } from '../../src/core/logger';
import { httpConnectorFactory, httpOptionsSchema } from '../../src/destinations/http-connector';
import { mllpConnectorFactory, mllpOptionsSchema } from '../../src/destinations/mllp-connector';
import type { OutboundPayload } from '../../src/destinations/ports';
import { frame, MllpDecoder } from '../../src/mllp/decoder';
import { fieldOf } from './ack-receiver';
import { makeCerts } from './certs';

jest.setTimeout(30_000);

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rxb-dest-conn-'));
beforeAll(() => makeCerts(dir));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const context = { logger: createLogger({ stream: new PassThrough(), level: 'error' }), baseDir: dir };
const never = new AbortController().signal;

function hl7(controlId: string): OutboundPayload {
  return {
    format: 'hl7v2',
    body: `MSH|^~\\&|RXB|HUB|R|F|20261207||ADT^A04|${controlId}|P|2.5.1\rPID|1||X1\r`,
    contentType: 'application/hl7-v2',
    controlId,
    deliveryKey: `1:${controlId}`,
    messageId: '1',
    channel: 'c',
    destination: 'd',
  };
}

/** An MLLP server (plain or TLS) answering AA to each frame; counts connections and can close them all. */
async function mllpServer(secure?: tls.TlsOptions) {
  const sockets = new Set<net.Socket>();
  let connections = 0;
  const onSocket = (socket: net.Socket) => {
    connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    const decoder = new MllpDecoder({ maxFrameBytes: 1 << 20 });
    socket.on('data', (chunk: Buffer) => {
      for (const e of decoder.push(chunk)) {
        if (e.kind !== 'frame') continue;
        const id = fieldOf(e.payload.toString('utf8'), 'MSH', 10);
        socket.write(frame(`MSH|^~\\&|R|F|RXB|HUB|20261207||ACK|A${id}|P|2.5.1\rMSA|AA|${id}\r`));
      }
    });
  };
  const server = secure ? tls.createServer(secure, onSocket) : net.createServer(onSocket);
  if (secure) server.on('tlsClientError', () => undefined);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as net.AddressInfo).port,
    connections: () => connections,
    dropAll: () => sockets.forEach((s) => s.destroy()),
    close: () => new Promise<void>((r) => (sockets.forEach((s) => s.destroy()), server.close(() => r()))),
  };
}

describe('mllp connector', () => {
  test('reuses one connection, and opens a new one after the receiver closed it', async () => {
    const server = await mllpServer();
    const c = mllpConnectorFactory.create(mllpOptionsSchema.parse({ host: '127.0.0.1', port: server.port }), context);
    try {
      expect(await c.send(hl7('A1'), never)).toEqual({ kind: 'delivered', detail: 'AA (MSA-2 A1)' });
      expect(await c.send(hl7('A2'), never)).toMatchObject({ kind: 'delivered' });
      expect(server.connections()).toBe(1);
      server.dropAll();
      await new Promise((r) => setTimeout(r, 50));
      expect(await c.send(hl7('A3'), never)).toMatchObject({ kind: 'delivered' });
      expect(server.connections()).toBe(2);
    } finally {
      await c.close();
      await server.close();
    }
  });

  test('mutual TLS with CA, certificate and key files; a receiver that refuses the client is retried', async () => {
    const read = (f: string) => fs.readFileSync(path.join(dir, f));
    const server = await mllpServer({ cert: read('server.crt'), key: read('server.key'), ca: read('ca.crt'), requestCert: true, rejectUnauthorized: true });
    const good = mllpConnectorFactory.create(
      mllpOptionsSchema.parse({ host: '127.0.0.1', port: server.port, tls: { ca: 'ca.crt', cert: 'client.crt', key: 'client.key' } }),
      context,
    );
    const stranger = mllpConnectorFactory.create(
      mllpOptionsSchema.parse({ host: '127.0.0.1', port: server.port, answerTimeoutMs: 1000, tls: { ca: 'ca.crt', cert: 'stranger.crt', key: 'stranger.key' } }),
      context,
    );
    try {
      expect(await good.send(hl7('T1'), never)).toMatchObject({ kind: 'delivered' });
      expect(await stranger.send(hl7('T2'), never)).toMatchObject({ kind: 'retry' });
    } finally {
      await good.close();
      await stranger.close();
      await server.close();
    }
  });

  test('refused connection and stop are retries', async () => {
    const server = await mllpServer();
    await server.close();
    const c = mllpConnectorFactory.create(mllpOptionsSchema.parse({ host: '127.0.0.1', port: server.port }), context);
    expect(await c.send(hl7('R1'), never)).toEqual({ kind: 'retry', error: `cannot connect to 127.0.0.1:${server.port} (ECONNREFUSED)` });
    const stop = new AbortController();
    stop.abort();
    expect(await c.send(hl7('R2'), stop.signal)).toMatchObject({ kind: 'retry', error: 'delivery stopped' });
    await c.close();
  });
});

describe('http connector', () => {
  let server: http.Server;
  let port: number;
  const seen: Array<{ auth?: string; key?: string; type?: string; body: string }> = [];
  let answer: { status: number; body: string; delayMs?: number } = { status: 200, body: '{"accepted":true}' };
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      const parts: Buffer[] = [];
      req.on('data', (c: Buffer) => parts.push(c));
      req.on('end', () => {
        seen.push({ auth: req.headers.authorization, key: req.headers['idempotency-key'] as string, type: req.headers['content-type'], body: Buffer.concat(parts).toString() });
        const a = answer;
        setTimeout(() => res.writeHead(a.status).end(a.body), a.delayMs ?? 0);
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as net.AddressInfo).port;
  });
  afterAll(() => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r()))));

  const json: OutboundPayload = { format: 'json', body: '{"a":1}', contentType: 'application/json', deliveryKey: '7:d', messageId: '7', channel: 'c', destination: 'd' };

  test('statuses and the body rule; a bearer token from a file; the idempotency key', async () => {
    fs.writeFileSync(path.join(dir, 'token'), 's3cret\n', { mode: 0o600 });
    const c = httpConnectorFactory.create(
      httpOptionsSchema.parse({ url: `http://127.0.0.1:${port}/in`, bodyMustMatch: '"accepted":true', auth: { bearer: { tokenFile: 'token' } } }),
      context,
    );
    answer = { status: 200, body: '{"accepted":true}' };
    expect(await c.send(json, never)).toEqual({ kind: 'delivered', detail: 'HTTP 200' });
    expect(seen.at(-1)).toEqual({ auth: 'Bearer s3cret', key: '7:d', type: 'application/json', body: '{"a":1}' });
    answer = { status: 200, body: '{"accepted":false}' };
    expect(await c.send(json, never)).toMatchObject({ kind: 'retry' });
    answer = { status: 503, body: '' };
    expect(await c.send(json, never)).toEqual({ kind: 'retry', error: 'HTTP 503' });
    answer = { status: 422, body: '' };
    expect(await c.send(json, never)).toEqual({ kind: 'rejected', error: 'HTTP 422' });
    await c.close();
  });

  test('basic credentials from the environment; a slow answer is a retry after timeoutMs', async () => {
    process.env.RXB_TEST_HTTP_PASSWORD = 'pw';
    const c = httpConnectorFactory.create(
      httpOptionsSchema.parse({ url: `http://127.0.0.1:${port}/in`, timeoutMs: 200, auth: { basic: { username: 'rx', passwordEnv: 'RXB_TEST_HTTP_PASSWORD' } } }),
      context,
    );
    answer = { status: 200, body: '', delayMs: 1000 };
    expect(await c.send(json, never)).toEqual({ kind: 'retry', error: 'no answer within 200 ms' });
    expect(seen.at(-1)!.auth).toBe(`Basic ${Buffer.from('rx:pw').toString('base64')}`);
    await c.close();
  });

  test('HTTPS with a client certificate', async () => {
    const read = (f: string) => fs.readFileSync(path.join(dir, f));
    const secure = https.createServer({ cert: read('server.crt'), key: read('server.key'), ca: read('ca.crt'), requestCert: true, rejectUnauthorized: true }, (req, res) => {
      res.writeHead((req.socket as tls.TLSSocket).getPeerCertificate().subject?.CN === 'client' ? 201 : 403).end();
    });
    await new Promise<void>((r) => secure.listen(0, '127.0.0.1', r));
    const sport = (secure.address() as net.AddressInfo).port;
    const c = httpConnectorFactory.create(
      httpOptionsSchema.parse({ url: `https://127.0.0.1:${sport}/fhir`, tls: { ca: 'ca.crt', cert: 'client.crt', key: 'client.key' } }),
      context,
    );
    try {
      expect(await c.send(json, never)).toEqual({ kind: 'delivered', detail: 'HTTP 201' });
    } finally {
      await c.close();
      secure.closeAllConnections();
      await new Promise<void>((r) => secure.close(() => r()));
    }
  });
});
