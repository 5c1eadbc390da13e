/**
 * Streams a text file line by line (readline), whatever its encoding, while hashing and counting its bytes:
 * for loaders of large public files (code sets) that must not read the whole file into memory.
 *
 * The encoding is detected from the first bytes: a UTF-8 BOM, a UTF-16LE BOM (the CDC's cvx.txt historically),
 * or UTF-16LE without a BOM (a NUL in every second byte); otherwise UTF-8. UTF-16BE is refused. The BOM is not
 * part of line 1. Line breaks: LF, CRLF or CR. `sha256()` and `bytesRead()` cover the raw bytes read so far, so
 * once the lines are exhausted they describe the whole file.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import readline from 'node:readline';
import { Transform } from 'node:stream';

export type TextEncoding = 'utf8' | 'utf16le';

export interface TextLine {
  text: string;
  /** 1-based. */
  number: number;
}

export interface TextFile {
  readonly encoding: TextEncoding;
  readonly totalBytes: number;
  lines(): AsyncGenerator<TextLine>;
  bytesRead(): number;
  sha256(): string;
}

/** The encoding the first bytes of a file announce. Throws for UTF-16BE. */
export function detectEncoding(head: Uint8Array): TextEncoding {
  if (head[0] === 0xfe && head[1] === 0xff) throw new Error('the file is UTF-16BE; convert it to UTF-8 or UTF-16LE');
  if (head[0] === 0xff && head[1] === 0xfe) return 'utf16le';
  if (head.length >= 4 && head[0] !== 0 && head[1] === 0 && head[2] !== 0 && head[3] === 0) return 'utf16le';
  return 'utf8';
}

/** Opens `file` (throws the fs error when it cannot be read). */
export function openTextFile(file: string): TextFile {
  const fd = fs.openSync(file, 'r');
  let encoding: TextEncoding;
  let totalBytes: number;
  try {
    const head = Buffer.alloc(4);
    const n = fs.readSync(fd, head, 0, 4, 0);
    encoding = detectEncoding(head.subarray(0, n));
    totalBytes = fs.fstatSync(fd).size;
  } finally {
    fs.closeSync(fd);
  }
  const hash = crypto.createHash('sha256');
  let bytes = 0;
  let digest: string | undefined;
  return {
    encoding,
    totalBytes,
    bytesRead: () => bytes,
    sha256: () => (digest ??= hash.digest('hex')),
    async *lines() {
      const raw = fs.createReadStream(file);
      const tap = new Transform({
        transform(chunk: Buffer, _enc, done) {
          hash.update(chunk);
          bytes += chunk.length;
          done(null, chunk);
        },
      });
      raw.on('error', (err) => tap.destroy(err));
      raw.pipe(tap);
      tap.setEncoding(encoding);
      const rl = readline.createInterface({ input: tap, crlfDelay: Infinity });
      let number = 0;
      try {
        for await (const line of rl) {
          number++;
          yield { text: number === 1 && line.charCodeAt(0) === 0xfeff ? line.slice(1) : line, number };
        }
      } finally {
        rl.close();
        raw.destroy();
      }
    },
  };
}
