/**
 * A small MLLP test client over a real socket: send raw bytes or framed payloads, collect framed replies.
 * Replies are decoded with the engine's own MllpDecoder and kept as UTF-8 strings, in arrival order.
 * Socket errors (e.g. ECONNRESET when the server drops the connection) are recorded, never thrown.
 */
import net from 'node:net';
import { MllpDecoder, frame } from '../../src/mllp/decoder';

export interface MllpTestClient {
  /** Writes raw bytes as given (no framing). */
  send(bytes: Buffer | string): void;
  /** Writes VT + payload + FS CR. */
  sendFrame(payload: string): void;
  /** The next reply not yet returned by nextReply (waits for it); rejects on timeout (default 5000 ms) or if the socket closes first. */
  nextReply(timeoutMs?: number): Promise<string>;
  /** Every reply received so far, in order (nextReply does not remove them). */
  replies: string[];
  /** Destroys the socket; resolves once it is closed. */
  close(): Promise<void>;
  /** Resolves when the socket closes (e.g. the server ended the connection). */
  closed: Promise<void>;
  /** Socket errors seen (their codes), for assertions. */
  errors: string[];
  socket: net.Socket;
}

export function connectMllp(port: number, host = '127.0.0.1'): Promise<MllpTestClient> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ port, host });
    socket.setNoDelay(true);
    const decoder = new MllpDecoder({ maxFrameBytes: 64 * 1024 * 1024 });
    const replies: string[] = [];
    const errors: string[] = [];
    let cursor = 0;
    let isClosed = false;
    let waiter: (() => void) | undefined;
    const wake = (): void => {
      const w = waiter;
      waiter = undefined;
      w?.();
    };

    const closed = new Promise<void>((res) => {
      socket.once('close', () => {
        isClosed = true;
        wake();
        res();
      });
    });
    socket.on('data', (chunk: Buffer) => {
      for (const event of decoder.push(chunk)) {
        if (event.kind === 'frame') replies.push(event.payload.toString('utf8'));
      }
      if (replies.length > cursor) wake();
    });
    socket.on('error', (err: NodeJS.ErrnoException) => {
      errors.push(err.code ?? err.name);
    });

    const nextReply = (timeoutMs = 5000): Promise<string> =>
      new Promise((res, rej) => {
        const timer = setTimeout(() => {
          waiter = undefined;
          rej(new Error(`no MLLP reply within ${timeoutMs} ms (got ${replies.length})`));
        }, timeoutMs);
        const check = (): void => {
          if (cursor < replies.length) {
            clearTimeout(timer);
            res(replies[cursor++] as string);
          } else if (isClosed) {
            clearTimeout(timer);
            rej(new Error(`connection closed before reply ${cursor + 1}`));
          } else {
            waiter = check;
          }
        };
        check();
      });

    const client: MllpTestClient = {
      send: (bytes) => {
        socket.write(typeof bytes === 'string' ? Buffer.from(bytes, 'utf8') : bytes);
      },
      sendFrame: (payload) => {
        socket.write(frame(payload));
      },
      nextReply,
      replies,
      close: async () => {
        socket.destroy();
        await closed;
      },
      closed,
      errors,
      socket,
    };

    socket.once('connect', () => {
      socket.off('error', reject);
      resolve(client);
    });
    socket.once('error', reject);
  });
}
