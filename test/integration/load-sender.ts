/**
 * A pipelined MLLP sender for load and crash tests: each connection keeps up to `window` messages in flight and
 * records which control ids were answered AA. A connection that dies (engine killed) ends its stream quietly;
 * what was not ACKed is returned so the test can resend it, as a real sender would.
 */
import net from 'node:net';
import { frame, MllpDecoder } from '../../src/mllp/decoder';

export interface StreamResult { acked: string[]; unacked: string[]; naks: string[] }

export function streamOverConnection(port: number, messages: Array<{ controlId: string; text: string }>, window: number,
  onAck?: () => void): Promise<StreamResult> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    const decoder = new MllpDecoder({ maxFrameBytes: 1 << 20 });
    const acked: string[] = [];
    const naks: string[] = [];
    let sent = 0;
    let answered = 0;
    let finished = false;
    const finish = () => {
      if (finished) return;
      finished = true;
      socket.destroy();
      resolve({ acked, naks, unacked: messages.slice(answered).map((m) => m.controlId) });
    };
    const pump = () => {
      while (sent < messages.length && sent - answered < window) socket.write(frame(messages[sent++]!.text));
      if (answered === messages.length) finish();
    };
    socket.on('connect', pump);
    socket.on('data', (chunk) => {
      for (const ev of decoder.push(chunk)) {
        if (ev.kind !== 'frame') continue;
        const msa = ev.payload.toString('latin1').split('\r').find((s) => s.startsWith('MSA|'))?.split('|') ?? [];
        const expected = messages[answered]!.controlId;
        answered++;
        if (msa[1] === 'AA' && msa[2] === expected) acked.push(expected);
        else naks.push(expected);
        onAck?.();
      }
      pump();
    });
    socket.on('error', finish);
    socket.on('close', finish);
  });
}

/**
 * One MLLP connection where each send resolves with its own ACK (ACKs come back in send order), so many
 * independent callers can pipeline over one socket.
 */
export class MllpPipe {
  private readonly socket: net.Socket;
  private readonly decoder = new MllpDecoder({ maxFrameBytes: 1 << 20 });
  private readonly waiting: Array<{ resolve(ack: string): void; reject(err: Error): void }> = [];
  private readonly ready: Promise<void>;

  constructor(port: number) {
    this.socket = net.connect(port, '127.0.0.1');
    this.ready = new Promise((resolve, reject) => { this.socket.once('connect', resolve); this.socket.once('error', reject); });
    this.socket.on('data', (chunk) => {
      for (const ev of this.decoder.push(chunk)) if (ev.kind === 'frame') this.waiting.shift()?.resolve(ev.payload.toString('latin1'));
    });
    const fail = () => { for (const w of this.waiting.splice(0)) w.reject(new Error('connection closed')); };
    this.socket.on('close', fail);
    this.socket.on('error', fail);
  }

  async send(text: string): Promise<string> {
    await this.ready;
    return new Promise((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      this.socket.write(frame(text));
    });
  }

  close(): void {
    this.socket.destroy();
  }
}
