/**
 * The HL7 v2 batch file envelope (HL7 v2 §2.10.3): FHS, BHS, the messages, BTS with the batch's message count, FTS
 * with the file's batch count (one batch a file here). Pure.
 *
 * The header's delimiters and FHS-3..6 / BHS-3..6 (sending and receiving application and facility) are the first
 * message's MSH-1..6, so a receiver reads the file as that sender's; every later message must use the same
 * delimiters (sameDelimiters).
 */
import { formatHl7Timestamp } from '../hl7/ack';
import { mshStart } from '../hl7/peek';

export interface BatchHeaderInput {
  /** The first message of the batch (its MSH gives the delimiters and FHS/BHS-3..6). */
  firstMessage: string;
  at: Date;
  /** FHS-9 file name/id. */
  fileName: string;
  /** FHS-11 / BHS-11 control ids (at most 20 characters, HL7's ST length for these). */
  controlId: string;
}

/** MSH-1 and MSH-2 (`|^~\&`), or undefined when the text does not start with an MSH. */
export function mshDelimiters(message: string): string | undefined {
  const start = mshStart(message);
  if (start < 0) return undefined;
  const sep = message.charAt(start + 3);
  const encEnd = message.indexOf(sep, start + 4);
  if (!sep || encEnd < 0) return undefined;
  return message.slice(start + 3, encEnd);
}

/** The FHS and BHS segments, each ended by CR. */
export function batchHeader(h: BatchHeaderInput): string {
  const delims = mshDelimiters(h.firstMessage) ?? '|^~\\&';
  const sep = delims.charAt(0);
  const start = mshStart(h.firstMessage);
  const lineEnd = h.firstMessage.slice(start).search(/[\r\n]/);
  const msh = (lineEnd < 0 ? h.firstMessage.slice(start) : h.firstMessage.slice(start, start + lineEnd)).split(sep);
  const parties = [msh[2] ?? '', msh[3] ?? '', msh[4] ?? '', msh[5] ?? ''];
  const ts = formatHl7Timestamp(h.at);
  const id = h.controlId.slice(0, 20);
  const name = h.fileName.replace(/[|^~\\&\r\n]/g, '_');
  const seg = (name3: string, fields: string[]) => `${name3}${delims}${sep}${fields.join(sep)}\r`;
  return seg('FHS', [...parties, ts, '', name, '', id]) + seg('BHS', [...parties, ts, '', '', '', id]);
}

/** BTS with the message count and FTS with one batch, each ended by CR. */
export function batchTrailer(messageCount: number, sep = '|'): string {
  return `BTS${sep}${messageCount}\rFTS${sep}1\r`;
}

/** A message as it goes into a batch: segments ended by CR (LF and CRLF turned into CR), ending with one CR. */
export function batchMessage(message: string): string {
  const text = message.replace(/\r\n|\n/g, '\r').replace(/\r+$/, '');
  return `${text}\r`;
}
