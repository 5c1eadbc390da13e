/**
 * The MLLP listener's TLS edges, on a real TLS socket (no store): a handshake that never finishes — a peer that
 * drops the connection right after its side of the handshake, or one that connects and says nothing — is
 * aborted after the handshake timeout and does not hold up stop(); setTlsCredentials() changes the certificate
 * new connections see while an open connection keeps its own and keeps being answered.
 */
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { LogFields, Logger } from '../../src/core/logger';
import { frame, MllpDecoder } from '../../src/mllp/decoder';
import { MllpListener, type MllpHandler } from '../../src/mllp/listener';
import { identity, makeCerts, makeServerCert, servedSerial, tlsConnect } from './certs';
import { waitFor } from './support';

interface LogLine { level: string; event: string; fields: LogFields }

function recordingLogger(lines: LogLine[] = []): Logger & { lines: LogLine[] } {
  const at = (level: string) => (event: string, fields: LogFields = {}) => { lines.push({ level, event, fields }); };
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error'), child: () => recordingLogger(lines) };
}

const echo: MllpHandler = {
  onFrame: async (payload) => `ACK:${payload.toString('latin1')}`,
  onOversize: async () => null,
};

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rxb-mllp-tls-'));
const read = (f: string) => fs.readFileSync(path.join(dir, f));

beforeAll(() => {
  makeCerts(dir);
  makeServerCert(dir, 'next', '1002');
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

async function startListener(log: Logger, handshakeTimeoutMs?: number): Promise<MllpListener> {
  const listener = new MllpListener({
    host: '127.0.0.1', port: 0, maxFrameBytes: 1 << 20, idleTimeoutMs: 0, maxConnections: 0,
    tls: { cert: read('server.crt'), key: read('server.key'), minVersion: 'TLSv1.2' }, tlsHandshakeTimeoutMs: handshakeTimeoutMs, logger: log,
  }, echo);
  await listener.start();
  return listener;
}

function openTcp(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1', () => resolve(s));
    s.on('error', reject);
  });
}

test('a handshake that never finishes is aborted after the timeout, with a warning', async () => {
  const log = recordingLogger();
  const listener = await startListener(log, 300);
  try {
    const silent = await openTcp(listener.address().port);
    const closed = new Promise<number>((resolve) => { const t0 = Date.now(); silent.on('close', () => resolve(Date.now() - t0)); });
    const dropped = await tlsConnect(listener.address().port, identity(dir));
    dropped.destroy(); // before the server has read the client's Finished
    expect(await closed).toBeLessThan(3000);
    await waitFor(() => log.lines.filter((l) => l.fields.error === 'ERR_TLS_HANDSHAKE_TIMEOUT').length >= 2, 3000, 'both handshakes to time out');
    expect(log.lines.find((l) => l.event === 'mllp tls handshake failed')).toMatchObject({ level: 'warn' });
  } finally {
    await listener.stop();
  }
});

test('stop() does not wait for unfinished handshakes', async () => {
  const listener = await startListener(recordingLogger()); // the default timeout: 10 s
  const silent = await openTcp(listener.address().port);
  silent.on('error', () => undefined);
  const dropped = await tlsConnect(listener.address().port, identity(dir));
  dropped.destroy();
  const t0 = Date.now();
  await listener.stop(1000);
  expect(Date.now() - t0).toBeLessThan(2000);
  silent.destroy();
});

test('setTlsCredentials: new connections see the new certificate; an open one keeps its own and is still answered', async () => {
  const log = recordingLogger();
  const listener = await startListener(log);
  try {
    const port = listener.address().port;
    const open = await tlsConnect(port, identity(dir));
    expect(open.getPeerCertificate().serialNumber).toBe('1001');
    listener.setTlsCredentials({ cert: read('next.crt'), key: read('next.key') });
    expect(await servedSerial(port, identity(dir))).toBe('1002');

    const decoder = new MllpDecoder({ maxFrameBytes: 1 << 20 });
    const answer = new Promise<string>((resolve) => open.on('data', (c: Buffer) => {
      for (const ev of decoder.push(c)) if (ev.kind === 'frame') resolve(ev.payload.toString('latin1'));
    }));
    open.write(frame('PING'));
    expect(await answer).toBe('ACK:PING');
    expect(open.getPeerCertificate().serialNumber).toBe('1001');
    open.end();

    // A key from another certificate: Node refuses it, and the certificate in force stays.
    expect(() => listener.setTlsCredentials({ cert: read('server.crt'), key: read('next.key') })).toThrow();
    expect(await servedSerial(port, identity(dir))).toBe('1002');
  } finally {
    await listener.stop();
  }
});

test('setTlsCredentials on a plain TCP listener is an error', async () => {
  const listener = new MllpListener({ host: '127.0.0.1', port: 0, maxFrameBytes: 1024, idleTimeoutMs: 0, maxConnections: 0, logger: recordingLogger() }, echo);
  expect(() => listener.setTlsCredentials({ cert: read('next.crt'), key: read('next.key') })).toThrow('does not use TLS');
});
