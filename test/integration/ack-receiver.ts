/**
 * A sender's own MLLP listener for tests of application ACKs: a real TCP server that records every frame it gets and
 * answers each as `answer` says at that moment: `CA` (MSA-2 = the frame's MSH-10), `CR`, or `silent` (no answer).
 */
import net from 'node:net';
import { frame, MllpDecoder } from '../../src/mllp/decoder';

export interface AckReceiver {
  port: number;
  /** Frames received, as text, in arrival order. */
  frames: string[];
  answer: 'CA' | 'CR' | 'silent';
  /** Frames whose MSA-2 is `controlId`. */
  acksFor(controlId: string): string[];
  close(): Promise<void>;
}

export async function startAckReceiver(port = 0): Promise<AckReceiver> {
  const sockets = new Set<net.Socket>();
  const receiver: AckReceiver = {
    port: 0,
    frames: [],
    answer: 'CA',
    acksFor: (controlId) => receiver.frames.filter((f) => fieldOf(f, 'MSA', 2) === controlId),
    close: () => new Promise((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    }),
  };
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    const decoder = new MllpDecoder({ maxFrameBytes: 1_048_576 });
    socket.on('data', (chunk: Buffer) => {
      for (const event of decoder.push(chunk)) {
        if (event.kind !== 'frame') continue;
        const text = event.payload.toString('utf8');
        receiver.frames.push(text);
        if (receiver.answer === 'silent') continue;
        const controlId = fieldOf(text, 'MSH', 10);
        socket.write(frame(`MSH|^~\\&|RXSYS|PHARM01|RXBRIDGE|HUB|20261206120000||ACK^P03^ACK|R-${controlId}|P|2.5.1\rMSA|${receiver.answer}|${controlId}\r`));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  receiver.port = (server.address() as net.AddressInfo).port;
  return receiver;
}

/** Field `n` of the first segment `name` (MSH counts MSH-1 as the separator). */
export function fieldOf(text: string, name: string, n: number): string {
  const seg = text.split(/\r|\n/).find((s) => s.startsWith(`${name}|`)) ?? '';
  const fields = seg.split('|');
  return (name === 'MSH' ? fields[n - 1] : fields[n]) ?? '';
}
