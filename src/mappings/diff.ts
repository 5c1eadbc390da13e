/**
 * What changes between two mapping outcomes for the same message (the live mapping and a candidate), as a flat
 * list a reviewer can read. Pure.
 *
 * Records are matched by kind (charges, patients, coverages, merges) and position: the record at index i of the live
 * outcome is compared with the candidate's record at index i. Extra candidate records are `added`, missing ones
 * `removed`, and every differing field of a matched pair is one `field` change. A failed evaluation counts as no
 * records and adds one `error` change when the two outcomes fail differently (or only one fails).
 * Values are compared as JSON (strings, null, lists of strings, numbers).
 */
import type { MappedRecords } from './records';

export const RECORD_KINDS = ['charges', 'patients', 'coverages', 'merges'] as const;
export type RecordKind = (typeof RECORD_KINDS)[number];

export interface OutcomeError {
  code: string;
  message: string;
}

/** What evaluating one message gave: its records, or the error that stopped it. */
export type MappingOutcome = { records: MappedRecords } | { error: OutcomeError };

export type FieldValue = unknown;
type AnyRecord = NonNullable<MappedRecords[RecordKind]>[number];

export type RecordChange =
  | { change: 'added'; kind: RecordKind; index: number; after: AnyRecord }
  | { change: 'removed'; kind: RecordKind; index: number; before: AnyRecord }
  | { change: 'field'; kind: RecordKind; index: number; field: string; before: FieldValue; after: FieldValue }
  | { change: 'error'; before: OutcomeError | null; after: OutcomeError | null };

const NO_RECORDS: MappedRecords = { charges: [], patients: [], coverages: [] };

function recordsOf(o: MappingOutcome): MappedRecords {
  return 'records' in o ? o.records : NO_RECORDS;
}

function errorOf(o: MappingOutcome): OutcomeError | null {
  return 'error' in o ? o.error : null;
}

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

/** The fields of two records that differ, in the order they first appear (live record's keys first). */
export function fieldChanges(before: object, after: object): Array<{ field: string; before: FieldValue; after: FieldValue }> {
  const b = before as Record<string, unknown>;
  const a = after as Record<string, unknown>;
  const keys = [...new Set([...Object.keys(b), ...Object.keys(a)])];
  return keys.filter((k) => !same(b[k], a[k])).map((k) => ({ field: k, before: b[k] ?? null, after: a[k] ?? null }));
}

/** Every change from `live` to `candidate`; empty when both give the same records (or fail the same way). */
export function diffOutcomes(live: MappingOutcome, candidate: MappingOutcome): RecordChange[] {
  const changes: RecordChange[] = [];
  const liveError = errorOf(live);
  const candidateError = errorOf(candidate);
  if (!same(liveError, candidateError)) changes.push({ change: 'error', before: liveError, after: candidateError });
  const before = recordsOf(live);
  const after = recordsOf(candidate);
  for (const kind of RECORD_KINDS) {
    const b: readonly AnyRecord[] = before[kind] ?? [];
    const a: readonly AnyRecord[] = after[kind] ?? [];
    for (let index = 0; index < Math.max(b.length, a.length); index++) {
      const old = b[index];
      const neu = a[index];
      if (old === undefined) changes.push({ change: 'added', kind, index, after: neu! });
      else if (neu === undefined) changes.push({ change: 'removed', kind, index, before: old });
      else for (const f of fieldChanges(old, neu)) changes.push({ change: 'field', kind, index, ...f });
    }
  }
  return changes;
}
