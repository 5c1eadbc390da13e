import { CR, FS, VT, frame } from '../../src/mllp/decoder';
import {
  MAX_PENDING_FRAMES,
  MllpListener,
  type MllpHandler,
  type MllpListenerOptions,
} from '../../src/mllp/listener';
import type { LogFields, Logger } from '../../src/core/logger';
import { connectMllp, type MllpTestClient } from './mllp-client';

// ---- helpers ------------------------------------------------------------------------------------------

interface LogLine {
  level: string;
  event: string;
  fields: LogFields;
}

function recordingLogger(lines: LogLine[] = []): Logger & { lines: LogLine[] } {
  const at = (level: string) => (event: string, fields: LogFields = {}) => {
    lines.push({ level, event, fields });
  };
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error'), child: () => recordingLogger(lines) };
}

/** Deterministic PRNG (mulberry32) for handler delays. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

async function waitFor(cond: () => boolean, timeoutMs = 3000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

/** Echo handler: "ACK:" + payload after a random 0–5 ms delay, so answers resolve out of order. */
function echoHandler(seed = 42): MllpHandler & { calls: string[]; resolved: string[]; oversize: Array<{ head: string; bytes: number }> } {
  const random = prng(seed);
  const calls: string[] = [];
  const resolved: string[] = [];
  const oversize: Array<{ head: string; bytes: number }> = [];
  return {
    calls,
    resolved,
    oversize,
    onFrame(payload: Buffer) {
      const text = payload.toString('utf8');
      calls.push(text);
      return new Promise((resolve) =>
        setTimeout(() => {
          resolved.push(text);
          resolve(`ACK:${text}`);
        }, Math.floor(random() * 6)),
      );
    },
    onOversize(head: Buffer, bytes: number) {
      oversize.push({ head: head.toString('utf8'), bytes });
      return Promise.resolve(`NAK:oversize:${head.subarray(0, 3).toString('utf8')}`);
    },
  };
}

const listeners: MllpListener[] = [];
const clients: MllpTestClient[] = [];

async function startListener(handler: MllpHandler, overrides: Partial<MllpListenerOptions> = {}) {
  const logger = recordingLogger();
  const listener = new MllpListener(
    { host: '127.0.0.1', port: 0, maxFrameBytes: 1_048_576, idleTimeoutMs: 0, maxConnections: 50, logger, ...overrides },
    handler,
  );
  listeners.push(listener);
  await listener.start();
  const { port } = listener.address();
  return { listener, port, logger };
}

async function connect(port: number): Promise<MllpTestClient> {
  const client = await connectMllp(port);
  clients.push(client);
  return client;
}

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await Promise.all(listeners.splice(0).map((l) => l.stop(1000)));
});

const msg = (id: string) => `MSH|^~\\&|RX|PHARM|BILL|HOSP|20240101120000||RDS^O13|${id}|P|2.5\rPID|1||${id}||DOE^JANE`;

// ---- framing over real sockets --------------------------------------------------------------------------

describe('MllpListener framing', () => {
  it('binds an ephemeral port and answers one frame', async () => {
    const { listener, port } = await startListener(echoHandler());
    expect(port).toBeGreaterThan(0);
    expect(listener.address().host).toBe('127.0.0.1');
    const c = await connect(port);
    c.sendFrame(msg('1'));
    expect(await c.nextReply()).toBe(`ACK:${msg('1')}`);
  });

  it('answers several frames sent in one write, in order', async () => {
    const { port } = await startListener(echoHandler());
    const c = await connect(port);
    c.send(Buffer.concat([frame(msg('A')), frame(msg('B')), frame(msg('C'))]));
    expect([await c.nextReply(), await c.nextReply(), await c.nextReply()]).toEqual([
      `ACK:${msg('A')}`,
      `ACK:${msg('B')}`,
      `ACK:${msg('C')}`,
    ]);
  });

  it('reassembles a frame split across many writes, including between FS and CR', async () => {
    const handler = echoHandler();
    const { port } = await startListener(handler);
    const c = await connect(port);
    const bytes = Buffer.concat([frame(msg('SPLIT')), frame(msg('NEXT'))]);
    const firstFs = bytes.indexOf(FS);
    const cuts = [1, 5, 17, 40, firstFs, firstFs + 1, firstFs + 2, firstFs + 9, bytes.length];
    let prev = 0;
    for (const cut of cuts) {
      c.send(bytes.subarray(prev, cut));
      prev = cut;
      await sleep(3);
    }
    expect(await c.nextReply()).toBe(`ACK:${msg('SPLIT')}`);
    expect(await c.nextReply()).toBe(`ACK:${msg('NEXT')}`);
    expect(handler.calls).toEqual([msg('SPLIT'), msg('NEXT')]);
  });

  it('drops junk before VT, logs it without payload, and answers the frame', async () => {
    const { port, logger } = await startListener(echoHandler());
    const c = await connect(port);
    c.send(Buffer.concat([Buffer.from('GARBAGE'), frame(msg('J'))]));
    expect(await c.nextReply()).toBe(`ACK:${msg('J')}`);
    const junk = logger.lines.find((l) => l.event === 'mllp junk dropped');
    expect(junk?.level).toBe('warn');
    expect(junk?.fields).toEqual({ remote: expect.stringMatching(/^127\.0\.0\.1:\d+$/), bytes: 7 });
  });

  it('treats FS without CR as the end of a frame', async () => {
    const { port } = await startListener(echoHandler());
    const c = await connect(port);
    c.send(Buffer.concat([Buffer.from([VT]), Buffer.from('M1'), Buffer.from([FS, VT]), Buffer.from('M2'), Buffer.from([FS])]));
    expect(await c.nextReply()).toBe('ACK:M1');
    expect(await c.nextReply()).toBe('ACK:M2');
  });

  it('answers an oversize frame with the onOversize reply and keeps the connection working', async () => {
    const handler = echoHandler();
    const { port, logger } = await startListener(handler, { maxFrameBytes: 1000 });
    const c = await connect(port);
    const big = `${msg('BIG')}\r${'NTE|1||'.padEnd(5000, 'x')}`;
    c.sendFrame(big);
    c.sendFrame(msg('SMALL'));
    expect(await c.nextReply()).toBe('NAK:oversize:MSH');
    expect(await c.nextReply()).toBe(`ACK:${msg('SMALL')}`);
    expect(handler.oversize).toHaveLength(1);
    expect(handler.oversize[0]?.bytes).toBeGreaterThan(1000);
    expect(handler.oversize[0]?.head.startsWith(msg('BIG'))).toBe(true);
    expect(handler.calls).toEqual([msg('SMALL')]);
    const warn = logger.lines.find((l) => l.event === 'mllp frame oversize');
    expect(warn?.level).toBe('warn');
    expect(warn?.fields.bytes).toBeGreaterThan(1000);
  });

  it('writes nothing for a frame whose onFrame resolves to null, and keeps later ACKs in order', async () => {
    const echo = echoHandler();
    const handler: MllpHandler = {
      onFrame: (payload, conn) => (payload.toString() === 'silent' ? Promise.resolve(null) : echo.onFrame(payload, conn)),
      onOversize: echo.onOversize,
    };
    const { port } = await startListener(handler);
    const c = await connect(port);
    c.sendFrame('one');
    c.sendFrame('silent');
    c.sendFrame('two');
    expect(await c.nextReply()).toBe('ACK:one');
    expect(await c.nextReply()).toBe('ACK:two');
  });

  it('writes nothing for an oversize frame when onOversize resolves to null', async () => {
    const handler: MllpHandler = { ...echoHandler(), onOversize: () => Promise.resolve(null) };
    const { port } = await startListener(handler, { maxFrameBytes: 10 });
    const c = await connect(port);
    c.sendFrame('x'.repeat(50));
    c.sendFrame('ok');
    expect(await c.nextReply()).toBe('ACK:ok');
    expect(c.replies).toEqual(['ACK:ok']);
  });
});

// ---- ordering, lifecycle, failure --------------------------------------------------------------------

describe('MllpListener ordering and lifecycle', () => {
  it('writes 200 pipelined ACKs in arrival order although the handler resolves out of order', async () => {
    const handler = echoHandler(7);
    let inFlight = 0;
    let maxInFlight = 0;
    const counting: MllpHandler = {
      onFrame: async (payload, conn) => {
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        try {
          return await handler.onFrame(payload, conn);
        } finally {
          inFlight--;
        }
      },
      onOversize: handler.onOversize,
    };
    const { port } = await startListener(counting);
    const c = await connect(port);
    const ids = Array.from({ length: 200 }, (_, i) => `F${i}`);
    for (const id of ids) c.sendFrame(id);
    for (const id of ids) expect(await c.nextReply()).toBe(`ACK:${id}`);
    expect(handler.calls).toEqual(ids); // invoked strictly in arrival order
    expect(handler.resolved).not.toEqual(ids); // the test really exercised out-of-order resolution
    expect(maxInFlight).toBeGreaterThan(1); // frame N+1 was handed over before N's ACK
  });

  it('keeps connections independent', async () => {
    const { port, listener } = await startListener(echoHandler());
    const a = await connect(port);
    const b = await connect(port);
    a.sendFrame('from-a');
    b.sendFrame('from-b');
    expect(await b.nextReply()).toBe('ACK:from-b');
    expect(await a.nextReply()).toBe('ACK:from-a');
    expect(listener.connectionCount).toBe(2);
  });

  it('still answers a sender that half-closes after its last frame', async () => {
    const { port } = await startListener(echoHandler());
    const c = await connect(port);
    c.sendFrame('last');
    c.socket.end();
    expect(await c.nextReply()).toBe('ACK:last');
    await c.closed;
  });

  it('closes an idle connection, after writing its pending ACK', async () => {
    const handler: MllpHandler = {
      onFrame: (payload) => sleep(400).then(() => `ACK:${payload.toString()}`),
      onOversize: () => Promise.resolve(null),
    };
    const { port, listener } = await startListener(handler, { idleTimeoutMs: 150 });
    const c = await connect(port);
    const started = Date.now();
    c.sendFrame('slow');
    await c.closed;
    expect(Date.now() - started).toBeGreaterThanOrEqual(350);
    expect(c.replies).toEqual(['ACK:slow']);
    await waitFor(() => listener.connectionCount === 0, 1000, 'connection removed');
  });

  it('closes a connection that sends nothing within the idle timeout', async () => {
    const { port } = await startListener(echoHandler(), { idleTimeoutMs: 100 });
    const c = await connect(port);
    const started = Date.now();
    await c.closed;
    const waited = Date.now() - started;
    expect(waited).toBeGreaterThanOrEqual(80);
    expect(waited).toBeLessThan(2000);
  });

  it('refuses connections beyond maxConnections and keeps serving the others', async () => {
    const { port, listener, logger } = await startListener(echoHandler(), { maxConnections: 1 });
    const a = await connect(port);
    a.sendFrame('one');
    expect(await a.nextReply()).toBe('ACK:one');
    const b = await connect(port);
    b.sendFrame('two');
    await b.closed;
    expect(b.replies).toEqual([]);
    const refused = logger.lines.find((l) => l.event === 'mllp connection refused');
    expect(refused?.fields).toEqual({ remote: expect.stringMatching(/^127\.0\.0\.1:\d+$/), connections: 1 });
    expect(listener.connectionCount).toBe(1);
    a.sendFrame('three');
    expect(await a.nextReply()).toBe('ACK:three');
  });

  it('logs a handler rejection, writes earlier ACKs, closes only that connection and keeps serving', async () => {
    const echo = echoHandler();
    const handler: MllpHandler = {
      onFrame: (payload, conn) => {
        const text = payload.toString();
        if (text === 'BOOM') return sleep(20).then(() => Promise.reject(new TypeError('store said no')));
        if (text === 'THROW') throw new RangeError('sync throw');
        return echo.onFrame(payload, conn);
      },
      onOversize: echo.onOversize,
    };
    const { port, logger } = await startListener(handler);
    const bystander = await connect(port);
    const c = await connect(port);
    c.sendFrame('ok1');
    c.sendFrame('BOOM');
    c.sendFrame('ok2');
    await c.closed;
    expect(c.replies).toEqual(['ACK:ok1']);
    const failed = logger.lines.filter((l) => l.event === 'mllp handler failed');
    expect(failed).toEqual([{ level: 'error', event: 'mllp handler failed', fields: { remote: expect.any(String), error: 'TypeError' } }]);

    const d = await connect(port);
    d.sendFrame('THROW');
    await d.closed;
    expect(d.replies).toEqual([]);
    expect(logger.lines.filter((l) => l.event === 'mllp handler failed').map((l) => l.fields.error)).toEqual(['TypeError', 'RangeError']);

    bystander.sendFrame('still-here');
    expect(await bystander.nextReply()).toBe('ACK:still-here');
  });

  it('treats an answer of the wrong type as a handler failure', async () => {
    const handler = {
      onFrame: () => Promise.resolve(undefined),
      onOversize: () => Promise.resolve(null),
    } as unknown as MllpHandler;
    const { port, logger } = await startListener(handler);
    const c = await connect(port);
    c.sendFrame('x');
    await c.closed;
    expect(c.replies).toEqual([]);
    expect(logger.lines.find((l) => l.event === 'mllp handler failed')?.fields.error).toBe('TypeError');
  });

  it('survives a client that resets the connection with ACKs pending', async () => {
    const handler: MllpHandler = {
      onFrame: (payload) => sleep(30).then(() => `ACK:${payload.toString()}`),
      onOversize: () => Promise.resolve(null),
    };
    const { port, listener } = await startListener(handler);
    const c = await connect(port);
    for (let i = 0; i < 20; i++) c.sendFrame(`F${i}`);
    await sleep(10);
    c.socket.resetAndDestroy();
    await c.closed;
    await waitFor(() => listener.connectionCount === 0, 2000, 'reset connection removed');
    await sleep(50); // pending answers resolve against a destroyed socket: skipped, no crash
    const next = await connect(port);
    next.sendFrame('after');
    expect(await next.nextReply()).toBe('ACK:after');
  });

  it('stop() writes every pending ACK before closing the sockets', async () => {
    const handler: MllpHandler & { calls: number } = {
      calls: 0,
      onFrame(payload) {
        handler.calls++;
        return sleep(150).then(() => `ACK:${payload.toString()}`);
      },
      onOversize: () => Promise.resolve(null),
    };
    const { port, listener } = await startListener(handler);
    const a = await connect(port);
    const b = await connect(port);
    for (let i = 0; i < 5; i++) a.sendFrame(`A${i}`);
    b.sendFrame('B0');
    await waitFor(() => handler.calls === 6, 2000, 'frames handed to the handler');
    const started = Date.now();
    await listener.stop(3000);
    expect(Date.now() - started).toBeLessThan(2500);
    expect(a.replies).toEqual(['ACK:A0', 'ACK:A1', 'ACK:A2', 'ACK:A3', 'ACK:A4']);
    expect(b.replies).toEqual(['ACK:B0']);
    await Promise.all([a.closed, b.closed]);
    expect(listener.connectionCount).toBe(0);
    await expect(connectMllp(port)).rejects.toThrow(); // no longer accepting
  });

  it('stop() gives up after its timeout when an answer never comes', async () => {
    const handler: MllpHandler = { onFrame: () => new Promise(() => undefined), onOversize: () => Promise.resolve(null) };
    const { port, listener } = await startListener(handler);
    const c = await connect(port);
    c.sendFrame('never');
    await waitFor(() => listener.connectionStats()[0]?.pending === 1, 2000, 'pending frame');
    const started = Date.now();
    await listener.stop(200);
    expect(Date.now() - started).toBeLessThan(1500);
    await c.closed;
    expect(listener.connectionCount).toBe(0);
  });
});

// ---- backpressure --------------------------------------------------------------------------------------

describe('MllpListener backpressure', () => {
  it(`stops reading while more than ${MAX_PENDING_FRAMES} frames await their ACK, and resumes in order`, async () => {
    const release: Array<() => void> = [];
    let calls = 0;
    const handler: MllpHandler = {
      onFrame(payload) {
        calls++;
        return new Promise((resolve) => release.push(() => resolve(`ACK:${payload.toString()}`)));
      },
      onOversize: () => Promise.resolve(null),
    };
    const { port, listener } = await startListener(handler);
    const c = await connect(port);
    const total = 1500;
    c.send(Buffer.concat(Array.from({ length: total }, (_, i) => frame(`F${i}`))));
    await waitFor(() => calls >= MAX_PENDING_FRAMES + 1, 3000, 'pending limit');
    await sleep(100);
    expect(calls).toBe(MAX_PENDING_FRAMES + 1);
    const [stats] = listener.connectionStats();
    expect(stats).toMatchObject({ pending: MAX_PENDING_FRAMES + 1, paused: true });

    // Answer everything as it arrives: reading resumes and every ACK comes back in order.
    const pump = setInterval(() => release.splice(0).forEach((r) => r()), 2);
    try {
      await waitFor(() => c.replies.length === total, 5000, 'all replies');
    } finally {
      clearInterval(pump);
    }
    expect(calls).toBe(total);
    expect(c.replies).toEqual(Array.from({ length: total }, (_, i) => `ACK:F${i}`));
    expect(listener.connectionStats()[0]).toMatchObject({ pending: 0, backlog: 0, paused: false });
  });

  it('stops reading from a sender that never reads its ACKs', async () => {
    const bigAck = Buffer.alloc(256 * 1024, 0x41);
    let calls = 0;
    const handler: MllpHandler = {
      onFrame() {
        calls++;
        return Promise.resolve(bigAck);
      },
      onOversize: () => Promise.resolve(null),
    };
    const { port, listener } = await startListener(handler);
    const c = await connect(port);
    c.socket.pause(); // never read the ACKs
    const total = 400; // 100 MiB of ACKs if the server kept going
    for (let i = 0; i < total; i++) {
      c.sendFrame(`F${i}`);
      if (i % 10 === 9) await sleep(1);
    }
    // Wait until the count has not moved for 200 ms.
    let last = -1;
    let stableSince = Date.now();
    const deadline = Date.now() + 5000;
    while (Date.now() - stableSince < 200) {
      if (Date.now() > deadline) throw new Error('handler calls never settled');
      if (calls !== last) {
        last = calls;
        stableSince = Date.now();
      }
      await sleep(10);
    }
    expect(calls).toBeGreaterThan(0);
    expect(calls).toBeLessThan(total / 2);
    expect(listener.connectionStats()[0]?.paused).toBe(true);
  });
});

// ---- sanity of the test client itself ---------------------------------------------------------------

describe('connectMllp helper', () => {
  it('rejects nextReply when the server closes first, and on timeout', async () => {
    const { port } = await startListener({ onFrame: () => new Promise(() => undefined), onOversize: () => Promise.resolve(null) });
    const c = await connect(port);
    await expect(c.nextReply(50)).rejects.toThrow(/no MLLP reply within 50 ms/);
    c.send(Buffer.from([CR]));
    c.socket.destroy();
    await expect(c.nextReply(1000)).rejects.toThrow(/closed/);
  });
});
