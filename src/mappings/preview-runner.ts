/**
 * Mapping previews off the event loop: each preview runs in a worker thread of its own (preview-worker.ts) with a
 * time budget. A preview does admin-written work on up to a megabyte of message (or 200 stored messages) with up
 * to 256 KiB of mapping; on the event loop that could stall every MLLP sender and API caller for seconds.
 *
 * Contract:
 * - The answer is the worker's result parsed from JSON (what the API sends anyway), or the error it reported:
 *   ConfigError with the same issues, EngineError with the same code and message.
 * - A preview still running `timeoutMs` after its worker took the job is stopped (the worker is terminated, which
 *   interrupts any JavaScript in it) and answered with PREVIEW_TOO_SLOW (422) naming the budget. The budget is the
 *   mapping's work alone: starting the thread (a few hundred ms on a busy machine) does not count, so a budget means
 *   the same on a fast and a slow machine. A worker that does not start within WORKER_START_MS, or dies (out of
 *   memory: its heap is capped), is answered with INTERNAL.
 * - At most MAX_PREVIEWS_AT_ONCE workers run at once; later previews wait their turn (first come, first served), and
 *   their time budget starts when they run.
 * - Nothing of the job or the result is logged (patient data).
 */
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { ConfigError } from '../core/config-file';
import { EngineError } from '../core/errors';
import type { PreviewResult } from './editor';
import type { PreviewJob } from './preview';
import type { PreviewReply } from './preview-worker';

/** How long a preview may run by default (RXBRIDGE_PREVIEW_TIMEOUT_MS). */
export const PREVIEW_TIMEOUT_MS = 10_000;
/** The worker's heap cap: a preview holds a few copies of at most a few MiB of input. */
const PREVIEW_HEAP_MB = 256;
/** How long a worker thread may take to start and take its job. */
const WORKER_START_MS = 30_000;
/** Previews running at once in this process: each may use a core and PREVIEW_HEAP_MB of memory. */
export const MAX_PREVIEWS_AT_ONCE = 2;

let running = 0;
const waiting: Array<() => void> = [];

/**
 * Runs `work` when fewer than MAX_PREVIEWS_AT_ONCE previews are running; when it ends its turn passes straight to
 * the first waiting one (so a newcomer cannot slip in between and exceed the limit).
 */
async function inTurn<T>(work: () => Promise<T>): Promise<T> {
  if (running >= MAX_PREVIEWS_AT_ONCE) await new Promise<void>((resolve) => waiting.push(resolve));
  else running++;
  try {
    return await work();
  } finally {
    const next = waiting.shift();
    if (next) next();
    else running--;
  }
}

export interface PreviewRunnerOptions {
  timeoutMs?: number;
}

export function runPreviewInWorker(job: PreviewJob, opts: PreviewRunnerOptions = {}): Promise<PreviewResult> {
  return inTurn(() => runOnce(job, opts.timeoutMs ?? PREVIEW_TIMEOUT_MS));
}

function runOnce(job: PreviewJob, timeoutMs: number): Promise<PreviewResult> {
  return new Promise((resolve, reject) => {
    const worker = startWorker();
    let settled = false;
    const finish = (settle: () => void): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      void worker.terminate();
      settle();
    };
    let timer = setTimeout(() => finish(() => reject(new EngineError('INTERNAL', 'the preview worker did not start'))), WORKER_START_MS);
    worker.on('message', (reply: PreviewReply) => {
      if ('started' in reply) {
        clearTimeout(timer);
        timer = setTimeout(
          () =>
            finish(() =>
              reject(
                new EngineError(
                  'PREVIEW_TOO_SLOW',
                  `the preview did not finish within ${timeoutMs / 1000} s and was stopped: preview fewer or smaller messages, or simplify the mapping`,
                ),
              ),
            ),
          timeoutMs,
        );
        return;
      }
      answer(reply);
    });
    const answer = (reply: Exclude<PreviewReply, { started: true }>): void =>
      finish(() => {
        if (reply.ok) resolve(JSON.parse(reply.json) as PreviewResult);
        else if (reply.kind === 'config') reject(new ConfigError(reply.issues));
        else if (reply.kind === 'engine') reject(new EngineError(reply.code, reply.message));
        else reject(new EngineError('INTERNAL', `the preview failed (${reply.name})`));
      });
    worker.once('error', (err) => finish(() => reject(new EngineError('INTERNAL', `the preview failed (${err.name})`))));
    worker.once('exit', () => finish(() => reject(new EngineError('INTERNAL', 'the preview stopped without an answer'))));
    worker.postMessage(job);
  });
}

/**
 * The compiled worker next to this file; when running from the TypeScript sources (the tests), the same file
 * loaded through a require hook that compiles TypeScript with @swc/core (a development dependency).
 */
function startWorker(): Worker {
  const resourceLimits = { maxOldGenerationSizeMb: PREVIEW_HEAP_MB };
  if (__filename.endsWith('.js')) return new Worker(path.join(__dirname, 'preview-worker.js'), { resourceLimits });
  const entry = path.join(__dirname, 'preview-worker.ts');
  const bootstrap = `
    const fs = require('node:fs');
    const { transformSync } = require('@swc/core');
    require.extensions['.ts'] = (module, filename) => {
      const { code } = transformSync(fs.readFileSync(filename, 'utf8'), {
        filename, module: { type: 'commonjs' }, jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
      });
      module._compile(code, filename);
    };
    require(${JSON.stringify(entry)});`;
  return new Worker(bootstrap, { eval: true, resourceLimits });
}
