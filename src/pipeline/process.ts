/**
 * One pipeline attempt for a batch of messages, against the ports. Decides; never sleeps or retries itself:
 * the queue adapter turns each outcome into "done", "try again later" or "dead letter".
 *
 * Contract:
 * - A message already final is skipped (a late or repeated job is harmless).
 * - Per-patient arrival order, also across retries: a message waits while an earlier message (lower id) of the
 *   same patient is unfinished. Within a batch, a patient's messages run in id order, and once one of them must
 *   wait or retry, the later ones of that patient in the batch wait too.
 * - A non-retryable failure dead-letters at once; a retryable one is retried until the channel's
 *   `pipeline.attempts` is reached, then dead-letters.
 * - Successful messages of a batch are finished in one store call (one commit) with their records (charges,
 *   patients, coverages); messages whose charges include reversals are finished one by one (reversal links need
 *   lookups).
 * - The messages of a batch are mapped in slices (BATCH_WORK, src/core/turn-budget.ts), the event loop turning
 *   between them, so a large batch does not hold up ACKs and store answers for the whole of its mapping; the
 *   batches of concurrent jobs share one slice per turn.
 * - An optional observer (metrics) hears how long each stage took (parse, filter and map per message; claim and
 *   write per store call) and each claimed message's outcome by channel. It only receives numbers and names.
 */
import { asEngineError, EngineError } from '../core/errors';
import { BATCH_WORK } from '../core/turn-budget';
import type { MappingPlan } from '../mappings/compile';
import type { MappedRecords } from '../mappings/records';
import type { ClaimOptions, ClaimResult, Completion, MessagesPort, WorkItem } from './ports';
import { filterStage, mapStage, parseStage, type RouteTable, type StageName } from './stages';

export interface ChannelRuntime extends RouteTable {
  name: string;
  pipeline: { attempts: number; backoffMs: number };
}

export interface ProcessDeps {
  store: MessagesPort;
  channel(name: string): ChannelRuntime | undefined;
  mapping(name: string): MappingPlan | undefined;
  /** Hears stage durations and outcomes (metrics); absent = nothing is measured. */
  observer?: PipelineObserver;
}

/** The pure stages, and the store calls of a batch. */
export type PipelineStage = StageName | 'claim';
/** The outcomes an observer hears about: those of claimed messages, waits and skips aside. */
export type ReportedOutcome = 'processed' | 'filtered' | 'retry' | 'dead-letter';

export interface PipelineObserver {
  /** `seconds` one stage took: parse, filter and map per message; claim and write per store call. */
  stage(stage: PipelineStage, seconds: number): void;
  /** The outcome of one claimed message of `channel`. */
  outcome(channel: string, outcome: ReportedOutcome): void;
}

export type Outcome =
  | { kind: 'skipped' }
  | { kind: 'wait'; delayMs: number }
  | { kind: 'processed'; charges: number }
  | { kind: 'filtered'; reason: string }
  | { kind: 'retry'; delayMs: number; error: EngineError; stage: StageName }
  | { kind: 'dead-letter'; error: EngineError; stage: StageName };

/** The longest the batches of this process map messages in one slice before the event loop turns. */
export const MAPPING_SLICE_MS = BATCH_WORK.sliceMs;

/** Delay before looking again when an earlier message of the same patient is still open. */
export const ORDER_WAIT_MS = 50;

/** Claims beyond the channel's attempts (crashes, store trouble) before a message is given up as a dead letter. */
export const GIVE_UP_MARGIN = 5;

type Evaluated =
  | { kind: 'mapped'; records: MappedRecords }
  | { kind: 'filtered'; reason: string }
  | { kind: 'failed'; error: EngineError; stage: StageName };

/** Runs the pure stages for one claimed message. */
export function evaluate(item: WorkItem, deps: Pick<ProcessDeps, 'channel' | 'mapping' | 'observer'>): Evaluated {
  let stage: StageName = 'parse';
  const observer = deps.observer;
  let t = observer ? performance.now() : 0;
  /** Reports the stage just finished and starts timing the next. */
  const lap = (done: StageName) => {
    if (!observer) return;
    const now = performance.now();
    observer.stage(done, (now - t) / 1000);
    t = now;
  };
  try {
    const channel = deps.channel(item.channel);
    if (!channel) throw new EngineError('INTERNAL', `channel ${item.channel} is not loaded`);
    const msg = parseStage(item.content);
    lap('parse');
    stage = 'filter';
    const route = filterStage(msg, channel);
    lap('filter');
    if (route.kind === 'skip') return { kind: 'filtered', reason: route.reason };
    stage = 'map';
    const records = mapStage(msg, deps.mapping(route.mapping), route.mapping, {
      channel: item.channel,
      sender: item.sender,
      controlId: item.controlId,
      messageId: item.id,
    });
    lap('map');
    return { kind: 'mapped', records };
  } catch (err) {
    lap(stage); // a failed stage is timed too
    return { kind: 'failed', error: asEngineError(err), stage };
  }
}

/** Times one store call for the observer. */
async function timed<T>(observer: PipelineObserver | undefined, stage: PipelineStage, call: () => Promise<T>): Promise<T> {
  if (!observer) return call();
  const start = performance.now();
  try {
    return await call();
  } finally {
    observer.stage(stage, (performance.now() - start) / 1000);
  }
}

/** `claim`: how the batch's messages are claimed (ClaimOptions: `unmarked` only for work not tried before). */
export async function processBatch(ids: readonly string[], deps: ProcessDeps, claim: ClaimOptions = {}): Promise<Map<string, Outcome>> {
  const ordered = [...new Set(ids)].sort((a, b) => Number(a) - Number(b));
  const claims = await timed(deps.observer, 'claim', () => deps.store.claimMany(ordered, claim));
  const outcomes = new Map<string, Outcome>();
  const heldPatients = new Set<string>();
  const plain: Completion[] = [];
  const individual: Array<{ item: WorkItem; records: MappedRecords }> = [];
  const failures: Array<{ item: WorkItem; error: EngineError; stage: StageName }> = [];
  const released: string[] = [];

  for (const id of ordered) {
    await BATCH_WORK.pace();
    const claim = claims.get(id) ?? { kind: 'final' as const };
    if (claim.kind === 'final') {
      outcomes.set(id, { kind: 'skipped' });
      continue;
    }
    if (claim.kind === 'wait') {
      if (claim.patientKey) heldPatients.add(claim.patientKey);
      outcomes.set(id, { kind: 'wait', delayMs: ORDER_WAIT_MS });
      continue;
    }
    const { item } = claim;
    if (item.patientKey && heldPatients.has(item.patientKey)) {
      released.push(id);
      outcomes.set(id, { kind: 'wait', delayMs: ORDER_WAIT_MS });
      continue;
    }
    const allowed = deps.channel(item.channel)?.pipeline.attempts ?? 1;
    if (item.attempts > allowed + GIVE_UP_MARGIN) {
      // Claimed again and again without finishing (crashes, store trouble on this message): stop the loop.
      failures.push({
        item,
        error: new EngineError('ATTEMPTS_EXHAUSTED', `claimed ${item.attempts} times without finishing`),
        stage: 'parse',
      });
      continue;
    }
    const result = evaluate(item, deps);
    if (result.kind === 'filtered') {
      plain.push({ id, status: 'filtered', reason: result.reason, content: item.content });
      outcomes.set(id, { kind: 'filtered', reason: result.reason });
    } else if (result.kind === 'failed') {
      failures.push({ item, error: result.error, stage: result.stage });
      // A retry keeps the message open: later messages of its patient in this batch must wait for it.
      if (result.error.retryable && item.patientKey) heldPatients.add(item.patientKey);
    } else if (result.records.charges.every((c) => c.kind === 'charge') && !result.records.merges?.length) {
      plain.push({ id, status: 'processed', records: result.records, content: item.content });
      outcomes.set(id, { kind: 'processed', charges: result.records.charges.length });
    } else {
      individual.push({ item, records: result.records });
      // Reversals and patient merges are written after the plain batch; later messages of the patient wait for them.
      if (item.patientKey) heldPatients.add(item.patientKey);
    }
  }

  if (released.length > 0) await deps.store.releaseClaims(released);
  failures.push(...(await completePlain(plain, claims, deps)));
  for (const { item, records } of individual) {
    try {
      await timed(deps.observer, 'write', () => deps.store.completeWithRecords(item.id, records, item.content));
      outcomes.set(item.id, { kind: 'processed', charges: records.charges.length });
    } catch (err) {
      const error = asEngineError(err);
      if (error.code === 'INTERNAL') throw err; // store trouble: the whole job is retried
      failures.push({ item, error, stage: 'write' });
    }
  }
  for (const { item, error, stage } of failures) outcomes.set(item.id, await fail(item, error, stage, deps));
  if (deps.observer) reportOutcomes(deps.observer, outcomes, claims);
  return outcomes;
}

function reportOutcomes(observer: PipelineObserver, outcomes: Map<string, Outcome>, claims: Map<string, ClaimResult>): void {
  for (const [id, outcome] of outcomes) {
    const claim = claims.get(id);
    if (claim?.kind !== 'claimed' || outcome.kind === 'wait' || outcome.kind === 'skipped') continue;
    observer.outcome(claim.item.channel, outcome.kind);
  }
}

/**
 * Finishes the plain completions in one call; when the store refuses a value, finishes them one by one so
 * only the offending message fails (non-retryable: it becomes a dead letter).
 */
async function completePlain(plain: Completion[], claims: Map<string, ClaimResult>, deps: ProcessDeps) {
  const failed: Array<{ item: WorkItem; error: EngineError; stage: StageName }> = [];
  if (plain.length === 0) return failed;
  try {
    await timed(deps.observer, 'write', () => deps.store.completeMany(plain));
    return failed;
  } catch (err) {
    if (!(err instanceof EngineError) || err.code !== 'VALUE_REJECTED_BY_STORE') throw err;
    if (plain.length === 1) {
      const claim = claims.get(plain[0]!.id);
      if (claim?.kind === 'claimed') failed.push({ item: claim.item, error: err, stage: 'write' });
      return failed;
    }
  }
  for (const one of plain) failed.push(...(await completePlain([one], claims, deps)));
  return failed;
}

async function fail(item: WorkItem, error: EngineError, stage: StageName, deps: ProcessDeps): Promise<Outcome> {
  const channel = deps.channel(item.channel);
  const failure = { code: error.code, text: error.message, stage };
  const attempts = channel?.pipeline.attempts ?? 1;
  if (error.retryable && item.attempts < attempts) {
    const delayMs = (channel?.pipeline.backoffMs ?? 1000) * 2 ** (item.attempts - 1);
    await deps.store.noteRetry(item.id, failure, delayMs);
    return { kind: 'retry', delayMs, error, stage };
  }
  await deps.store.deadLetter(item.id, failure, item.content);
  return { kind: 'dead-letter', error, stage };
}
