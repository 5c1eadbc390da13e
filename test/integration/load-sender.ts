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
