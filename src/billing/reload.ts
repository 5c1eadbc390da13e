/**
 * billing.yaml without a restart (docs/billing.md "Reloading billing.yaml"): the file is read at start, again when
 * it changes on disk (a poll of its size and time), on `POST /api/billing/reload`, and on a notice from another
 * engine process of the same deployment (src/engine/notices.ts). Intake never stops: only the claims operations
 * read billing, and each one reads the configuration in force when it starts.
 *
 * Contract:
 * - openBillingConfig is the one reading of the file at start: the engine, `rxbridge doctor` and
 *   `rxbridge channels check` all call it, so a file those checks pass cannot stop the engine at start.
 * - A reload that validates puts the new configuration in force (`apply`) and answers which payers it added and
 *   removed. One that does not validate changes nothing and answers every issue with its file, line and the full key
 *   (`key "payers.SYNX01.filingIndicator" must be …`); the issues are logged too (positions, keys and reasons: the
 *   file holds no patient data). A file deleted since the start leaves billing unconfigured, as at start.
 * - Reloads run one at a time; after close() the watch stops and a reload is refused.
 */
import fs from 'node:fs';
import { ConfigError, formatIssue, keyPathAt, type ConfigIssue } from '../core/config-file';
import type { Logger } from '../core/logger';
import { loadBillingConfig, type BillingConfig } from './config';

/** billing.yaml as the engine found it at start: a configuration, or why billing is unconfigured. */
export type BillingAtStart = { config: BillingConfig } | { config: undefined; missing: string };

/**
 * Reads billing.yaml as the engine does at start. A missing file leaves billing unconfigured; an invalid one throws
 * ConfigError (CONFIG_INVALID) listing every issue: the engine does not start on it.
 */
export function openBillingConfig(file: string, env: Record<string, string | undefined>, dataDir: string): BillingAtStart {
  if (!fs.existsSync(file)) return { config: undefined, missing: `${file} not found` };
  return { config: loadBillingConfig(file, env, dataDir) };
}

/** One problem of a billing file, with the full key it is about when the position names one. */
export interface BillingIssue extends ConfigIssue {
  /** Dotted key path, e.g. `payers.SYNX01.filingIndicator`; absent for a whole-file or YAML syntax issue. */
  key?: string;
  /** `file:line:col: key "…" must be …`: the whole issue in one line. */
  text: string;
}

export type BillingReloadResult =
  | { ok: true; file: string; configured: boolean; payers: string[]; added: string[]; removed: string[] }
  | { ok: false; file: string; issues: BillingIssue[] };

export interface BillingReloaderDeps {
  file: string;
  env: Record<string, string | undefined>;
  dataDir: string;
  /** The configuration in force now (the claims service's). */
  current(): BillingConfig | undefined;
  /** Puts a validated configuration in force; undefined = the file is gone (billing unconfigured, `missing` why). */
  apply(config: BillingConfig | undefined, missing?: string): void;
  logger: Logger;
}

export class BillingReloader {
  private chain: Promise<unknown> = Promise.resolve();
  private closed = false;
  private watching?: { stop(): void };

  constructor(private readonly deps: BillingReloaderDeps) {}

  /** Re-reads billing.yaml and applies it when it validates; `trigger` (`api`, `file`, `notice`, …) is logged. */
  reload(trigger: string): Promise<BillingReloadResult> {
    const run = this.chain.then(() => {
      if (this.closed) throw new Error('the engine is stopping: billing.yaml is not reloaded');
      return this.apply(trigger);
    });
    this.chain = run.catch(() => undefined);
    return run;
  }

  /**
   * Reloads when the file changes on disk (checked every `intervalMs`, so an editor's save and an atomic rename both
   * count); `onReloaded` hears each applied reload (to tell the other engine processes). 0: no watch.
   */
  watch(intervalMs: number, onReloaded?: (result: BillingReloadResult) => void): void {
    if (intervalMs <= 0 || this.watching) return;
    const { file, logger: log } = this.deps;
    const listener = (now: fs.Stats, before: fs.Stats) => {
      if (now.mtimeMs === before.mtimeMs && now.size === before.size && now.ino === before.ino) return;
      this.reload('file')
        .then((result) => onReloaded?.(result))
        .catch((err: unknown) => log.warn('billing.yaml reload on a file change failed', { error: (err as Error).message }));
    };
    fs.watchFile(file, { interval: intervalMs, persistent: false }, listener);
    this.watching = { stop: () => fs.unwatchFile(file, listener) };
  }

  /** Stops the watch, refuses later reloads and waits for the one in progress. */
  async close(): Promise<void> {
    this.closed = true;
    this.watching?.stop();
    await this.chain;
  }

  private apply(trigger: string): BillingReloadResult {
    const { file, env, dataDir, logger: log } = this.deps;
    const before = this.deps.current();
    let next: BillingAtStart;
    try {
      next = openBillingConfig(file, env, dataDir);
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      const issues = billingIssues(err.issues);
      log.warn('billing.yaml reload refused: the file is invalid; the billing configuration in force stays', {
        reason: trigger,
        count: issues.length,
      });
      for (const issue of issues) log.warn('billing file issue', { file: `${issue.file}:${issue.line}:${issue.col}`, reason: issue.text });
      return { ok: false, file, issues };
    }
    this.deps.apply(next.config, next.config ? undefined : next.missing);
    const was = new Set(before?.payers.keys() ?? []);
    const payers = [...(next.config?.payers.keys() ?? [])];
    const added = payers.filter((p) => !was.has(p));
    const removed = [...was].filter((p) => !payers.includes(p));
    if (next.config)
      log.info('billing.yaml reloaded', {
        reason: trigger,
        count: payers.length,
        payersAdded: added.join(' '),
        payersRemoved: removed.join(' '),
      });
    else log.warn('billing.yaml reloaded: the file is gone, billing is not configured', { reason: trigger, file });
    return { ok: true, file, configured: next.config !== undefined, payers, added, removed };
  }
}

/** ConfigIssues of a billing file, each with the full key at its position (read from the file as it is now). */
export function billingIssues(issues: readonly ConfigIssue[]): BillingIssue[] {
  const texts = new Map<string, string | undefined>();
  const textOf = (file: string) => {
    if (!texts.has(file)) texts.set(file, readOrUndefined(file));
    return texts.get(file);
  };
  return issues.map((issue) => {
    const text = issue.line > 0 ? textOf(issue.file) : undefined;
    const at = text === undefined || issue.reason.startsWith('invalid YAML') ? undefined : keyPathAt(text, issue.line, issue.col);
    const key = at === undefined ? undefined : keyOfIssue(at, issue.reason);
    return { ...issue, ...(key ? { key } : {}), text: formatIssue({ ...issue, reason: withKey(issue.reason, key) }) };
  });
}

/**
 * The key an issue is about, from the key at its position: an issue about a key that is missing (`missing required
 * key "id"`, or `filingIndicator must be …` with no filingIndicator) points at its parent's first key, so the key is
 * that parent's path plus the missing key's name.
 */
function keyOfIssue(at: string, reason: string): string {
  const parent = at.includes('.') ? at.slice(0, at.lastIndexOf('.')) : '';
  const join = (k: string) => (parent ? `${parent}.${k}` : k);
  const missing = /^missing required key "([^"]+)"/.exec(reason);
  if (missing) return join(missing[1]!);
  const label = /^([A-Za-z][\w-]*(?:\[\d+\])?) must /.exec(reason)?.[1];
  const last = at.slice(at.lastIndexOf('.') + 1);
  return label !== undefined && label !== last && label.replace(/\[\d+\]$/, '') !== last ? join(label) : at;
}

/** `filingIndicator must be …` at `payers.X.filingIndicator` → `key "payers.X.filingIndicator" must be …`. */
function withKey(reason: string, key: string | undefined): string {
  if (!key) return reason;
  const keyed = /^key "[^"]*" (.*)$/s.exec(reason); // the schema's own `key "X" must be …`: say the full key instead
  if (keyed) return `key "${key}" ${keyed[1]}`;
  const last = key.slice(Math.max(key.lastIndexOf('.'), 0)).replace(/^\./, '');
  const bare = last.replace(/\[\d+\]$/, '');
  for (const label of [last, bare]) if (reason.startsWith(`${label} `)) return `key "${key}" ${reason.slice(label.length + 1)}`;
  return `key "${key}": ${reason}`;
}

function readOrUndefined(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}
