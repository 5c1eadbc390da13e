/**
 * Splits the bytes of an HL7 v2 file into its messages. Pure (no I/O).
 *
 * A file may hold one message, many messages (each starting at an MSH segment; segments ended by CR, LF or CRLF;
 * blank lines between messages are allowed), or an HL7 batch: FHS/BHS headers, the messages, BTS/FTS trailers.
 *
 * Contract:
 * - Splitting works on bytes (read as latin1, one character per byte), so it is exact for every character set the
 *   engine reads (UTF-8, ISO-8859-1, windows-1252, ASCII: CR, LF and the letters of "MSH" are single bytes in all
 *   of them). Each message is handed on as its own bytes, segments joined by CR, for intake to decode by MSH-18.
 * - Nothing is dropped: lines before the first MSH (that are not batch headers or trailers) become a piece of their
 *   own, which intake stores as rejected (its MSH cannot be read); MLLP framing bytes (0x0B, 0x1C) are removed.
 * - BTS-1 (messages in the batch) and FTS-1 (batches in the file) are checked when present: a count that differs
 *   is a warning, never a reason to drop or refuse a message. Trailers missing or out of place are warnings too.
 * - `line` is the 1-based line of the piece's first segment in the file (CR, LF and CRLF each end one line).
 */

export interface FilePiece {
  /** 0-based position among the file's pieces; stable for the same bytes (the exactly-once progress counts by it). */
  index: number;
  /** 1-based line number of its first segment. */
  line: number;
  bytes: Buffer;
}

export interface SplitFile {
  pieces: FilePiece[];
  /** True when the file has an FHS or BHS header. */
  batch: boolean;
  /** Problems with the batch envelope (counts, order); constant wording with numbers only (no content). */
  warnings: string[];
}

const SEGMENT_END = /\r\n|\r|\n/;

export function splitHl7File(bytes: Buffer): SplitFile {
  const lines = bytes.toString('latin1').split(SEGMENT_END);
  const pieces: FilePiece[] = [];
  const warnings: string[] = [];
  let current: { line: number; segments: string[] } | undefined;
  let batch = false;
  let batches = 0; // BHS seen
  let inBatch = false;
  let messagesInBatch = 0;
  let fileHeader = false;
  let fileTrailer = false;

  const flush = () => {
    if (current && current.segments.length > 0) {
      pieces.push({ index: pieces.length, line: current.line, bytes: Buffer.from(current.segments.join('\r') + '\r', 'latin1') });
    }
    current = undefined;
  };
  const count = (segment: string): number | undefined => {
    const sep = segment[3];
    if (sep === undefined) return undefined;
    const field = segment.split(sep)[1]?.trim() ?? '';
    return /^\d+$/.test(field) ? Number(field) : undefined;
  };
  const closeBatch = (lineNo: number, declared: number | undefined) => {
    if (!inBatch) warnings.push(`BTS at line ${lineNo} without a BHS before it`);
    else if (declared !== undefined && declared !== messagesInBatch) {
      warnings.push(`BTS-1 at line ${lineNo} counts ${declared} messages, the batch holds ${messagesInBatch}`);
    }
    inBatch = false;
    messagesInBatch = 0;
  };

  lines.forEach((raw, i) => {
    const lineNo = i + 1;
    // MLLP framing bytes anywhere, and a UTF-8 BOM at a line's start (files written one message at a time have one each).
    const segment = raw.replace(/[\x0b\x1c]/g, '').replace(/^\u00ef\u00bb\u00bf/, '');
    if (segment.trim() === '') {
      flush(); // a blank line ends a message
      return;
    }
    const tag = segment.slice(0, 3);
    const envelope = segment.length === 3 || /[^A-Za-z0-9]/.test(segment[3] ?? '');
    if (envelope && tag === 'FHS') {
      flush();
      if (fileHeader) warnings.push(`a second FHS at line ${lineNo}`);
      fileHeader = true;
      batch = true;
      return;
    }
    if (envelope && tag === 'BHS') {
      flush();
      if (inBatch) warnings.push(`BHS at line ${lineNo} before the previous batch's BTS`);
      batch = true;
      batches++;
      inBatch = true;
      messagesInBatch = 0;
      return;
    }
    if (envelope && tag === 'BTS') {
      flush();
      closeBatch(lineNo, count(segment));
      return;
    }
    if (envelope && tag === 'FTS') {
      flush();
      if (inBatch) {
        warnings.push(`FTS at line ${lineNo} before the batch's BTS`);
        inBatch = false;
      }
      if (!fileHeader) warnings.push(`FTS at line ${lineNo} without an FHS`);
      fileTrailer = true;
      const declared = count(segment);
      if (declared !== undefined && declared !== batches) {
        warnings.push(`FTS-1 at line ${lineNo} counts ${declared} batches, the file holds ${batches}`);
      }
      return;
    }
    if (envelope && tag === 'MSH') {
      flush();
      if (inBatch) messagesInBatch++;
      current = { line: lineNo, segments: [segment] };
      return;
    }
    if (!current) current = { line: lineNo, segments: [] }; // lines outside a message: kept, rejected by intake
    current.segments.push(segment);
  });
  flush();
  if (inBatch) warnings.push(`the last batch has no BTS`);
  if (fileHeader && !fileTrailer) warnings.push('the file has an FHS but no FTS');
  return { pieces, batch, warnings };
}
