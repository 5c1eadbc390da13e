/**
 * The HL7 file splitter (src/sources/batch.ts): single messages, many messages, FHS/BHS batches built from corpus
 * messages, BTS-1/FTS-1 checks, malformed envelopes, line numbers, and bytes kept exact.
 */
import fs from 'node:fs';
import path from 'node:path';
import { splitHl7File } from '../../src/sources/batch';
import { patternRegExp } from '../../src/sources/file-source';

const CORPUS = path.resolve(__dirname, '../../../shared/corpus/hl7');
const corpus = fs
  .readdirSync(CORPUS)
  .filter((f) => f.endsWith('.hl7'))
  .sort()
  .map((f) => fs.readFileSync(path.join(CORPUS, f)));

/** A message's segments as the splitter hands them on (CR-joined, ending in CR, no blank lines). */
function segmentsOf(buf: Buffer): string[] {
  return buf
    .toString('latin1')
    .split(/\r\n|\r|\n/)
    .map((s) => s.replace(/^\u00ef\u00bb\u00bf/, ''))
    .filter((s) => s.trim() !== '');
}

describe('splitHl7File', () => {
  test('the corpus holds messages to build batches from', () => {
    expect(corpus.length).toBeGreaterThanOrEqual(10);
  });

  test('each corpus file alone is one message, its segments unchanged', () => {
    for (const file of corpus) {
      const split = splitHl7File(file);
      expect(split.pieces).toHaveLength(1);
      expect(split.batch).toBe(false);
      expect(split.warnings).toEqual([]);
      expect(segmentsOf(split.pieces[0]!.bytes)).toEqual(segmentsOf(file));
    }
  });

  test('corpus messages back to back (CRLF files, LF files, blank lines between) split at each MSH', () => {
    const joined = Buffer.concat(corpus.flatMap((m, i) => [m, Buffer.from(i % 2 ? '\n\n' : '\r\n')]));
    const split = splitHl7File(joined);
    expect(split.pieces).toHaveLength(corpus.length);
    split.pieces.forEach((p, i) => {
      expect(p.index).toBe(i);
      expect(segmentsOf(p.bytes)).toEqual(segmentsOf(corpus[i]!));
      expect(p.bytes.subarray(0, 3).toString()).toBe('MSH');
    });
    // Line numbers point at each MSH.
    const lines = joined.toString('latin1').split(/\r\n|\r|\n/);
    for (const p of split.pieces) expect(lines[p.line - 1]!.replace(/^\u00ef\u00bb\u00bf/, '').startsWith('MSH')).toBe(true);
  });

  test('an FHS/BHS batch of corpus messages: every message, counts checked, no warning', () => {
    const body = corpus.map((m) => segmentsOf(m).join('\r')).join('\r');
    const text = `FHS|^~\\&|RXSYS|PHARM|||20250301||\rBHS|^~\\&|RXSYS|PHARM\r${body}\rBTS|${corpus.length}\rFTS|1\r`;
    const split = splitHl7File(Buffer.from(text, 'latin1'));
    expect(split.batch).toBe(true);
    expect(split.warnings).toEqual([]);
    expect(split.pieces).toHaveLength(corpus.length);
    expect(split.pieces[0]!.line).toBe(3);
  });

  test('BTS-1 and FTS-1 that do not match are warnings; no message is lost', () => {
    const msgs = corpus.slice(0, 3).map((m) => segmentsOf(m).join('\r'));
    const text = `FHS|^~\\&\rBHS|^~\\&\r${msgs.join('\r')}\rBTS|5\rBHS|^~\\&\r${msgs[0]}\rBTS|1\rFTS|1\r`;
    const split = splitHl7File(Buffer.from(text, 'latin1'));
    expect(split.pieces).toHaveLength(4);
    expect(split.warnings).toEqual([
      expect.stringMatching(/^BTS-1 at line \d+ counts 5 messages, the batch holds 3$/),
      expect.stringMatching(/^FTS-1 at line \d+ counts 1 batches, the file holds 2$/),
    ]);
  });

  test('malformed envelopes: missing trailers, BTS without BHS, a second FHS', () => {
    const msg = segmentsOf(corpus[0]!).join('\r');
    expect(splitHl7File(Buffer.from(`FHS|^~\\&\rBHS|^~\\&\r${msg}\r`)).warnings).toEqual([
      'the last batch has no BTS',
      'the file has an FHS but no FTS',
    ]);
    const n = msg.split('\r').length;
    const odd = splitHl7File(Buffer.from(`${msg}\rBTS|1\rFHS|^~\\&\rFHS|^~\\&\r${msg}\rFTS|0\r`));
    expect(odd.pieces).toHaveLength(2);
    expect(odd.warnings).toEqual([`BTS at line ${n + 1} without a BHS before it`, `a second FHS at line ${n + 3}`]);
  });

  test('lines before the first MSH are kept as a piece of their own (intake rejects and stores it)', () => {
    const msg = segmentsOf(corpus[0]!).join('\n');
    const split = splitHl7File(Buffer.from(`garbage line\nmore\n\n${msg}\n`));
    expect(split.pieces).toHaveLength(2);
    expect(split.pieces[0]!.bytes.toString()).toBe('garbage line\rmore\r');
    expect(split.pieces[0]!.line).toBe(1);
    expect(split.pieces[1]!.line).toBe(4);
  });

  test('MLLP framing bytes and a UTF-8 BOM are dropped; non-ASCII bytes are kept exactly', () => {
    const msg = Buffer.concat([Buffer.from('\u000bMSH|^~\\&|A|B\rPID|||1||M', 'latin1'), Buffer.from('ü', 'utf8'), Buffer.from('ller\r\u001c\r')]);
    const split = splitHl7File(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), msg]));
    expect(split.pieces).toHaveLength(1);
    expect(split.pieces[0]!.bytes.toString('utf8')).toBe('MSH|^~\\&|A|B\rPID|||1||Müller\r');
  });

  test('a file of blank lines or nothing has no piece', () => {
    expect(splitHl7File(Buffer.alloc(0)).pieces).toEqual([]);
    expect(splitHl7File(Buffer.from('\r\n\r\n  \n')).pieces).toEqual([]);
  });

  test('an MSHX segment is not a message start; FHS without separator is', () => {
    const split = splitHl7File(Buffer.from('MSH|^~\\&|A\rMSHX|1\r'));
    expect(split.pieces).toHaveLength(1);
  });
});

describe('patternRegExp', () => {
  test('* and ? only; dots are literal', () => {
    const re = patternRegExp('batch_*.hl?');
    expect(re.test('batch_20250301.hl7')).toBe(true);
    expect(re.test('batch_x.hl')).toBe(false);
    expect(re.test('batchX20250301.hl7')).toBe(false);
    expect(patternRegExp('*.hl7').test('a.hl7x')).toBe(false);
  });
});
