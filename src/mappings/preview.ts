/**
 * The work of a mapping preview, pure: the live plan and a candidate run on the same messages, each message's
 * outcomes and their differences. MappingEditor runs it on the event loop when it has no runner (unit tests), and
 * the engine runs it in a worker thread (preview-runner.ts) from a PreviewJob: plain data that crosses a thread,
 * so the worker compiles both texts itself, exactly as the registry does (the live text with the registry's
 * environment, the candidate as submitted text with none).
 */
import { ConfigError } from '../core/config-file';
import { asEngineError, EngineError } from '../core/errors';
import { parseHl7, type Hl7Message } from '../hl7/parse';
import type { MappingPlan } from './compile';
import { diffOutcomes, type MappingOutcome } from './diff';
import type { PreviewMessage, PreviewResult, StoredMessage } from './editor';
import { evaluateMapping, type MappingContext } from './evaluate';
import { compileMappingText, compileSubmittedText } from './load';

/** The messages a preview runs: one given in the request (with the channel it is mapped for), or stored ones. */
export type PreviewSource = { raw: string; channel: string } | { stored: readonly StoredMessage[] };

/** Everything a preview needs, as plain data (structured-cloneable) for a worker thread. */
export interface PreviewJob {
  name: string;
  /** The mapping's file (issues name it) and the registry's environment (for the live text). */
  file: string;
  env: Record<string, string | undefined>;
  /** The live mapping's text; null when there is none (a new mapping previewed with content). */
  liveText: string | null;
  /** The candidate text; null: the live mapping is the candidate. */
  candidateText: string | null;
  sha256: string | null;
  source: PreviewSource;
}

function outcome(plan: MappingPlan | undefined, name: string, msg: Hl7Message, ctx: MappingContext): MappingOutcome {
  if (!plan) return { error: { code: 'MAPPING_NOT_FOUND', message: `mapping ${name} is not loaded` } };
  try {
    return { records: evaluateMapping(plan, msg, ctx) };
  } catch (err) {
    const e = asEngineError(err);
    return { error: { code: e.code, message: e.message } };
  }
}

/** Runs both plans on the source's messages. Throws BAD_REQUEST when a given message does not parse. */
export function previewMessages(
  name: string,
  livePlan: MappingPlan | undefined,
  candidatePlan: MappingPlan,
  sha256: string | null,
  source: PreviewSource,
): PreviewResult {
  const inputs: Array<{ messageId: string | null; msg: Hl7Message | EngineError; ctx: MappingContext }> = [];
  if ('raw' in source) {
    let msg: Hl7Message;
    try {
      msg = parseHl7(source.raw);
    } catch (err) {
      throw new EngineError('BAD_REQUEST', `raw: ${asEngineError(err).message}`);
    }
    const sender = `${msg.header.sendingApplication}|${msg.header.sendingFacility}`;
    inputs.push({ messageId: null, msg, ctx: { channel: source.channel, sender, controlId: msg.header.controlId } });
  } else {
    for (const m of source.stored) {
      let msg: Hl7Message | EngineError;
      try {
        msg = parseHl7(m.content);
      } catch (err) {
        msg = asEngineError(err);
      }
      // The same context the pipeline gives, so source keys come out as they were stored.
      inputs.push({ messageId: m.id, msg, ctx: { channel: m.channel, sender: m.sender, controlId: m.controlId, messageId: m.id } });
    }
  }

  const messages = inputs.map(({ messageId, msg, ctx }): PreviewMessage => {
    const run = (plan: MappingPlan | undefined): MappingOutcome =>
      msg instanceof EngineError ? { error: { code: msg.code, message: msg.message } } : outcome(plan, name, msg, ctx);
    const live = run(livePlan);
    const candidate = run(candidatePlan);
    return { messageId, controlId: ctx.controlId, live, candidate, diff: diffOutcomes(live, candidate) };
  });
  return { mapping: name, sha256, changed: messages.filter((m) => m.diff.length > 0).length, messages };
}

/**
 * A whole preview from a job: compiles the candidate (ConfigError when invalid) and the live text, then runs
 * previewMessages. A live text that no longer compiles (it did when it went live) previews as not loaded.
 */
export function runPreviewJob(job: PreviewJob): PreviewResult {
  const candidate = job.candidateText !== null ? compileSubmittedText(job.name, job.candidateText, job.file) : undefined;
  let live: MappingPlan | undefined;
  if (job.liveText !== null) {
    try {
      live = compileMappingText(job.liveText, job.name, job.file, job.env);
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
    }
  }
  const plan = candidate ?? live;
  if (!plan) throw new EngineError('NOT_FOUND', `no mapping ${job.name}; send content to preview a new one`);
  return previewMessages(job.name, live, plan, job.sha256, job.source);
}
