/**
 * Slots reserved for known senders, over real sockets. Many connections from many loopback addresses (Linux routes
 * all of 127.0.0.0/8 locally) trickle a byte now and then, as in an attack that holds an MLLP intake shut: they
 * fill the slots open to strangers, and a known sender — by address, or by its TLS client certificate's name —
 * still connects and gets its ACK. Each refusal is counted with its reason, the listener reports its slots for the
 * metrics, and the `slots-exhausted` alert rule fires when the slots run out. On TLS channels, `allowClients`
 * closes a peer whose certificate names no listed identity.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { evaluateAlerts } from '../../src/alerts/evaluate';
import { slotsTracker } from '../../src/alerts/slots';
import type { LogFields, Logger } from '../../src/core/logger';
import { frame, MllpDecoder } from '../../src/mllp/decoder';
import { MllpListener, type MllpCloseReason, type MllpHandler, type MllpListenerOptions } from '../../src/mllp/listener';

jest.setTimeout(60_000);

interface LogLine { level: string; event: string; fields: LogFields }

function recordingLogger(lines: LogLine[] = []): Logger & { lines: LogLine[] } {
  const at = (level: string) => (event: string, fields: LogFields = {}) => { lines.push({ level, event, fields }); };
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error'), child: () => recordingLogger(lines) };
}

const handler: MllpHandler = {
  onFrame: async (payload) => `ACK:${payload.toString('utf8')}`,
  onOversize: async () => null,
};

const listeners: MllpListener[] = [];
const sockets: net.Socket[] = [];
const timers: NodeJS.Timeout[] = [];

async function startListener(overrides: Partial<MllpListenerOptions>) {
  const logger = recordingLogger();
  const closedFor: MllpCloseReason[] = [];
  const listener = new MllpListener({
    host: '127.0.0.1', port: 0, maxFrameBytes: 1 << 20, idleTimeoutMs: 0, maxConnections: 50, logger,
    onConnectionClosed: (r) => closedFor.push(r), ...overrides,
  }, handler);
  listeners.push(listener);
  await listener.start();
  return { listener, port: listener.address().port, logger, closedFor };
}

/** Sends `payload` framed on `socket` and resolves with the first reply, or 'closed' when the socket closes first. */
function exchange(socket: net.Socket, payload: string): Promise<string> {
  return new Promise((resolve) => {
    const decoder = new MllpDecoder({ maxFrameBytes: 1 << 20 });
    socket.on('data', (chunk: Buffer) => { for (const ev of decoder.push(chunk)) if (ev.kind === 'frame') resolve(ev.payload.toString('utf8')); });
    socket.on('close', () => resolve('closed'));
    socket.on('error', () => undefined);
    if (!socket.destroyed) socket.write(frame(payload));
  });
}

/** A TCP connection from `localAddress`; resolves with the socket once connected, or 'closed' if it closes first. */
function connect(port: number, localAddress: string): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ port, host: '127.0.0.1', localAddress });
    sockets.push(socket);
    socket.on('error', () => undefined);
    socket.once('connect', () => resolve(socket));
    socket.once('error', reject);
  });
}

/** Starts a frame and sends one more byte of it every `everyMs`: the frame never ends, the connection stays busy. */
function trickle(socket: net.Socket, everyMs: number): void {
  socket.write(Buffer.from([0x0b]));
  timers.push(setInterval(() => { if (!socket.destroyed) socket.write('M'); }, everyMs));
}

const within = <T>(p: Promise<T>, ms: number, what: string): Promise<T> =>
  Promise.race([p, new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`timed out: ${what}`)), ms))]);

const settle = (ms = 300) => new Promise((r) => setTimeout(r, ms));

afterEach(async () => {
  for (const t of timers.splice(0)) clearInterval(t);
  for (const s of sockets.splice(0)) s.destroy();
  await Promise.all(listeners.splice(0).map((l) => l.stop(1000)));
});

describe('slots reserved for known senders', () => {
  it('trickling strangers from 40 addresses fill only the shared slots; a known sender still connects and gets its ACK', async () => {
    const { listener, port, logger, closedFor } = await startListener({
      maxConnections: 24, known: { addresses: ['127.0.9.0/24'], reservedSlots: 4 },
    });
    // 100 connections from 40 addresses, each starting a frame and trickling a byte every 200 ms.
    for (let i = 0; i < 100; i++) {
      const socket = await connect(port, `127.0.1.${(i % 40) + 1}`);
      trickle(socket, 200);
    }
    await settle();
    expect(listener.connectionCount).toBe(20); // 24 − 4 reserved
    expect(closedFor.filter((r) => r === 'reserved_slots')).toHaveLength(80);
    expect(logger.lines.filter((l) => l.event === 'mllp connection refused' && l.fields.reason === 'reservedSlots')).toHaveLength(80);

    // Known senders (127.0.9.x) take the reserved slots and are answered while the strangers keep trickling.
    for (let k = 1; k <= 4; k++) {
      const known = await connect(port, `127.0.9.${k}`);
      expect(await within(exchange(known, `MSH|^~\\&|KNOWN-${k}`), 3000, `known sender ${k} answered`)).toBe(`ACK:MSH|^~\\&|KNOWN-${k}`);
    }
    expect(listener.connectionCount).toBe(24);
    expect(listener.slots()).toEqual({ open: 24, limit: 24, reserved: 4, refusedForSlots: 80 });

    // Every slot is taken now: even a known sender is refused, counted as max_connections.
    const fifth = await connect(port, '127.0.9.5');
    expect(await within(exchange(fifth, 'MSH|^~\\&|KNOWN-5'), 3000, 'refusal')).toBe('closed');
    expect(closedFor.at(-1)).toBe('max_connections');
    // Log lines carry addresses and counts only.
    for (const line of logger.lines) expect(JSON.stringify(line)).not.toContain('MSH');
  });

  it('without reserved slots the same strangers lock a known sender out (what the reservation prevents)', async () => {
    const { listener, port } = await startListener({ maxConnections: 24 });
    for (let i = 0; i < 30; i++) trickle(await connect(port, `127.0.1.${(i % 40) + 1}`), 200);
    await settle();
    expect(listener.connectionCount).toBe(24);
    const known = await connect(port, '127.0.9.1');
    expect(await within(exchange(known, 'MSH|^~\\&|KNOWN'), 3000, 'refusal')).toBe('closed');
  });

  it('the slots-exhausted alert fires when the slots run out, and clears when a slot is free and nobody was refused', async () => {
    const { listener, port } = await startListener({ maxConnections: 6, known: { addresses: ['127.0.9.1'], reservedSlots: 2 } });
    const rules = { timeZone: 'UTC', slotsExhausted: true };
    const readSlots = slotsTracker(() => new Map([['pharmacy', listener.slots()]]));
    const evaluate = (active: ReturnType<typeof evaluateAlerts>['active']) => evaluateAlerts({
      now: new Date(), startedAt: new Date(), active,
      channels: [{ name: 'pharmacy', rules, reading: { open: 0, deadLetters: 0, lastReceivedAt: null, slots: readSlots().get('pharmacy') } }],
    });

    const calm = evaluate(new Map());
    expect(calm.raised).toEqual([]);

    const strangers: net.Socket[] = [];
    for (let i = 0; i < 10; i++) {
      const s = await connect(port, `127.0.1.${i + 1}`);
      trickle(s, 200);
      strangers.push(s);
    }
    await settle();
    expect(listener.slots()).toMatchObject({ open: 4, refusedForSlots: 6 });
    const firing = evaluate(calm.active);
    expect(firing.raised).toEqual([expect.objectContaining({
      id: 'pharmacy:slots-exhausted', kind: 'slots-exhausted', value: 4, threshold: 6,
      message: 'channel pharmacy: 4 of 6 MLLP connection slots in use, 6 connections refused for want of a slot since the last check',
    })]);

    // The strangers leave; the next evaluation finds free slots and no refusal since the last one.
    for (const s of strangers) s.destroy();
    await settle();
    const after = evaluate(firing.active);
    expect(after.cleared.map((a) => a.id)).toEqual(['pharmacy:slots-exhausted']);
    expect(after.active.size).toBe(0);
  });
});

describe('client certificate identities (TLS)', () => {
  let dir: string;
  const pem = (name: string) => fs.readFileSync(path.join(dir, name));
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rxb-known-tls-'));
    const run = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
    run('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '1', '-subj', '/CN=Test CA');
    for (const [name, cn, ext] of [['server', '127.0.0.1', 'subjectAltName=IP:127.0.0.1'], ['store01', 'store01', 'subjectAltName=DNS:store01.pharmsys.example'], ['stranger', 'stranger', 'subjectAltName=DNS:stranger.example']]) {
      run('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${cn}`);
      fs.writeFileSync(path.join(dir, `${name}.ext`), `${ext}\n`);
      run('x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${name}.pem`, '-days', '1', '-extfile', `${name}.ext`);
    }
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  const serverTls = () => ({ cert: pem('server.pem'), key: pem('server.key'), ca: pem('ca.pem'), requestCert: true, rejectUnauthorized: true });

  /** A TLS MLLP exchange from `localAddress` with the client certificate `client`. */
  function tlsExchange(port: number, client: string, localAddress = '127.0.0.1'): Promise<string> {
    return new Promise((resolve) => {
      const tcp = net.connect({ host: '127.0.0.1', port, localAddress });
      tcp.on('error', () => undefined);
      const socket = tls.connect({ socket: tcp, host: '127.0.0.1', ca: pem('ca.pem'), cert: pem(`${client}.pem`), key: pem(`${client}.key`) },
        () => socket.write(frame(`MSH|^~\\&|${client}`)));
      sockets.push(tcp, socket);
      const decoder = new MllpDecoder({ maxFrameBytes: 1 << 20 });
      socket.on('data', (chunk) => { for (const ev of decoder.push(chunk)) if (ev.kind === 'frame') resolve(ev.payload.toString('utf8')); });
      socket.on('error', () => resolve('closed'));
      socket.on('close', () => resolve('closed'));
    });
  }

  it('allowClients: a certificate naming a listed identity (CN or subjectAltName) is served; another is closed and counted', async () => {
    const { port, logger, closedFor } = await startListener({ tls: serverTls(), allowClients: ['store01.pharmsys.example'] });
    expect(await within(tlsExchange(port, 'store01'), 5000, 'store01 answered')).toBe('ACK:MSH|^~\\&|store01');
    expect(await within(tlsExchange(port, 'stranger'), 5000, 'stranger closed')).toBe('closed');
    expect(closedFor).toEqual(['allow_clients']);
    expect(logger.lines.find((l) => l.event === 'mllp client certificate not in allowClients; connection closed'))
      .toMatchObject({ level: 'warn', fields: { remote: expect.stringMatching(/^127\.0\.0\.1:\d+$/) } });
  });

  it('known.clients: a sender known by its certificate gets a reserved slot that strangers cannot take', async () => {
    const { listener, port, closedFor } = await startListener({ tls: serverTls(), maxConnections: 3, known: { clients: ['store01'], reservedSlots: 1 } });
    // Two strangers hold the two shared slots (TLS up, then silent); a third is refused for the reserved slot.
    const held: Array<Promise<string>> = [];
    for (let i = 1; i <= 2; i++) {
      held.push(new Promise<string>((resolve) => {
        const tcp = net.connect({ host: '127.0.0.1', port, localAddress: `127.0.1.${i}` });
        tcp.on('error', () => undefined);
        const s = tls.connect({ socket: tcp, host: '127.0.0.1', ca: pem('ca.pem'), cert: pem('stranger.pem'), key: pem('stranger.key') },
          () => { s.write(Buffer.from([0x0b])); resolve('up'); });
        s.on('error', () => resolve('closed'));
        sockets.push(tcp, s);
      }));
    }
    expect(await Promise.all(held)).toEqual(['up', 'up']);
    await settle();
    expect(listener.connectionCount).toBe(2);
    expect(await within(tlsExchange(port, 'stranger', '127.0.1.3'), 5000, 'third stranger refused')).toBe('closed');
    expect(closedFor).toEqual(['reserved_slots']);
    expect(await within(tlsExchange(port, 'store01', '127.0.1.4'), 5000, 'store01 answered')).toBe('ACK:MSH|^~\\&|store01');
  });
});
