/**
 * Fuzzing the input edge: the MLLP decoder, intake's frame inspection, the HL7 parser, path reads, the charge
 * mapping and the ACK builder, on random bytes and on mutated corpus messages (huge fields, deep repetitions,
 * invalid escapes, mixed encodings, truncation). Contract: nothing but EngineError is ever thrown, every frame
 * gets an answer, nothing hangs, memory stays bounded. ≥ 100,000 inputs in all; FUZZ_SCALE multiplies the counts.
 */
import fs from 'node:fs';
import path from 'node:path';
import v8 from 'node:v8';
import vm from 'node:vm';
import fc from 'fast-check';
import { EngineError } from '../../src/core/errors';
import { buildAck, newControlId } from '../../src/hl7/ack';
import { normalizeSegments } from '../../src/hl7/charset';
import { parseHl7 } from '../../src/hl7/parse';
import { readAll, parsePath } from '../../src/hl7/path';
import { loadMappings } from '../../src/mappings/load';
import { evaluateMapping } from '../../src/mappings/evaluate';
import { frame, MllpDecoder } from '../../src/mllp/decoder';
import { inspectFrame, patientKeyOf, type IntakeChannel } from '../../src/pipeline/intake';

jest.setTimeout(300_000);
const SCALE = Number(process.env.FUZZ_SCALE ?? 1);
const CORPUS_DIR = path.resolve(__dirname, '../../../shared/corpus/hl7');
const corpus = fs.readdirSync(CORPUS_DIR).filter((f) => f.endsWith('.hl7')).map((f) => fs.readFileSync(path.join(CORPUS_DIR, f)));
const mapping = loadMappings(path.resolve(__dirname, '../../mappings')).get('dft-p03')!;
const channel: IntakeChannel = {
  name: 'fuzz', accept: new Set(['ADT^A04', 'ADT^A08', 'ADT^A31', 'DFT^P03', 'RDS^O13', 'VXU^V04', 'ORU^R01', 'BAR^P01']),
  processingIds: new Set(['P', 'T', 'D']), duplicateWindowMs: 0, charset: 'UTF-8',
};
let inputs = 0;

/** Runs the whole pure intake → pipeline path on one frame; returns the ACK text. Throws only on a contract breach. */
function answer(bytes: Buffer): string {
  inputs++;
  const verdict = inspectFrame(bytes, channel);
  if (verdict.ok) {
    patientKeyOf(verdict.text, verdict.header);
    try {
      const msg = parseHl7(verdict.text);
      evaluateMapping(mapping, msg, { channel: 'fuzz', sender: 'S', controlId: verdict.header.controlId });
    } catch (err) {
      if (!(err instanceof EngineError)) throw err;
    }
  }
  const error = verdict.ok ? undefined : { condition: verdict.error.spec.hl7, severity: 'E' as const, text: verdict.error.message, location: verdict.error.location };
  return buildAck({ inbound: verdict.header, code: verdict.ok ? 'AA' : 'AR', error, ackControlId: newControlId(), now: new Date(0) });
}

/** Byte-level mutations of a corpus message. */
const mutation = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), text: fc.constantFrom('|', '^', '~', '\\', '&', '\r', '\n', '\\X\\', '\\Xzz', '\\E', '\u00e9', '\xff', 'MSH|', '\x0b', '\x1c') }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('huge' as const), at: fc.nat(), size: fc.integer({ min: 1000, max: 200_000 }) }),
  fc.record({ kind: fc.constant('reps' as const), at: fc.nat(), count: fc.integer({ min: 10, max: 20_000 }) }),
);

function mutate(base: Buffer, ops: Array<fc.Arbitrary<unknown> extends never ? never : any>): Buffer {
  let buf = base;
  for (const op of ops) {
    const at = buf.length === 0 ? 0 : op.at % buf.length;
    switch (op.kind) {
      case 'flip': buf = Buffer.from(buf); buf[at] = op.byte; break;
      case 'insert': buf = Buffer.concat([buf.subarray(0, at), Buffer.from(op.text, 'latin1'), buf.subarray(at)]); break;
      case 'truncate': buf = buf.subarray(0, at); break;
      case 'huge': buf = Buffer.concat([buf.subarray(0, at), Buffer.alloc(op.size, 0x41), buf.subarray(at)]); break;
      case 'reps': buf = Buffer.concat([buf.subarray(0, at), Buffer.from('~x^y&z'.repeat(op.count)), buf.subarray(at)]); break;
    }
  }
  return buf;
}

/** A real full collection, so heap figures count what is retained rather than garbage not yet collected. */
v8.setFlagsFromString('--expose-gc');
const collectGarbage = vm.runInNewContext('gc') as () => void;
function retainedHeap(): number {
  collectGarbage();
  return process.memoryUsage().heapUsed;
}

describe('fuzz', () => {
  const heapBefore = retainedHeap();

  test('MLLP decoder: random byte streams in random chunks never throw, never buffer past the limit', () => {
    const limit = 4096;
    fc.assert(fc.property(
      fc.array(fc.oneof(fc.uint8Array({ maxLength: 300 }), fc.constantFrom(Uint8Array.of(0x0b), Uint8Array.of(0x1c), Uint8Array.of(0x1c, 0x0d))), { maxLength: 30 }),
      (parts) => {
        inputs++;
        const decoder = new MllpDecoder({ maxFrameBytes: limit });
        for (const p of parts) {
          for (const ev of decoder.push(Buffer.from(p))) {
            if (ev.kind === 'frame' && ev.payload.length > limit) return false;
          }
          if (decoder.buffered > limit) return false;
        }
        return true;
      },
    ), { numRuns: 40_000 * SCALE });
  });

  test('random bytes as a frame: every one gets an ACK, nothing but EngineError escapes', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 2000 }), fc.boolean(), (bytes, withMsh) => {
      const buf = withMsh ? Buffer.concat([Buffer.from('MSH|^~\\&|'), Buffer.from(bytes)]) : Buffer.from(bytes);
      return answer(buf).includes('MSA|');
    }), { numRuns: 30_000 * SCALE });
  });

  test('mutated corpus messages: every one gets an ACK, parse/map fail only with EngineError', () => {
    fc.assert(fc.property(fc.nat(corpus.length - 1), fc.array(mutation, { minLength: 1, maxLength: 4 }), (i, ops) => {
      const ack = answer(mutate(corpus[i]!, ops));
      return ack.includes('MSA|');
    }), { numRuns: 30_000 * SCALE });
  });

  test('path reads on parsed mutated messages never throw', () => {
    const paths = ['PID-3[*].1', 'FT1-7.1', 'MSH-9.2', 'OBX-5[*].1.1', 'RXA-5.1', 'IN1-36'].map(parsePath);
    fc.assert(fc.property(fc.nat(corpus.length - 1), fc.array(mutation, { maxLength: 3 }), (i, ops) => {
      inputs++;
      let msg;
      try {
        msg = parseHl7(normalizeSegments(mutate(corpus[i]!, ops).toString('latin1')));
      } catch (err) {
        return err instanceof EngineError;
      }
      for (const seg of msg.segments) for (const p of paths) if (p.segment === seg.name) readAll(seg, p, msg.delimiters);
      return true;
    }), { numRuns: 5_000 * SCALE });
  });

  test('whole framed streams of mutated messages: one answer per frame', () => {
    fc.assert(fc.property(fc.array(fc.tuple(fc.nat(corpus.length - 1), fc.array(mutation, { maxLength: 2 })), { minLength: 1, maxLength: 8 }), fc.integer({ min: 1, max: 700 }), (msgs, chunk) => {
      const payloads = msgs.map(([i, ops]) => mutate(corpus[i]!, ops).filter((b) => b !== 0x0b && b !== 0x1c));
      const stream = Buffer.concat(payloads.map((p) => frame(Buffer.from(p))));
      const decoder = new MllpDecoder({ maxFrameBytes: 1 << 20 });
      let answers = 0;
      for (let off = 0; off < stream.length; off += chunk) {
        for (const ev of decoder.push(stream.subarray(off, off + chunk))) if (ev.kind === 'frame') { answer(ev.payload); answers++; }
      }
      return answers === payloads.length;
    }), { numRuns: 800 * SCALE });
  });

  afterAll(() => {
    const grownMb = (retainedHeap() - heapBefore) / 1024 / 1024;
    console.log(JSON.stringify({ fuzzInputs: inputs, heapGrowthMb: Math.round(grownMb) }));
    expect(inputs).toBeGreaterThanOrEqual(100_000 * SCALE);
    expect(grownMb).toBeLessThan(64);
  });
});
