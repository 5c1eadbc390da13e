/** Helpers shared by unit tests: the public HL7 corpus and catching an EngineError. */
import fs from 'node:fs';
import path from 'node:path';
import { EngineError } from '../../src/core/errors';
import { decodeHl7, normalizeSegments } from '../../src/hl7';

export const CORPUS = path.join(__dirname, '../../../shared/corpus/hl7');
export const corpusFiles = fs.readdirSync(CORPUS).filter((f) => f.endsWith('.hl7')).sort();

/** A corpus file, decoded as UTF-8 with CR segment separators. */
export const load = (name: string): string => normalizeSegments(decodeHl7(fs.readFileSync(path.join(CORPUS, name)), 'UTF-8'));

/** The EngineError `fn` throws; fails the test when it throws nothing or something else. */
export function thrown(fn: () => unknown): EngineError {
  try {
    fn();
  } catch (err) {
    if (err instanceof EngineError) return err;
    throw err;
  }
  throw new Error('expected an EngineError');
}
