/**
 * Ports: what the intake and the pipeline need from the outside world. The store and the queue implement
 * them (src/store/repository.ts, src/pipeline/bullmq/); tests may substitute real in-process variants.
 * Nothing here carries PHI into Redis: the queue sees message ids only.
 */
import type { ApplicationAckRequest } from '../hl7/ack';
import type { MshHeader } from '../hl7/peek';
import type { MappedRecords } from '../mappings/records';

export type InboundStatus = 'received' | 'duplicate' | 'rejected';

export interface InboundRecord {
  channel: string;
  /** received: passes intake checks; rejected: NAKed (errorCode/errorText say why). duplicate is decided by the store. */
  status: 'received' | 'rejected';
  sender: string;
  controlId: string;
  messageType: string;
  version: string;
  processingId: string;
  patientKey: string | null;
  remote: string;
  content: string;
  errorCode?: string;
  errorText?: string;
  /** Duplicate window for status received; 0 = no duplicate check. */
  duplicateWindowMs: number;
  /**
   * The content key (src/hl7/content-hash.ts) of a received record, computed by the intake before the commit;
   * absent = the store computes it from `content`.
   */
  contentHash?: string;
  /**
   * An accepted enhanced-mode message whose MSH-16 asks for an application ACK, on a channel that sends them: the
   * store keeps the request with the message (unless it is a duplicate) for src/acks to answer once it is final.
   */
  applicationAck?: { requested: ApplicationAckRequest; header: MshHeader };
}

export interface StoredInbound {
  id: string;
  status: InboundStatus;
  duplicateOf: string | null;
  /**
   * A received message whose channel, sender and control id an earlier message inside the window already used
   * with other content: that message's id (the sender reused its control id; this one is processed anyway).
   */
  reusedControlIdOf?: string | null;
}

/** A message as the pipeline sees it: metadata plus its latest content version. */
export interface WorkItem {
  id: string;
  channel: string;
  status: string;
  sender: string;
  controlId: string;
  messageType: string;
  patientKey: string | null;
  /** Attempts including the one just claimed. */
  attempts: number;
  content: string;
}

export type ClaimResult = { kind: 'final' } | { kind: 'wait'; patientKey: string | null } | { kind: 'claimed'; item: WorkItem };

/** An edited raw message for a replay, with what intake would have read from its MSH and PID. */
export interface EditedMessage {
  content: string;
  messageType: string;
  patientKey: string | null;
  sender: string;
  controlId: string;
}

/**
 * A claimed message's end. `content`, the text the pipeline worked on, is indexed by the store for the content search
 * (keyed hashes of its words, written in the same commit); absent, the message gets no tokens.
 */
export type Completion = (
  { id: string; status: 'processed'; records: MappedRecords } | { id: string; status: 'filtered'; reason: string }
) & {
  content?: string;
};

/** How a message ended in the pipeline (an after-processing answer on the sender's connection says it). */
export type MessageOutcome = { status: 'processed' | 'filtered' } | { status: 'error'; errorCode: string; errorText: string };

export interface FailureRecord {
  code: string;
  text: string;
  stage: string;
}

/**
 * How claimMany claims. `unmarked`: a message still `received` that was never claimed comes back claimed (attempts 1)
 * without being moved to processing: nothing is written until the attempt ends, and whatever ends it (completion,
 * retry, dead letter) counts the attempt in the same write. Two workers may then run the same message at once; the
 * first to finish wins and the other's completion writes nothing. A crash during such an attempt leaves no trace,
 * so a caller passes `unmarked` only for work not tried before (a fresh job): the retry of a job that was running
 * when its worker died takes the marked claim, which counts attempts and so gives up on a message that keeps
 * killing its worker.
 */
export interface ClaimOptions {
  unmarked?: boolean;
}

export interface MessagesPort {
  /**
   * Commits raw messages in one round trip, ids ascending in array order. Resolves (results in the same order)
   * only after the commit; rejects when the store is down. A record is a duplicate when an earlier committed
   * message (not rejected, not a duplicate) has its channel, sender, control id and content hash within its
   * window (a message stored without a hash, before hashes were kept, matches on the first three alone). The
   * decision holds across processes: of two records with one key committed at once, exactly one is received.
   * A received record whose channel, sender and control id an earlier message in the window used with other
   * content comes back with `reusedControlIdOf` (and an event). Callers must not put two records with the same
   * channel, sender and control id in one batch.
   */
  recordInbound(recs: readonly InboundRecord[]): Promise<StoredInbound[]>;
  /**
   * Claims messages for one pipeline attempt each, in one statement. Per id: `final` when it is already
   * finished (nothing to do); `wait` when an earlier message (lower id) of the same patient is unfinished and
   * not among `ids`; otherwise it moves to processing with attempts + 1 and comes back with its latest content.
   * With `unmarked`, a message never claimed before is claimed without a write (see ClaimOptions).
   */
  claimMany(ids: readonly string[], opts?: ClaimOptions): Promise<Map<string, ClaimResult>>;
  /**
   * Finishes claimed messages in one statement (one commit): each still open (`processing`, or `received` when claimed
   * unmarked: its attempt is counted now) becomes processed (with its
   * records) or filtered (with the reason). A processed message's patients and coverages are upserted (by
   * patientRef, and patientRef + planId; a stored row with a newer asOf is kept), then its charges, which must all
   * be plain charges, are written in the given order, each linked to its patient and to the coverage in force on
   * its service date. Within one call, charges see the patients and coverages as the whole batch leaves them.
   * Charges already recorded under the same source key are kept as they are. Returns the number of charges
   * inserted. Throws EngineError VALUE_REJECTED_BY_STORE when the store refuses a value of the batch.
   */
  completeMany(done: ReadonlyArray<Completion>): Promise<number>;
  /** Gives back the attempt counted by claimMany for messages that were claimed but then had to wait. */
  releaseClaims(ids: readonly string[]): Promise<void>;
  /**
   * processing → processed with records whose charges include reversals, in one transaction (reversal links need
   * lookups): patients and coverages as in completeMany, then the charges, then the reversals. A reversal finds
   * its charge as src/billing/claims/credits.ts decides: the line of the same message it names, else the sender's
   * charge of an earlier message with its transaction id, else an active charge equal on its `reversalMatch` keys.
   * When none is found the record's `reversalMissing` decides: 'error' (default) throws REVERSAL_TARGET_MISSING
   * (CHARGE_ALREADY_REVERSED when what it named is reversed already), 'ignore' drops the line, 'hold' writes it as
   * a held negative charge with the reason. A held credit written before is matched again (a replay releases
   * it). Each line's outcome is a `line` event of the message. Patient merges (records.merges) are applied
   * after the patients and coverages and before the charges; a merge that contradicts an earlier one throws
   * PATIENT_MERGE_CONFLICT. Returns the number of charges inserted; does
   * nothing (0) when the message is no longer processing. `content` is indexed for the content search as in
   * completeMany.
   */
  completeWithRecords(id: string, records: MappedRecords, content?: string): Promise<number>;
  /** Records a transient failure (status stays processing) as an event. */
  noteRetry(id: string, failure: FailureRecord, delayMs: number): Promise<void>;
  /** processing → error: the message becomes a dead letter; `content` is indexed for the content search as in completeMany. */
  deadLetter(id: string, failure: FailureRecord, content?: string): Promise<void>;
  /**
   * Puts a finished message back to `received` for a replay (an event records who asked). With `edited`, the
   * new raw message is kept as a new content version; the original stays. An application ACK the sender asked for
   * is due again (after the replay's outcome). Resolves to the replay number.
   * Throws EngineError NOT_FOUND, or CONFLICT for a message in flight or a duplicate.
   */
  prepareReplay(id: string, edited: EditedMessage | null, actor: string): Promise<number>;
  /** Ids of messages that are received or processing (for recovery), oldest first, after `afterId`. */
  openMessageIds(afterId: string, limit: number, olderThanMs: number): Promise<string[]>;
}

export interface QueuePort {
  /** Adds work for one message; `attemptTag` makes a replay a distinct job. The same id+tag is added once while it exists. */
  enqueue(messageId: string, attemptTag?: string): Promise<void>;
  /** Adds work for many messages, in batches (one job carries up to a batch of ids, in id order). */
  enqueueMany(messageIds: readonly string[]): Promise<void>;
  /** Adds work for messages that should run after `delayMs` (per-patient wait, retry backoff), in batches. */
  enqueueLater(messageIds: readonly string[], delayMs: number): Promise<void>;
}
