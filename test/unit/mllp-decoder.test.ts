import fc from 'fast-check';
import { CR, FS, MllpDecoder, OVERSIZE_HEAD_BYTES, VT, frame, type DecoderEvent } from '../../src/mllp/decoder';

const MSG_A = 'MSH|^~\\&|RX|PHARM|BILL|HOSP|20240101120000||RDS^O13|A1|P|2.5\rPID|1||123||DOE^JANE';
const MSG_B = 'MSH|^~\\&|RX|PHARM|BILL|HOSP|20240101120001||RDS^O13|B2|P|2.5\rPID|1||456||ROE^RICHARD';

const b = (...parts: Array<string | number[] | Buffer>): Buffer =>
  Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'utf8') : Buffer.from(p))));

/** Events with payload buffers turned into strings, for readable equality. */
function readable(events: DecoderEvent[]): unknown[] {
  return events.map((e) => {
    if (e.kind === 'frame') return { frame: e.payload.toString('utf8') };
    if (e.kind === 'oversize') return { oversize: e.bytes, head: e.head.toString('utf8') };
    return { junk: e.bytes };
  });
}

function feed(decoder: MllpDecoder, chunks: Buffer[]): DecoderEvent[] {
  return chunks.flatMap((c) => decoder.push(c));
}

function bytewise(buf: Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < buf.length; i++) out.push(buf.subarray(i, i + 1));
  return out;
}

const MiB = 1_048_576;

describe('frame()', () => {
  it('wraps a string as UTF-8 in VT … FS CR', () => {
    const out = frame('Zoë');
    expect([...out]).toEqual([VT, ...Buffer.from('Zoë', 'utf8'), FS, CR]);
  });

  it('wraps a Buffer and an empty payload', () => {
    expect([...frame(Buffer.from([1, 2]))]).toEqual([VT, 1, 2, FS, CR]);
    expect([...frame('')]).toEqual([VT, FS, CR]);
  });
});

describe('MllpDecoder', () => {
  it('decodes one frame', () => {
    const d = new MllpDecoder({ maxFrameBytes: MiB });
    expect(readable(d.push(frame(MSG_A)))).toEqual([{ frame: MSG_A }]);
    expect(d.buffered).toBe(0);
  });

  it('decodes several frames in one chunk, in order', () => {
    const d = new MllpDecoder({ maxFrameBytes: MiB });
    const events = d.push(b(frame(MSG_A), frame(MSG_B), frame('third')));
    expect(readable(events)).toEqual([{ frame: MSG_A }, { frame: MSG_B }, { frame: 'third' }]);
  });

  it('decodes an empty frame as an empty payload', () => {
    const d = new MllpDecoder({ maxFrameBytes: MiB });
    expect(readable(d.push(frame('')))).toEqual([{ frame: '' }]);
  });

  it('keeps CR and LF inside the payload', () => {
    const d = new MllpDecoder({ maxFrameBytes: MiB });
    expect(readable(d.push(frame('MSH|a\rPID|b\n')))).toEqual([{ frame: 'MSH|a\rPID|b\n' }]);
  });

  it('decodes a frame split into two chunks and reports the held bytes', () => {
    const d = new MllpDecoder({ maxFrameBytes: MiB });
    const whole = frame(MSG_A);
    expect(d.push(whole.subarray(0, 10))).toEqual([]);
    expect(d.buffered).toBe(9);
    expect(readable(d.push(whole.subarray(10)))).toEqual([{ frame: MSG_A }]);
    expect(d.buffered).toBe(0);
  });

  it('decodes frames fed one byte at a time', () => {
    const d = new MllpDecoder({ maxFrameBytes: MiB });
    const events = feed(d, bytewise(b(frame(MSG_A), frame(MSG_B))));
    expect(readable(events)).toEqual([{ frame: MSG_A }, { frame: MSG_B }]);
  });

  it('emits the frame at FS when the chunk ends between FS and CR, and swallows the CR that follows', () => {
    const d = new MllpDecoder({ maxFrameBytes: MiB });
    const whole = frame(MSG_A);
    const first = d.push(whole.subarray(0, whole.length - 1)); // ends with FS
    expect(readable(first)).toEqual([{ frame: MSG_A }]);
    expect(d.push(Buffer.from([CR]))).toEqual([]); // the trailer's CR is not junk
    expect(readable(d.push(frame(MSG_B)))).toEqual([{ frame: MSG_B }]);
  });

  it('reports junk before VT and still decodes the frame', () => {
    const d = new MllpDecoder({ maxFrameBytes: MiB });
    const events = d.push(b('GET / HTTP/1.1\r\n', frame(MSG_A)));
    expect(readable(events)).toEqual([{ junk: 16 }, { frame: MSG_A }]);
  });

  it('reports a chunk of pure junk at the end of that chunk', () => {
    const d = new MllpDecoder({ maxFrameBytes: MiB });
    expect(readable(d.push(Buffer.from('hello')))).toEqual([{ junk: 5 }]);
    expect(readable(d.push(b('xy', frame('M'))))).toEqual([{ junk: 2 }, { frame: 'M' }]);
  });

  it('treats a lone CR or FS outside a frame as junk', () => {
    const d = new MllpDecoder({ maxFrameBytes: MiB });
    expect(readable(d.push(b(frame('M'), [CR, FS, CR], frame('N'))))).toEqual([
      { frame: 'M' },
      { junk: 3 },
      { frame: 'N' },
    ]);
  });

  describe('FS without CR', () => {
    it('ends the frame at FS and starts the next frame at VT', () => {
      const d = new MllpDecoder({ maxFrameBytes: MiB });
      const events = d.push(b([VT], MSG_A, [FS, VT], MSG_B, [FS]));
      expect(readable(events)).toEqual([{ frame: MSG_A }, { frame: MSG_B }]);
    });

    it('treats any other byte after FS as junk', () => {
      const d = new MllpDecoder({ maxFrameBytes: MiB });
      const events = d.push(b([VT], 'M1', [FS], 'xx', [VT], 'M2', [FS, CR]));
      expect(readable(events)).toEqual([{ frame: 'M1' }, { junk: 2 }, { frame: 'M2' }]);
    });

    it('handles FS then VT across a chunk boundary', () => {
      const d = new MllpDecoder({ maxFrameBytes: MiB });
      const events = feed(d, [b([VT], 'M1', [FS]), b([VT], 'M2', [FS])]);
      expect(readable(events)).toEqual([{ frame: 'M1' }, { frame: 'M2' }]);
    });
  });

  describe('VT inside a frame', () => {
    it('drops the partial frame as junk and decodes the restarted frame', () => {
      const d = new MllpDecoder({ maxFrameBytes: MiB });
      const events = d.push(b([VT], 'MSH|partial', frame(MSG_B)));
      expect(readable(events)).toEqual([{ junk: 11 }, { frame: MSG_B }]);
    });

    it('counts partial bytes held from earlier chunks', () => {
      const d = new MllpDecoder({ maxFrameBytes: MiB });
      expect(d.push(b([VT], 'abc'))).toEqual([]);
      expect(d.buffered).toBe(3);
      const events = d.push(b('de', frame('M')));
      expect(readable(events)).toEqual([{ junk: 5 }, { frame: 'M' }]);
      expect(d.buffered).toBe(0);
    });

    it('reports a one-byte partial frame as one byte of junk', () => {
      const d = new MllpDecoder({ maxFrameBytes: MiB });
      expect(readable(d.push(b([VT], 'a', frame('M'))))).toEqual([{ junk: 1 }, { frame: 'M' }]);
    });

    it('does not report junk for VT VT', () => {
      const d = new MllpDecoder({ maxFrameBytes: MiB });
      expect(readable(d.push(b([VT], frame('M'))))).toEqual([{ frame: 'M' }]);
    });
  });

  describe('oversize frames', () => {
    it('accepts a payload of exactly maxFrameBytes', () => {
      const d = new MllpDecoder({ maxFrameBytes: 10 });
      expect(readable(d.push(frame('0123456789')))).toEqual([{ frame: '0123456789' }]);
    });

    it('reports a payload one byte over the limit, then decodes the next frame', () => {
      const d = new MllpDecoder({ maxFrameBytes: 10 });
      const events = d.push(b(frame('0123456789A'), frame('ok')));
      expect(readable(events)).toEqual([{ oversize: 11, head: '0123456789A' }, { frame: 'ok' }]);
    });

    it('gives up as soon as the limit is crossed, once per frame, and never buffers more than the limit', () => {
      const max = 100;
      const d = new MllpDecoder({ maxFrameBytes: max });
      const events: DecoderEvent[] = [];
      events.push(...d.push(b([VT], 'MSH|^~\\&|', 'x'.repeat(40))));
      expect(d.buffered).toBe(49);
      events.push(...d.push(Buffer.from('y'.repeat(60)))); // crosses the limit: 109 bytes seen
      expect(d.buffered).toBe(0);
      for (let i = 0; i < 50; i++) {
        events.push(...d.push(Buffer.from('z'.repeat(1000))));
        expect(d.buffered).toBeLessThanOrEqual(max);
      }
      events.push(...d.push(b([FS, CR], frame('next'))));
      expect(events.filter((e) => e.kind === 'oversize')).toHaveLength(1);
      const oversize = events[0];
      expect(oversize?.kind).toBe('oversize');
      if (oversize?.kind !== 'oversize') return;
      expect(oversize.bytes).toBe(109);
      expect(oversize.head.toString('utf8')).toBe(`MSH|^~\\&|${'x'.repeat(40)}${'y'.repeat(60)}`);
      expect(readable(events.slice(1))).toEqual([{ frame: 'next' }]);
    });

    it('caps head at 4096 bytes and keeps the start of the message', () => {
      const d = new MllpDecoder({ maxFrameBytes: 5000 });
      const msh = 'MSH|^~\\&|RX|PHARM|BILL|HOSP|20240101||RDS^O13|CTRL-42|P|2.5\r';
      const chunks = [b([VT], msh), ...Array.from({ length: 20 }, () => Buffer.from('A'.repeat(500)))];
      const events = feed(d, [...chunks, b([FS, CR])]);
      expect(events).toHaveLength(1);
      const e = events[0];
      if (e?.kind !== 'oversize') throw new Error('expected oversize');
      expect(e.head).toHaveLength(OVERSIZE_HEAD_BYTES);
      expect(e.head.subarray(0, msh.length).toString('utf8')).toBe(msh);
      expect(e.bytes).toBe(msh.length + 10 * 500); // gave up in the chunk that crossed 5000
    });

    it('handles an oversize frame fed one byte at a time', () => {
      const d = new MllpDecoder({ maxFrameBytes: 8 });
      const events = feed(d, bytewise(b(frame('0123456789abcdef'), frame('ok'))));
      expect(readable(events)).toEqual([{ oversize: 9, head: '012345678' }, { frame: 'ok' }]);
    });

    it('a VT after an oversize partial starts a new frame (same chunk, and while discarding)', () => {
      const same = new MllpDecoder({ maxFrameBytes: 4 });
      expect(readable(same.push(b([VT], '0123456789', frame('ok'))))).toEqual([
        { oversize: 10, head: '0123456789' },
        { frame: 'ok' },
      ]);
      const split = new MllpDecoder({ maxFrameBytes: 4 });
      const events = feed(split, [b([VT], '0123456789'), b('more', frame('ok'))]);
      expect(readable(events)).toEqual([{ oversize: 10, head: '0123456789' }, { frame: 'ok' }]);
    });

    it('returned payloads do not alias the input chunk', () => {
      const d = new MllpDecoder({ maxFrameBytes: MiB });
      const chunk = frame('abc');
      const [e] = d.push(chunk);
      chunk.fill(0);
      expect(e?.kind === 'frame' && e.payload.toString()).toBe('abc');
    });
  });

  it('rejects a negative limit', () => {
    expect(() => new MllpDecoder({ maxFrameBytes: -1 })).toThrow(RangeError);
  });

  it('decodes a large frame split into many chunks in linear time', () => {
    const d = new MllpDecoder({ maxFrameBytes: 64 * MiB });
    const payload = Buffer.alloc(32 * MiB, 0x41);
    const whole = frame(payload);
    const started = process.hrtime.bigint();
    const events: DecoderEvent[] = [];
    for (let i = 0; i < whole.length; i += 1024) events.push(...d.push(whole.subarray(i, i + 1024)));
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    expect(events).toHaveLength(1);
    expect(events[0]?.kind === 'frame' && events[0].payload.equals(payload)).toBe(true);
    expect(ms).toBeLessThan(2000); // quadratic concatenation would take minutes
  });

  it('decodes more than 50k small frames per second', () => {
    const one = frame(MSG_A);
    const batch = Buffer.concat(Array.from({ length: 1000 }, () => one));
    const d = new MllpDecoder({ maxFrameBytes: MiB });
    let count = 0;
    const started = process.hrtime.bigint();
    for (let round = 0; round < 100; round++) {
      // 64 KiB reads, like a socket
      for (let i = 0; i < batch.length; i += 65536) count += d.push(batch.subarray(i, i + 65536)).length;
    }
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    expect(count).toBe(100_000);
    expect(count / seconds).toBeGreaterThan(50_000);
  });
});

describe('MllpDecoder properties', () => {
  /** Payload bytes: anything but VT and FS. */
  const payloadByte = fc.integer({ min: 0, max: 255 }).filter((x) => x !== VT && x !== FS);
  const payload = fc.uint8Array({ maxLength: 300 }).map((arr) => Buffer.from(arr.map((x) => (x === VT || x === FS ? 0x41 : x))));
  /** Junk: anything but VT (FS and CR outside a frame are junk too). */
  const junk = fc.uint8Array({ maxLength: 20 }).map((arr) => Buffer.from(arr.map((x) => (x === VT ? 0x20 : x))));

  /** Splits `buf` at the given (unsorted, possibly repeated) cut points. */
  function split(buf: Buffer, cuts: number[]): Buffer[] {
    const points = [...new Set(cuts.map((c) => c % (buf.length + 1)))].sort((x, y) => x - y);
    const chunks: Buffer[] = [];
    let prev = 0;
    for (const p of points) {
      chunks.push(buf.subarray(prev, p));
      prev = p;
    }
    chunks.push(buf.subarray(prev));
    return chunks;
  }

  it('yields exactly the framed payloads, in order, however the stream is split', () => {
    fc.assert(
      fc.property(fc.array(payload, { maxLength: 20 }), fc.array(fc.nat(), { maxLength: 30 }), (payloads, cuts) => {
        const stream = Buffer.concat(payloads.map((p) => frame(p)));
        const d = new MllpDecoder({ maxFrameBytes: MiB });
        const events = feed(d, split(stream, cuts));
        expect(events.every((e) => e.kind === 'frame')).toBe(true);
        expect(events.map((e) => (e.kind === 'frame' ? e.payload.toString('hex') : ''))).toEqual(
          payloads.map((p) => p.toString('hex')),
        );
        expect(d.buffered).toBe(0);
      }),
      { numRuns: 300 },
    );
  });

  it('reports junk between frames and keeps every frame intact', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(junk, payload), { maxLength: 15 }),
        junk,
        fc.array(fc.nat(), { maxLength: 30 }),
        (pairs, trailing, cuts) => {
          const stream = Buffer.concat([...pairs.flatMap(([j, p]) => [j, frame(p)]), trailing]);
          const d = new MllpDecoder({ maxFrameBytes: MiB });
          const events = feed(d, split(stream, cuts));
          const frames = events.flatMap((e) => (e.kind === 'frame' ? [e.payload.toString('hex')] : []));
          const junkBytes = events.reduce((n, e) => n + (e.kind === 'junk' ? e.bytes : 0), 0);
          expect(frames).toEqual(pairs.map(([, p]) => p.toString('hex')));
          expect(junkBytes).toBe(pairs.reduce((n, [j]) => n + j.length, 0) + trailing.length);
          expect(events.some((e) => e.kind === 'junk' && e.bytes <= 0)).toBe(false);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('decodes any byte stream the same way however it is split (frames, oversize positions, junk total)', () => {
    // Bytes drawn mostly from the control characters, so restarts, lone FS/CR and junk are common.
    const streamByte = fc.oneof(fc.constantFrom(VT, FS, CR, 0x41, 0x42), fc.integer({ min: 0, max: 255 }));
    const summary = (events: DecoderEvent[]) => ({
      frames: events.flatMap((e) => (e.kind === 'frame' ? [e.payload.toString('hex')] : e.kind === 'oversize' ? ['oversize'] : [])),
      junk: events.reduce((n, e) => n + (e.kind === 'junk' ? e.bytes : 0), 0),
    });
    fc.assert(
      fc.property(
        fc.array(streamByte, { maxLength: 400 }),
        fc.integer({ min: 0, max: 30 }),
        fc.array(fc.nat(), { maxLength: 40 }),
        (bytes, max, cuts) => {
          const stream = Buffer.from(bytes);
          const whole = new MllpDecoder({ maxFrameBytes: max });
          const pieces = new MllpDecoder({ maxFrameBytes: max });
          expect(summary(feed(pieces, split(stream, cuts)))).toEqual(summary(whole.push(stream)));
          expect(pieces.buffered).toBe(whole.buffered);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('never buffers more than maxFrameBytes, reports each oversize frame once and keeps later frames', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 64 }),
        fc.array(fc.array(payloadByte, { maxLength: 150 }), { maxLength: 12 }),
        fc.array(fc.nat(), { maxLength: 40 }),
        (max, raw, cuts) => {
          const payloads = raw.map((arr) => Buffer.from(arr));
          const stream = Buffer.concat(payloads.map((p) => frame(p)));
          const d = new MllpDecoder({ maxFrameBytes: max });
          const events: DecoderEvent[] = [];
          for (const chunk of split(stream, cuts)) {
            events.push(...d.push(chunk));
            expect(d.buffered).toBeLessThanOrEqual(max);
          }
          const expected = payloads.map((p) => (p.length > max ? `oversize:${p.subarray(0, 4096).toString('hex')}` : p.toString('hex')));
          const got = events.map((e) => {
            if (e.kind === 'frame') return e.payload.toString('hex');
            if (e.kind === 'oversize') {
              expect(e.bytes).toBeGreaterThan(max);
              expect(e.head.length).toBe(Math.min(OVERSIZE_HEAD_BYTES, e.bytes));
              // head holds the payload bytes seen when it gave up: a prefix of the payload
              return `oversize:${e.head.toString('hex')}`;
            }
            return 'junk';
          });
          expect(got.length).toBe(expected.length);
          got.forEach((g, i) => {
            const want = expected[i] as string;
            if (want.startsWith('oversize:')) {
              expect(g.startsWith('oversize:')).toBe(true);
              expect(want.startsWith(g)).toBe(true);
            } else {
              expect(g).toBe(want);
            }
          });
        },
      ),
      { numRuns: 300 },
    );
  });
});
