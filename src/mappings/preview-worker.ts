/**
 * The worker-thread side of a mapping preview (preview-runner.ts starts it): receives one PreviewJob, runs it
 * (preview.ts) and posts back `started`, then either the result as JSON text (what the API answers: records as JSON shows them)
 * or the error as plain data (ConfigError issues, an EngineError's code and message). Then it is done; the
 * runner terminates it.
 */
import { parentPort } from 'node:worker_threads';
import { ConfigError } from '../core/config-file';
import { EngineError } from '../core/errors';
import { runPreviewJob, type PreviewJob } from './preview';

/** What the worker posts back: `started` when it has the job (the time budget starts then), then the answer. */
export type PreviewReply =
  | { started: true }
  | { ok: true; json: string }
  | { ok: false; kind: 'config'; issues: ConfigError['issues'] }
  | { ok: false; kind: 'engine'; code: EngineError['code']; message: string }
  | { ok: false; kind: 'other'; name: string };

function reply(job: PreviewJob): Exclude<PreviewReply, { started: true }> {
  try {
    return { ok: true, json: JSON.stringify(runPreviewJob(job)) };
  } catch (err) {
    if (err instanceof ConfigError) return { ok: false, kind: 'config', issues: err.issues };
    if (err instanceof EngineError) return { ok: false, kind: 'engine', code: err.code, message: err.message };
    return { ok: false, kind: 'other', name: err instanceof Error ? err.name : typeof err };
  }
}

parentPort?.once('message', (job: PreviewJob) => {
  parentPort?.postMessage({ started: true });
  parentPort?.postMessage(reply(job));
});
