/**
 * The mappings API as it is sent (GET/PUT /api/mappings/:name, versions, rollback, preview; src/mappings/editor.ts).
 * Types only, no Node modules: the web console imports them.
 */

/** A row of GET /api/mappings. */
export interface MappingSummary {
  name: string;
  description: string;
  /** The stored version holding the live text; null when the file was changed outside the API since. */
  version: number | null;
  sha256: string;
  file: string;
}

/** GET /api/mappings/:name (what the editor reads of it). */
export interface MappingDetail {
  name: string;
  content: string;
  version: number | null;
}

/** PUT /api/mappings/:name: the version the save stored. */
export interface SavedMapping {
  name: string;
  version: number;
  sha256: string;
  /** After a save with `updateExpected`: the test files rewritten and the cases whose expected values changed. */
  testsUpdated?: Array<{ file: string; cases: string[] }>;
}

/** A value of a mapping test as compared: text, null or a list of text. */
export type MappingTestValue = string | null | string[];

/** One difference of a failing case (src/mappings/test-file.ts CaseDifference). */
export type MappingTestDifference =
  | { type: 'field'; kind: string; index: number; field: string; expected: MappingTestValue; actual: MappingTestValue; text: string }
  | { type: 'count'; kind: string; expected: number; actual: Array<Record<string, MappingTestValue>>; text: string }
  | { type: 'outcome'; text: string };

/** One failing case of a 422 MAPPING_TESTS_FAILED answer of PUT /api/mappings/:name (`error.failures`). */
export interface MappingTestFailure {
  /** The test file, e.g. adt.test.yaml. */
  file: string;
  case: string;
  differences: MappingTestDifference[];
}

/** A row of GET /api/mappings/:name/versions. */
export interface MappingVersion {
  version: number;
  sha256: string;
  actor: string | null;
  createdAt: string;
}

/** GET /api/mappings/:name/versions/:version. */
export interface MappingVersionText extends MappingVersion {
  content: string;
}

/** One problem of an invalid mapping (422 CONFIG_INVALID `issues`), 1-based. */
export interface MappingIssue {
  line: number;
  col: number;
  reason: string;
}

export interface OutcomeError {
  code: string;
  message: string;
}

export type MappedRecord = Record<string, unknown>;
export const RECORD_KINDS = ['charges', 'patients', 'coverages', 'merges'] as const;
export type RecordKind = (typeof RECORD_KINDS)[number];
/** Merges (ADT^A40) are absent from the answer when a mapping makes none. */
export type MappedRecords = Record<Exclude<RecordKind, 'merges'>, MappedRecord[]> & { merges?: MappedRecord[] };

export type MappingOutcome = { records: MappedRecords } | { error: OutcomeError };

export type RecordChange =
  | { change: 'added'; kind: RecordKind; index: number; after: MappedRecord }
  | { change: 'removed'; kind: RecordKind; index: number; before: MappedRecord }
  | { change: 'field'; kind: RecordKind; index: number; field: string; before: unknown; after: unknown }
  | { change: 'error'; before: OutcomeError | null; after: OutcomeError | null };

export interface PreviewMessage {
  /** The stored message's id; null for a message given in the request. */
  messageId: string | null;
  controlId: string;
  live: MappingOutcome;
  candidate: MappingOutcome;
  diff: RecordChange[];
}

/** POST /api/mappings/:name/preview. */
export interface PreviewResult {
  mapping: string;
  /** The candidate's SHA-256 (the live text's when no content was given). */
  sha256: string | null;
  /** How many of the messages the candidate maps differently. */
  changed: number;
  messages: PreviewMessage[];
}
