/**
 * One pipeline attempt for one message, against the ports. Decides; never sleeps or retries itself:
 * the queue adapter turns the outcome into "done", "try again later" or "dead letter".
 *
 * Contract:
 * - A message already final is skipped (a late or repeated job is harmless).
 * - A message whose patient has an earlier unfinished message waits (per-patient arrival order, also across
 *   retries, since a retrying message stays unfinished).
 * - A non-retryable failure dead-letters at once; a retryable one is retried until the channel's
 *   `pipeline.attempts` is reached, then dead-letters.
 */
import { asEngineError, type EngineError } from '../core/errors';
import type { ChargeMappingPlan } from '../mappings/compile';
import type { MessageStorePort } from './ports';
import { filterStage, mapStage, parseStage, type RouteTable, type StageName } from './stages';

export interface ChannelRuntime extends RouteTable {
  name: string;
  pipeline: { attempts: number; backoffMs: number };
}

export interface ProcessDeps {
  store: MessageStorePort;
  channel(name: string): ChannelRuntime | undefined;
  mapping(name: string): ChargeMappingPlan | undefined;
}

export type Outcome =
  | { kind: 'skipped' }
  | { kind: 'wait'; delayMs: number }
  | { kind: 'processed'; charges: number; inserted: number }
  | { kind: 'filtered'; reason: string }
  | { kind: 'retry'; delayMs: number; error: EngineError; stage: StageName }
  | { kind: 'dead-letter'; error: EngineError; stage: StageName };

/** Delay before looking again when an earlier message of the same patient is still open. */
export const ORDER_WAIT_MS = 50;

export async function processMessage(id: string, deps: ProcessDeps): Promise<Outcome> {
  const claim = await deps.store.claim(id);
  if (claim.kind === 'final') return { kind: 'skipped' };
  if (claim.kind === 'wait') return { kind: 'wait', delayMs: ORDER_WAIT_MS };
  const { item } = claim;
  const attempt = item.attempts;
  const channel = deps.channel(item.channel);

  let stage: StageName = 'parse';
  try {
    if (!channel) throw asEngineError(new Error(`channel ${item.channel} is not loaded`));
    const msg = parseStage(item.content);
    stage = 'filter';
    const route = filterStage(msg, channel);
    if (route.kind === 'skip') {
      await deps.store.completeFiltered(id, route.reason);
      return { kind: 'filtered', reason: route.reason };
    }
    stage = 'map';
    const charges = mapStage(msg, deps.mapping(route.mapping), route.mapping, {
      channel: item.channel, sender: item.sender, controlId: item.controlId,
    });
    stage = 'write';
    const inserted = await deps.store.completeWithCharges(id, charges);
    return { kind: 'processed', charges: charges.length, inserted };
  } catch (err) {
    const error = asEngineError(err);
    const failure = { code: error.code, text: error.message, stage };
    const attempts = channel?.pipeline.attempts ?? 1;
    if (error.retryable && attempt < attempts) {
      const delayMs = (channel?.pipeline.backoffMs ?? 1000) * 2 ** (attempt - 1);
      await deps.store.noteRetry(id, failure, delayMs);
      return { kind: 'retry', delayMs, error, stage };
    }
    await deps.store.deadLetter(id, failure);
    return { kind: 'dead-letter', error, stage };
  }
}
