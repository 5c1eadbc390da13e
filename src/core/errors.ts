/**
 * The one catalogue of error codes. Every error the engine reports carries its disposition:
 * a stable code, whether retrying can fix it, and for HL7 the table 0357 condition code so an ACK can
 * render its own ERR segment. docs/errors.md describes each code; a unit test keeps the two in step.
 */

/** HL7 table 0357 (message error condition codes) values the engine uses. */
export const Hl7Condition = {
  accepted: '0',
  segmentSequenceError: '100',
  requiredFieldMissing: '101',
  dataTypeError: '102',
  tableValueNotFound: '103',
  unsupportedMessageType: '200',
  unsupportedEventCode: '201',
  unsupportedProcessingId: '202',
  unsupportedVersionId: '203',
  unknownKeyIdentifier: '204',
  duplicateKeyIdentifier: '205',
  applicationRecordLocked: '206',
  applicationInternalError: '207',
} as const;
export type Hl7ConditionCode = (typeof Hl7Condition)[keyof typeof Hl7Condition];

export interface ErrorSpec {
  /** Retrying the same input later may succeed (store down, Redis down, timeouts). */
  readonly retryable: boolean;
  /** HL7 table 0357 code used when this error is reported in an ACK. */
  readonly hl7: Hl7ConditionCode;
  /** HTTP status when this error answers an API request. */
  readonly http: number;
  /** One line for docs/errors.md: what it means and how to fix it. */
  readonly doc: string;
}

export const ERROR_CATALOGUE = {
  FRAME_NO_MSH: {
    retryable: false,
    hl7: '100',
    http: 400,
    doc: 'The MLLP frame does not start with an MSH segment. The sender must send HL7 v2 messages only.',
  },
  FRAME_TOO_LARGE: {
    retryable: false,
    hl7: '207',
    http: 413,
    doc: 'The frame exceeded the channel limit `source.maxFrameBytes`. Raise the limit or split the message.',
  },
  FRAME_NUL: {
    retryable: false,
    hl7: '102',
    http: 400,
    doc: 'The frame contains NUL characters (0x00), which HL7 v2 does not allow. It is kept as rejected (NULs shown as U+FFFD); fix the sender.',
  },
  MSH_INVALID: {
    retryable: false,
    hl7: '102',
    http: 400,
    doc: 'MSH is malformed (bad encoding characters, or a required field such as MSH-9 or MSH-10 is empty).',
  },
  UNSUPPORTED_MESSAGE_TYPE: {
    retryable: false,
    hl7: '200',
    http: 400,
    doc: 'The channel does not accept this MSH-9 type^event. Add it to the channel `accept` list or fix the sender.',
  },
  UNSUPPORTED_VERSION: {
    retryable: false,
    hl7: '203',
    http: 400,
    doc: 'MSH-12 names a version the engine does not read (2.3 to 2.8 are read).',
  },
  UNSUPPORTED_PROCESSING_ID: {
    retryable: false,
    hl7: '202',
    http: 400,
    doc: 'MSH-11 processing id is not accepted by the channel (see `processingIds`).',
  },
  CHARSET_UNSUPPORTED: {
    retryable: false,
    hl7: '207',
    http: 400,
    doc: 'MSH-18 names a character set the engine cannot decode (UTF-8, ISO-8859-1, windows-1252 and ASCII are read).',
  },
  STORE_UNAVAILABLE: {
    retryable: true,
    hl7: '207',
    http: 503,
    doc: 'The message store could not commit. The sender gets AR and should resend; check Postgres.',
  },
  QUEUE_UNAVAILABLE: {
    retryable: true,
    hl7: '207',
    http: 503,
    doc: 'Redis could not be reached. Work is kept in the store and re-enqueued when Redis is back.',
  },
  PARSE_FAILED: {
    retryable: false,
    hl7: '102',
    http: 422,
    doc: 'The stored message could not be parsed into segments and fields. Edit the raw message and replay it.',
  },
  FILTERED: {
    retryable: false,
    hl7: '0',
    http: 200,
    doc: 'Not an error: the channel filter chose not to process the message (status `filtered`).',
  },
  MAPPING_FIELD_MISSING: {
    retryable: false,
    hl7: '101',
    http: 422,
    doc: 'A field the mapping requires is empty. Fix the sender, edit the message, or change the mapping; then replay.',
  },
  MAPPING_VALUE_INVALID: {
    retryable: false,
    hl7: '102',
    http: 422,
    doc: 'A field has a value the mapping cannot convert (a date, amount or number). Edit and replay.',
  },
  MAPPING_LOOKUP_MISSING: {
    retryable: false,
    hl7: '103',
    http: 422,
    doc: 'A code is not in the mapping lookup table (for example the charge master). Add it to the mapping; then replay.',
  },
  MAPPING_NOT_FOUND: {
    retryable: false,
    hl7: '207',
    http: 500,
    doc: 'The channel names a mapping file that does not exist or did not load. Run `rxbridge channels check`.',
  },
  REVERSAL_TARGET_MISSING: {
    retryable: true,
    hl7: '204',
    http: 422,
    doc: 'A reversal line whose mapping says reversal.missing: error (an RDS cancellation) points at a charge that is not recorded yet. Retried; then dead-lettered. DFT credits are held instead.',
  },
  CHARGE_ALREADY_REVERSED: {
    retryable: false,
    hl7: '205',
    http: 409,
    doc: 'A reversal line whose mapping says reversal.missing: error points at a charge that another credit already reversed.',
  },
  PATIENT_MERGE_CONFLICT: {
    retryable: false,
    hl7: '205',
    http: 409,
    doc: 'A patient merge (ADT^A40) contradicts an earlier one: the prior patient was merged into another patient, or the survivor into the prior one.',
  },
  VALUE_REJECTED_BY_STORE: {
    retryable: false,
    hl7: '102',
    http: 422,
    doc: 'The store refused a mapped value (for example an amount too large for its column). Edit the message or the mapping; then replay.',
  },
  ATTEMPTS_EXHAUSTED: {
    retryable: false,
    hl7: '207',
    http: 500,
    doc: 'The message was claimed many more times than the channel allows without finishing (the engine or store kept failing on it). Look at its events; then replay.',
  },
  BODY_UNREADABLE: {
    retryable: false,
    hl7: '207',
    http: 500,
    doc: 'A stored message body cannot be decrypted: its bytes were altered, or the key it names is not the configured key of that id. Replay it with an edited raw message.',
  },
  CONFIG_INVALID: {
    retryable: false,
    hl7: '207',
    http: 500,
    doc: 'A channel or mapping file failed validation. The message names file:line:col and the reason.',
  },
  FHIR_INVALID: {
    retryable: false,
    hl7: '207',
    http: 422,
    doc: 'A message cannot become the FHIR R4 resource a destination asks for: it has no segment for it (a VXU without RXA for Immunization), or the resource built fails R4 validation. The message names the element paths, never values.',
  },
  X12_INVALID: {
    retryable: false,
    hl7: '207',
    http: 422,
    doc: 'An X12 file (837, 835, 999, 277CA) is not a readable interchange: no ISA, unusable separators, or ISA/GS/ST envelopes that do not nest. The message names the segment position.',
  },
  CLAIM_INVALID: {
    retryable: false,
    hl7: '207',
    http: 422,
    doc: 'A claim cannot be written as an 837P (totals that do not add up, too many lines or diagnoses, a pointer or code of the wrong form). Scrubbing should have held it; fix the claim and rebuild.',
  },
  PAYER_FILE_INVALID: {
    retryable: false,
    hl7: '207',
    http: 422,
    doc: 'An 835, 999, 277CA or 271 lacks a segment or element its reader needs, or an amount, date or code in it is malformed. The message names the segment position and element.',
  },
  ELIGIBILITY_INVALID: {
    retryable: false,
    hl7: '207',
    http: 422,
    doc: 'A 270 eligibility inquiry cannot be written (a coverage without a member id, a patient without a name, no date of service), or a 271 names no inquiry of ours. Fix the coverage (its ADT) and ask again.',
  },
  REMITTANCE_UNBALANCED: {
    retryable: false,
    hl7: '207',
    http: 422,
    doc: 'An 835 does not balance (service, claim or payment equation) and is refused as a whole. The message names each claim control number and the amounts.',
  },
  CLEARINGHOUSE_HOST_KEY: {
    retryable: false,
    hl7: '207',
    http: 502,
    doc: "The clearinghouse's SFTP server showed a host key whose SHA256 fingerprint is not the `hostKeyFingerprint` pinned in billing.yaml; nothing is sent or fetched. Check the new key with the clearinghouse before pinning it.",
  },
  CLEARINGHOUSE_SECRET: {
    retryable: false,
    hl7: '207',
    http: 500,
    doc: "A clearinghouse's private key, passphrase or password could not be read: the file named by `…File` is missing or unreadable, or the variable named by `…Env` is unset.",
  },
  CLEARINGHOUSE_TRANSFER: {
    retryable: true,
    hl7: '207',
    http: 502,
    doc: "Connecting to, logging in to, or moving a file on the clearinghouse's SFTP server failed (refused, timed out, authentication, a missing folder). Uploads are retried with backoff; the transfer row shows the last error.",
  },
  SOURCE_HOST_KEY: {
    retryable: false,
    hl7: '207',
    http: 502,
    doc: "An SFTP channel source's server showed a host key whose SHA256 fingerprint is not the channel's `source.hostKeyFingerprint`; nothing is fetched. Check the new key with the sender before pinning it.",
  },
  SOURCE_SECRET: {
    retryable: false,
    hl7: '207',
    http: 500,
    doc: "An SFTP channel source's private key, passphrase or password could not be read: the file named by `…File` is missing or unreadable, or the variable named by `…Env` is unset.",
  },
  SOURCE_TRANSFER: {
    retryable: true,
    hl7: '207',
    http: 502,
    doc: 'Listing, reading or moving a file of a file or SFTP channel source failed (a missing folder, refused, timed out, authentication). The file stays where it is and is tried again at the next poll.',
  },
  NOT_FOUND: { retryable: false, hl7: '204', http: 404, doc: 'The requested record does not exist.' },
  BAD_REQUEST: { retryable: false, hl7: '207', http: 400, doc: 'The request was malformed; the message says how.' },
  PREVIEW_TOO_SLOW: {
    retryable: false,
    hl7: '207',
    http: 422,
    doc: 'A mapping preview did not finish within its time budget (RXBRIDGE_PREVIEW_TIMEOUT_MS, 10 s) and was stopped.',
  },
  MAPPING_TESTS_FAILED: {
    retryable: false,
    hl7: '207',
    http: 422,
    doc: 'A mapping saved through the API fails cases of its own test file (mappings/<name>.test.yaml): it is not saved. The answer lists each failing case with the expected and actual value of each field.',
  },
  DIRECTORY_NOT_WRITABLE: {
    retryable: false,
    hl7: '207',
    http: 503,
    doc: "A folder the engine writes (mappings saved from the console, the data folder) cannot be written by the engine's user: the message names the folder and the cause. Give the engine a writable folder (a volume in Docker).",
  },
  UNAUTHORIZED: { retryable: false, hl7: '207', http: 401, doc: 'Missing, wrong, expired or revoked bearer token.' },
  FORBIDDEN: {
    retryable: false,
    hl7: '207',
    http: 403,
    doc: 'The caller is authenticated but its role is below the least role the route needs (docs/security.md).',
  },
  CSRF: {
    retryable: false,
    hl7: '207',
    http: 403,
    doc: 'A request authenticated by the console session cookie changes something but lacks the X-CSRF-Token header matching the session.',
  },
  LOGIN_LOCKED: {
    retryable: true,
    hl7: '207',
    http: 429,
    doc: 'Too many failed logins in a row: the user is locked for 15 minutes. Wait, or have an admin unlock the user.',
  },
  TOO_MANY_MESSAGES: {
    retryable: false,
    hl7: '207',
    http: 413,
    doc: 'A bulk action on a message search (CSV export, replay of the search) would take more messages than it allows; narrow the search.',
  },
  CONFLICT: {
    retryable: false,
    hl7: '207',
    http: 409,
    doc: 'The action does not apply to the record in its current state (for example replaying a message in flight).',
  },
  REMITTANCE_WITHDRAW_REFUSED: {
    retryable: false,
    hl7: '207',
    http: 409,
    doc: 'A remittance cannot be withdrawn because something was built on it since it was posted (a later remittance, a sent next-payer claim, a closed or changed claim, a hand match); the message names the claim. Undo that step first, or correct the claim by hand.',
  },
  DESTINATION_TRANSFORM_FAILED: {
    retryable: false,
    hl7: '207',
    http: 422,
    doc: "A destination's transformer could not build its payload from the message (an HL7 parse failure, a FHIR builder refusing a field). The delivery is a dead letter of that destination; fix the channel file or the message and replay it.",
  },
  DESTINATION_BODY_MISSING: {
    retryable: false,
    hl7: '207',
    http: 410,
    doc: 'The message body was pruned by retention (or cannot be opened) before its delivery: nothing can be sent. The delivery is a dead letter.',
  },
  DESTINATION_REJECTED: {
    retryable: false,
    hl7: '207',
    http: 422,
    doc: 'The receiver refused the payload for good (MLLP AR/CR, an HTTP status outside the success list that is not retried, a failed body rule). The delivery is a dead letter; replay it once the receiver is fixed.',
  },
  DESTINATION_GAVE_UP: {
    retryable: true,
    hl7: '207',
    http: 503,
    doc: "A destination's receiver could not be reached (or kept answering errors) for all of `retry.attempts`. The delivery is a dead letter with the last error; replay it once the receiver is back.",
  },
  INTERNAL: {
    retryable: true,
    hl7: '207',
    http: 500,
    doc: 'An unexpected failure inside the engine. It is retried; if it persists it is dead-lettered with this code.',
  },
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;

/** True for a code of the catalogue (e.g. one read back from the store). */
export function isErrorCode(code: string): code is ErrorCode {
  return Object.prototype.hasOwnProperty.call(ERROR_CATALOGUE, code);
}

/** Where in an HL7 message an error was found (ERL: SEG^seq^field^rep^comp^sub; 1-based). */
export interface Hl7Location {
  segment: string;
  sequence?: number;
  field?: number;
  repetition?: number;
  component?: number;
  subcomponent?: number;
}

/**
 * An error with its disposition. The `message` must never contain PHI: it is logged, stored and sent
 * back to senders and API clients. Put field locations in `location`, never field values.
 */
export class EngineError extends Error {
  readonly code: ErrorCode;
  readonly location: Hl7Location | undefined;

  constructor(code: ErrorCode, message: string, location?: Hl7Location) {
    super(message);
    this.name = 'EngineError';
    this.code = code;
    this.location = location;
  }

  get spec(): ErrorSpec {
    return ERROR_CATALOGUE[this.code];
  }

  get retryable(): boolean {
    return this.spec.retryable;
  }
}

/** Any thrown value as an EngineError; unknown failures become INTERNAL (retryable). */
export function asEngineError(err: unknown): EngineError {
  if (err instanceof EngineError) return err;
  const text = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  return new EngineError('INTERNAL', text.slice(0, 500));
}
