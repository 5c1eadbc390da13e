/**
 * Reads one segment group of a parsed message with the mappings' path grammar and group rules (src/mappings/scope.ts):
 * a group segment is read inside its own group, any other segment (PID, MSH) is the nearest one before the group.
 * Pure.
 */
import type { Hl7Message } from '../hl7/parse';
import { parsePath, readSegment } from '../hl7/path';
import { occurrencesOf, resolve, type Occurrence } from '../mappings/scope';

export interface GroupReader {
  /** The value at an HL7 path ('' when missing). */
  (path: string): string;
  /** Components 1..n of a field path without a component (`RXA-5` → RXA-5.1 … RXA-5.n). */
  parts(path: string, n: number): string[];
}

export function readerFor(msg: Hl7Message, occ: Occurrence, group: readonly string[]): GroupReader {
  const read = ((path: string): string => {
    const ref = parsePath(path);
    const seg = resolve(msg, occ, group, ref);
    return seg ? readSegment(seg, ref, msg.delimiters) : '';
  }) as GroupReader;
  read.parts = (path, n) => Array.from({ length: n }, (_, i) => read(`${path}.${i + 1}`));
  return read;
}

/** One reader per group anchored on `anchor`, in message order. */
export function groupReaders(msg: Hl7Message, anchor: string, group: readonly string[]): GroupReader[] {
  return occurrencesOf(msg, anchor, group).map((occ) => readerFor(msg, occ, group));
}
