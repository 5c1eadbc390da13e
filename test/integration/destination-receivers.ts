/**
 * Receivers for destination tests, started by the test on loopback ports:
 * - an MLLP receiver that answers as `mode` says at that moment (AA, AE, AR, silent, or `drop`: half an answer
 *   frame, then the connection is closed), records every frame and de-duplicates by MSH-10 (a repeat is answered
 *   AA again but not counted twice), as exactly-once receivers do;
 * - an HTTP receiver that records request bodies and headers and answers with `status`.
 */
import http from 'node:http';
import net from 'node:net';
import { frame, MllpDecoder } from '../../src/mllp/decoder';
import { fieldOf } from './ack-receiver';

export type MllpMode = 'AA' | 'AE' | 'AR' | 'silent' | 'drop';

export interface MllpReceiver {
  port: number;
  mode: MllpMode;
  /** How long each answer waits (ms): a delivery stays in flight that long. */
  delayMs: number;
  /** Every frame received, in arrival order (repeats included). */
  frames: string[];
  /** First copy of each MSH-10, in arrival order. */
  unique: string[];
  close(): Promise<void>;
}

export async function startMllpReceiver(port = 0, mode: MllpMode = 'AA'): Promise<MllpReceiver> {
  const sockets = new Set<net.Socket>();
  const seen = new Set<string>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    const decoder = new MllpDecoder({ maxFrameBytes: 1_048_576 });
    socket.on('data', (chunk: Buffer) => {
      for (const event of decoder.push(chunk)) {
        if (event.kind !== 'frame') continue;
        const text = event.payload.toString('utf8');
        r.frames.push(text);
        const controlId = fieldOf(text, 'MSH', 10);
        const ack = (code: string) => frame(`MSH|^~\\&|RCV|R|RXBRIDGE|HUB|20261206120000||ACK|A-${controlId}|P|2.5.1\rMSA|${code}|${controlId}\r`);
        if (r.mode === 'silent') continue;
        if (r.mode === 'drop') {
          socket.write(ack('AA').subarray(0, 20));
          socket.destroy();
          continue;
        }
        if (r.mode === 'AA' && !seen.has(controlId)) {
          seen.add(controlId);
          r.unique.push(text);
        }
        const answer = ack(r.mode);
        if (r.delayMs > 0) setTimeout(() => socket.writable && socket.write(answer), r.delayMs);
        else socket.write(answer);
      }
    });
  });
  const r: MllpReceiver = {
    port: 0,
    mode,
    delayMs: 0,
    frames: [],
    unique: [],
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  r.port = (server.address() as net.AddressInfo).port;
  return r;
}

export interface HttpReceiver {
  port: number;
  status: number;
  requests: Array<{ method: string; url: string; headers: http.IncomingHttpHeaders; body: string }>;
  close(): Promise<void>;
}

export async function startHttpReceiver(port = 0): Promise<HttpReceiver> {
  const server = http.createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => {
      r.requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(parts).toString('utf8') });
      res.writeHead(r.status, { 'content-type': 'application/json' }).end('{"ok":true}');
    });
  });
  const r: HttpReceiver = {
    port: 0,
    status: 200,
    requests: [],
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  r.port = (server.address() as net.AddressInfo).port;
  return r;
}
