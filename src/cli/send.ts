/**
 * `rxbridge send FILE... [--host H] [--port P] [--shift-dates-to-today]`: sends each HL7 message in the files over
 * MLLP with node-hl7-client and prints each ACK's MSA segment. A file may hold several messages (each starts with
 * MSH). With `shiftDatesToToday`, every date of every message is first moved by one number of days so that the
 * latest is today, and each control id (MSH-10) gets `-YYYYMMDD` of today (src/hl7/shift-dates.ts): the synthetic
 * samples then bill as if they happened today, as messages of their own.
 */
import fs from 'node:fs';
import net from 'node:net';
import { Client } from 'node-hl7-client';
import { normalizeSegments } from '../hl7/charset';
import { shiftDatesToToday, withControlIdSuffix } from '../hl7/shift-dates';
import { OutboundMessage } from '../mllp/client';

/**
 * Splits file text into messages: a new message starts at each segment (line) beginning with MSH; "MSH" inside a
 * field of a later segment is data and never starts a message.
 */
export function splitMessages(text: string): string[] {
  const normalized = normalizeSegments(text.replace(/^\uFEFF/, ''));
  return normalized
    .split(/\r(?=MSH)/)
    .map((m) => m.replace(/\r+$/, ''))
    .filter((m) => m.startsWith('MSH'));
}

export interface SendOptions {
  /** Move every date so the latest is `today` (default: now). */
  shiftDatesToToday?: boolean;
  today?: Date;
}

export async function sendFiles(
  files: string[],
  host: string,
  port: number,
  out: (line: string) => void,
  opts: SendOptions = {},
): Promise<number> {
  const read = files.flatMap((f) => splitMessages(fs.readFileSync(f, 'utf8')).map((text) => ({ file: f, text })));
  if (read.length === 0) throw new Error('no HL7 messages (segments starting with MSH) in the given files');
  let messages = read;
  if (opts.shiftDatesToToday) {
    const shifted = shiftDatesToToday(
      read.map((m) => m.text),
      opts.today ?? new Date(),
    );
    // The day's own control ids: sent again today, a duplicate; on another day, new messages with new charges.
    const day = (opts.today ?? new Date()).toISOString().slice(0, 10).replace(/-/g, '');
    messages = read.map((m, i) => ({ file: m.file, text: withControlIdSuffix(shifted.messages[i]!, day) }));
    out(`dates moved by ${shifted.days} days (the latest is today); control ids end in -${day}`);
  }
  await reachable(host, port);
  const client = new Client({ host });
  let pending: ((ack: string) => void) | undefined;
  const connection = client.createConnection({ port, waitAck: true, maxConnectionAttempts: 3 }, async (res) => {
    pending?.(res.getMessage().toString());
  });
  let failures = 0;
  try {
    for (const m of messages) {
      const ack = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no ACK within 10 s for a message of ${m.file}`)), 10_000);
        pending = (text) => {
          clearTimeout(timer);
          resolve(text);
        };
        connection.sendMessage(new OutboundMessage(m.text)).catch((err: Error) => {
          clearTimeout(timer);
          reject(err);
        });
      });
      const msa = ack.split(/\r|\n/).find((s) => s.startsWith('MSA')) ?? '(no MSA segment)';
      if (!/^MSA\|(AA|CA)\|/.test(msa)) failures++;
      out(`${m.file}: ${msa}`);
    }
  } finally {
    await connection.close().catch(() => undefined);
    client.closeAll();
  }
  return failures === 0 ? 0 : 1;
}

/** How long a first TCP connection may take before send gives up. */
const CONNECT_TIMEOUT_MS = 3000;

/**
 * Fails at once, with the cause, when nothing accepts connections at host:port (the HL7 client would retry for
 * seconds and then report a missing ACK instead).
 */
function reachable(host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port });
    const fail = (why: string) => {
      socket.destroy();
      reject(new Error(`cannot connect to ${host}:${port} (${why}): is the engine running, and is a channel listening on that port?`));
    };
    socket.setTimeout(CONNECT_TIMEOUT_MS, () => fail(`no answer within ${CONNECT_TIMEOUT_MS / 1000} s`));
    socket.once('connect', () => {
      socket.end();
      resolve();
    });
    socket.once('error', (err: NodeJS.ErrnoException) => fail(err.code ?? err.message));
  });
}
