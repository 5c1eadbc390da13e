/**
 * `rxbridge send FILE... [--host H] [--port P]`: sends each HL7 message in the files over MLLP with
 * node-hl7-client and prints each ACK's MSA segment. A file may hold several messages (each starts with MSH).
 */
import fs from 'node:fs';
import { Client, Message } from 'node-hl7-client';
import { normalizeSegments } from '../hl7/charset';

/** Splits file text into messages: a new message starts at each line beginning with MSH. */
export function splitMessages(text: string): string[] {
  const normalized = normalizeSegments(text.replace(/^\uFEFF/, ''));
  return normalized.split(/\r(?=MSH)/).map((m) => m.replace(/\r+$/, '')).filter((m) => m.startsWith('MSH'));
}

export async function sendFiles(files: string[], host: string, port: number, out: (line: string) => void): Promise<number> {
  const messages = files.flatMap((f) => splitMessages(fs.readFileSync(f, 'utf8')).map((text) => ({ file: f, text })));
  if (messages.length === 0) throw new Error('no HL7 messages (segments starting with MSH) in the given files');
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
        pending = (text) => { clearTimeout(timer); resolve(text); };
        connection.sendMessage(new Message({ text: m.text })).catch((err: Error) => { clearTimeout(timer); reject(err); });
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
