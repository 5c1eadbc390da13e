/**
 * Source limits of the MLLP listener over real sockets: `allowFrom` (addresses and CIDR blocks; anyone else is
 * closed at once, before any TLS handshake, with a warning naming the address) and `maxConnectionsPerIp`.
 * Other loopback addresses (127.0.0.2, …) stand in for other senders: Linux routes all of 127.0.0.0/8 locally.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import type { LogFields, Logger } from '../../src/core/logger';
import { frame, MllpDecoder } from '../../src/mllp/decoder';
import { MllpListener, type MllpHandler, type MllpListenerOptions } from '../../src/mllp/listener';

interface LogLine { level: string; event: string; fields: LogFields }

function recordingLogger(lines: LogLine[] = []): Logger & { lines: LogLine[] } {
  const at = (level: string) => (event: string, fields: LogFields = {}) => { lines.push({ level, event, fields }); };
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error'), child: () => recordingLogger(lines) };
}

const calls: string[] = [];
const handler: MllpHandler = {
  onFrame: async (payload) => { calls.push(payload.toString('utf8')); return `ACK:${payload.toString('utf8')}`; },
  onOversize: async () => null,
};

const listeners: MllpListener[] = [];
const sockets: net.Socket[] = [];

async function startListener(overrides: Partial<MllpListenerOptions>) {
  const logger = recordingLogger();
  const listener = new MllpListener(
    { host: '127.0.0.1', port: 0, maxFrameBytes: 1 << 20, idleTimeoutMs: 0, maxConnections: 50, logger, ...overrides }, handler);
  listeners.push(listener);
  await listener.start();
  return { listener, port: listener.address().port, logger };
}

interface Peer {
  socket: net.Socket;
  /** The next reply, or 'closed' when the socket closes first. */
  exchange(payload: string): Promise<string>;
  closed: Promise<void>;
}

/** A plain TCP MLLP peer from `localAddress`; resolves once connected. */
function peer(port: number, localAddress: string, host = '127.0.0.1'): Promise<Peer> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ port, host, localAddress });
    sockets.push(socket);
    const decoder = new MllpDecoder({ maxFrameBytes: 1 << 20 });
    const replies: string[] = [];
    let wake: (() => void) | undefined;
    socket.on('data', (chunk) => {
      for (const ev of decoder.push(chunk)) if (ev.kind === 'frame') replies.push(ev.payload.toString('utf8'));
      wake?.();
    });
    socket.on('error', () => undefined);
    let isClosed = false;
    const closed = new Promise<void>((r) => socket.once('close', () => { isClosed = true; wake?.(); r(); }));
    socket.once('connect', () => resolve({
      socket, closed,
      exchange: (payload) => new Promise((res) => {
        const check = () => {
          if (replies.length > 0) res(replies.shift() as string);
          else if (isClosed) res('closed');
          else wake = check;
        };
        if (!socket.destroyed) socket.write(frame(payload));
        check();
      }),
    }));
    socket.once('error', reject);
  });
}

const within = <T>(p: Promise<T>, ms: number, what: string): Promise<T> =>
  Promise.race([p, new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`timed out: ${what}`)), ms))]);

afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  await Promise.all(listeners.splice(0).map((l) => l.stop(1000)));
  calls.length = 0;
});

describe('allowFrom', () => {
  it('closes a connection from an address outside the list at once, with a warning naming it; the handler never runs', async () => {
    const { port, logger, listener } = await startListener({ allowFrom: ['10.0.0.0/8', '192.168.1.20'] });
    const p = await peer(port, '127.0.0.1');
    expect(await within(p.exchange('MSH|^~\\&|A'), 3000, 'the refused socket to close')).toBe('closed');
    expect(calls).toEqual([]);
    expect(listener.connectionCount).toBe(0);
    const warning = logger.lines.find((l) => l.event === 'mllp connection from an address not in allowFrom closed');
    expect(warning).toMatchObject({ level: 'warn', fields: { remote: expect.stringMatching(/^127\.0\.0\.1:\d+$/) } });
  });

  it('serves addresses and CIDR blocks in the list, and refuses the rest', async () => {
    const { port, logger } = await startListener({ allowFrom: ['127.0.0.2', '127.0.1.0/24'] });
    const listed = await peer(port, '127.0.0.2');
    expect(await listed.exchange('ONE')).toBe('ACK:ONE');
    const inBlock = await peer(port, '127.0.1.77');
    expect(await inBlock.exchange('TWO')).toBe('ACK:TWO');
    const outside = await peer(port, '127.0.0.3');
    expect(await within(outside.exchange('THREE'), 3000, 'refusal')).toBe('closed');
    expect(calls).toEqual(['ONE', 'TWO']);
    expect(logger.lines.filter((l) => l.event.includes('not in allowFrom')).map((l) => String(l.fields.remote).split(':')[0])).toEqual(['127.0.0.3']);
  });

  it('IPv6: ::1 is matched against IPv6 entries only', async () => {
    let probe: net.Server | undefined;
    try {
      probe = net.createServer();
      await new Promise<void>((res, rej) => { probe!.once('error', rej); probe!.listen(0, '::1', () => res()); });
    } catch {
      return; // no IPv6 loopback on this machine
    } finally {
      probe?.close();
    }
    const v4only = await startListener({ host: '::1', allowFrom: ['127.0.0.1'] });
    expect(await within((await peer(v4only.port, '::1', '::1')).exchange('X'), 3000, 'refusal')).toBe('closed');
    const v6 = await startListener({ host: '::1', allowFrom: ['::1/128'] });
    expect(await (await peer(v6.port, '::1', '::1')).exchange('Y')).toBe('ACK:Y');
  });

  it('a dual-stack listener sees IPv4 peers as ::ffff:a.b.c.d and matches them against IPv4 entries', async () => {
    const { port } = await startListener({ host: '::', allowFrom: ['127.0.0.2'] });
    expect(await (await peer(port, '127.0.0.2')).exchange('MAPPED')).toBe('ACK:MAPPED');
    expect(await within((await peer(port, '127.0.0.1')).exchange('NO'), 3000, 'refusal')).toBe('closed');
  });

  it('over TLS: a refused address is closed before the handshake (no TLS work, no handshake warning)', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rxb-allow-tls-'));
    try {
      execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'key.pem', '-out', 'cert.pem', '-days', '1',
        '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { cwd: dir, stdio: 'ignore' });
      const cert = fs.readFileSync(path.join(dir, 'cert.pem'));
      const { port, logger } = await startListener({ allowFrom: ['127.0.0.2'], tls: { cert, key: fs.readFileSync(path.join(dir, 'key.pem')) } });
      const attempt = (localAddress: string) => new Promise<string>((resolve) => {
        const tcp = net.connect({ host: '127.0.0.1', port, localAddress });
        tcp.on('error', () => undefined);
        const socket = tls.connect({ socket: tcp, host: '127.0.0.1', ca: cert }, () => socket.write(frame('TLS')));
        sockets.push(tcp, socket);
        const decoder = new MllpDecoder({ maxFrameBytes: 1 << 20 });
        socket.on('data', (chunk) => { for (const ev of decoder.push(chunk)) if (ev.kind === 'frame') resolve(ev.payload.toString('utf8')); });
        socket.on('error', (err: NodeJS.ErrnoException) => resolve(`error ${err.code ?? err.name}`));
        socket.on('close', () => resolve('closed'));
      });
      expect(await attempt('127.0.0.2')).toBe('ACK:TLS');
      expect(await within(attempt('127.0.0.1'), 3000, 'TLS refusal')).toMatch(/^(error|closed)/);
      expect(logger.lines.filter((l) => l.event.includes('not in allowFrom'))).toHaveLength(1);
      expect(logger.lines.filter((l) => l.event === 'mllp tls handshake failed')).toHaveLength(0);
      expect(calls).toEqual(['TLS']);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('maxConnectionsPerIp', () => {
  it('refuses connections beyond the limit from one address, not from others, and frees a slot on close', async () => {
    const { port, logger, listener } = await startListener({ maxConnectionsPerIp: 2 });
    const a1 = await peer(port, '127.0.0.1');
    const a2 = await peer(port, '127.0.0.1');
    expect(await a1.exchange('A1')).toBe('ACK:A1');
    expect(await a2.exchange('A2')).toBe('ACK:A2');
    const a3 = await peer(port, '127.0.0.1');
    expect(await within(a3.exchange('A3'), 3000, 'the third connection to be closed')).toBe('closed');
    expect(logger.lines.find((l) => l.event === 'mllp connection refused')).toMatchObject({
      level: 'warn', fields: { reason: 'maxConnectionsPerIp', remote: expect.stringMatching(/^127\.0\.0\.1:/) },
    });
    const b1 = await peer(port, '127.0.0.2');
    expect(await b1.exchange('B1')).toBe('ACK:B1');
    expect(listener.connectionCount).toBe(3);

    a1.socket.end();
    await within(a1.closed, 3000, 'a1 to close');
    await within((async () => { while (listener.connectionCount !== 2) await new Promise((r) => setTimeout(r, 10)); })(), 3000, 'the listener to see a1 close');
    const a4 = await peer(port, '127.0.0.1');
    expect(await a4.exchange('A4')).toBe('ACK:A4');
    expect(calls).toEqual(['A1', 'A2', 'B1', 'A4']);
  });
});

describe('a frame must arrive whole in time', () => {
  it('a sender trickling a frame a byte at a time is closed when the frame timeout passes; whole frames keep going', async () => {
    const closedFor: string[] = [];
    const { port, logger } = await startListener({ frameTimeoutMs: 300, idleTimeoutMs: 10_000, onConnectionClosed: (r) => closedFor.push(r) });
    // A well-behaved sender on another connection, frame after frame, is never cut.
    const steady = await peer(port, '127.0.0.1');
    const trickler = await peer(port, '127.0.0.1');
    const bytes = frame('MSH|^~\\&|TRICKLE');
    let i = 0;
    const drip = setInterval(() => { if (!trickler.socket.destroyed && i < bytes.length - 1) trickler.socket.write(bytes.subarray(i, ++i)); }, 50);
    try {
      for (let n = 0; n < 8; n++) {
        expect(await within(steady.exchange(`MSH|^~\\&|STEADY-${n}`), 2000, 'a steady reply')).toBe(`ACK:MSH|^~\\&|STEADY-${n}`);
        await new Promise((r) => setTimeout(r, 60));
      }
      await within(trickler.closed, 2000, 'the trickling connection closed');
    } finally {
      clearInterval(drip);
    }
    expect(steady.socket.destroyed).toBe(false);
    expect(calls).not.toContain('MSH|^~\\&|TRICKLE');
    expect(logger.lines.find((l) => l.event === 'mllp frame not completed in time; connection closed')).toMatchObject({
      level: 'warn', fields: { frameTimeoutMs: 300 },
    });
    expect(closedFor).toEqual(['frame_timeout']); // counted: rxbridge_mllp_connections_closed_total{reason="frame_timeout"}
  });

  it('each connection a limit refuses is counted with its reason, so running out of slots can raise an alert', async () => {
    const closedFor: string[] = [];
    const { port } = await startListener({ maxConnections: 2, maxConnectionsPerIp: 1, onConnectionClosed: (r) => closedFor.push(r) });
    const first = await peer(port, '127.0.0.1');
    expect(await first.exchange('S1')).toBe('ACK:S1');
    const sameIp = await peer(port, '127.0.0.1');
    await within(sameIp.closed, 2000, 'the second connection from one address closed');
    const other = await peer(port, '127.0.0.2');
    expect(await other.exchange('S2')).toBe('ACK:S2');
    const third = await peer(port, '127.0.0.3');
    await within(third.closed, 2000, 'a connection beyond maxConnections closed');
    expect(closedFor).toEqual(['max_connections_per_ip', 'max_connections']);
  });
});
