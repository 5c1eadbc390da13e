/**
 * Changing live mappings without a restart: the logic behind the mappings API, reaching the store, the other
 * engine processes and the messages through ports (main.ts wires them to Postgres and Redis).
 *
 * Save (`save`): the text is validated exactly like a mapping file at start (a ConfigError with line:col, and
 * nothing changes). Then, in one store transaction: the text that was live is recorded first when the newest
 * stored version is not it (so the version that ran is never lost), the new text becomes the next version,
 * and the mapping file is replaced atomically before the commit (restored when the commit fails). After the
 * commit the new plan is swapped in here and a notice goes to every engine process.
 *
 * Hot reload contract: the pipeline fetches a plan once per message (a batch is evaluated in one go), so a
 * message being evaluated finishes with the plan it started with; the next one evaluated in this process after
 * the save answers uses the new plan. Other processes swap when the notice arrives. The notice says only "mapping
 * M has version N" — never the text: Redis is a work queue, not a trust boundary, and whoever can publish on it
 * must not be able to install a mapping. A process that hears of a version newer than its own reads the newest
 * version from the store (where the audited API wrote it) and installs that; a forged notice makes it read the
 * store and change nothing. The swap normally happens within milliseconds, one store read after the notice,
 * before any message sent after the save's answer reaches them. A process also writes the text to its own mapping
 * file when that differs, so processes with separate mapping directories agree after a restart. Notices lost
 * while Redis was unreachable are caught up from the store when the subscription is ready again (`catchUp`).
 *
 * At start the FILES are the source (they ship and diff in git): `start()` only records which stored version
 * each process has seen, and warns when a file differs from the newest stored version of its mapping.
 *
 * Preview (`preview`): runs the live plan and a candidate on a given message or on the newest stored messages
 * routed to the mapping and lists the differences. It writes nothing. Its answer holds patient data.
 */
import path from 'node:path';
import { ConfigError } from '../core/config-file';
import { EngineError } from '../core/errors';
import type { Logger } from '../core/logger';
import type { MappingPlan } from './compile';
import type { MappingOutcome, RecordChange } from './diff';
import { MAPPING_NAME, mappingSha256, type MappingRegistry } from './load';
import { runSavedTests, testFilesOf, updatedTestText, type MappingTestRun } from './save-check';
import { previewMessages, type PreviewJob, type PreviewSource } from './preview';

/** What a save tells every engine process (JSON on the notice channel): which version exists, never its text. */

/** A test file a save with `tests: 'update'` rewrote, and the cases whose expected values it changed. */
export interface TestsUpdated {
  file: string;
  cases: string[];
}

/** A save refused because cases of the mapping's own test files fail against the new text (422 MAPPING_TESTS_FAILED). */
export class MappingTestsFailed extends EngineError {
  constructor(
    readonly mapping: string,
    readonly run: MappingTestRun,
  ) {
    const n = run.failures.length;
    super(
      'MAPPING_TESTS_FAILED',
      `${n} ${n === 1 ? 'case' : 'cases'} of ${run.files.join(', ')} fail with this version of ${mapping}: not saved`,
    );
    this.name = 'MappingTestsFailed';
  }
}

export interface MappingChangeNotice {
  name: string;
  version: number;
}

export interface MappingVersionSummary {
  version: number;
  sha256: string;
  actor: string | null;
  createdAt: Date;
}

/** The store of saved versions (src/store/mapping-versions.ts). */
export interface MappingVersionsPort {
  list(name: string): Promise<MappingVersionSummary[]>;
  latest(name: string): Promise<(MappingVersionSummary & { content: string }) | undefined>;
  latestNumbers(): Promise<Map<string, { version: number; sha256: string }>>;
  /** For each mapping, the newest version holding the given text. */
  versionsOfTexts(texts: ReadonlyArray<{ mapping: string; sha256: string }>): Promise<Map<string, number>>;
  save(
    input: { mapping: string; content: string; sha256: string; actor: string; baseline?: { content: string; sha256: string } },
    beforeCommit: () => void | Promise<void>,
  ): Promise<{ version: number; created: boolean }>;
}

/** A stored message a preview re-runs. */
export interface StoredMessage {
  id: string;
  channel: string;
  sender: string;
  controlId: string;
  content: string;
}

export interface MappingEditorPorts {
  registry: MappingRegistry;
  versions: MappingVersionsPort;
  /** The newest `limit` stored messages of the channels and types routed to mapping `name`, newest first. */
  recentMessages(name: string, limit: number): Promise<StoredMessage[]>;
  /** Names of the channels that route some message type to mapping `name`. */
  channelsRouting(name: string): string[];
  /** Sends a notice to every engine process (this one included). */
  publish(notice: MappingChangeNotice): Promise<void>;
  logger: Logger;
  /** How long a save waits for the notice to be sent before answering anyway (default 2000 ms). */
  publishTimeoutMs?: number;
  /**
   * Runs a preview's work away from the event loop (the engine: a worker thread with a time budget,
   * preview-runner.ts). Absent: it runs here, on the event loop.
   */
  runPreview?(job: PreviewJob): Promise<PreviewResult>;
}

export interface MappingSummary {
  name: string;
  description: string;
  /** The stored version holding the live text; null when the file was changed outside the API since. */
  version: number | null;
  sha256: string;
  file: string;
}

export interface MappingDetail {
  name: string;
  content: string;
  version: number | null;
  versions: MappingVersionSummary[];
}

export interface PreviewRequest {
  /** The candidate text; omitted: the live mapping is the candidate. */
  content?: string;
  /** One HL7 message to run; omitted: the newest `lastMessages` stored messages routed to the mapping. */
  raw?: string;
  lastMessages?: number;
}

export interface PreviewMessage {
  /** The stored message's id; null for a message given in the request. */
  messageId: string | null;
  controlId: string;
  live: MappingOutcome;
  candidate: MappingOutcome;
  diff: RecordChange[];
}

export interface PreviewResult {
  mapping: string;
  /** The candidate's SHA-256 (the live text's when no content was given). */
  sha256: string | null;
  /** How many of the messages the candidate maps differently. */
  changed: number;
  messages: PreviewMessage[];
}

export const PREVIEW_DEFAULT_MESSAGES = 50;
export const PREVIEW_MAX_MESSAGES = 200;

export function assertMappingName(name: string): void {
  if (!MAPPING_NAME.test(name) || name.length > 100) {
    throw new EngineError('BAD_REQUEST', 'a mapping name is lower-case letters, digits and dashes');
  }
}

export class MappingEditor {
  /** The newest stored version this process has seen per mapping: notices at or below it are old news. */
  private readonly known = new Map<string, number>();
  /** Saves and file writes of this process, one at a time. */
  private serial: Promise<unknown> = Promise.resolve();

  constructor(private readonly ports: MappingEditorPorts) {}

  /** Records the stored versions as seen (the files stay the source) and warns where a file differs. */
  async start(): Promise<void> {
    const latest = await this.ports.versions.latestNumbers();
    for (const [name, v] of latest) {
      this.known.set(name, v.version);
      const live = this.ports.registry.entry(name);
      if (live && live.sha256 !== v.sha256) {
        this.ports.logger.warn('mapping file differs from its newest saved version; the file is used', {
          mapping: name,
          version: v.version,
        });
      }
    }
  }

  async list(): Promise<MappingSummary[]> {
    const entries = this.ports.registry.entries();
    const versions = await this.ports.versions.versionsOfTexts(entries.map((e) => ({ mapping: e.name, sha256: e.sha256 })));
    return entries.map((e) => ({
      name: e.name,
      description: e.plan.description,
      version: versions.get(e.name) ?? null,
      sha256: e.sha256,
      file: e.file,
    }));
  }

  async get(name: string): Promise<MappingDetail> {
    assertMappingName(name);
    const live = this.ports.registry.entry(name);
    if (!live) throw new EngineError('NOT_FOUND', `no mapping ${name}`);
    const versions = await this.ports.versions.list(name);
    const current = versions.filter((v) => v.sha256 === live.sha256).pop();
    return { name, content: live.text, version: current?.version ?? null, versions };
  }

  /**
   * Validates (ConfigError), runs the mapping's own test files against the new text, records, writes the file, swaps
   * the live plan and tells the other processes.
   *
   * `tests`: `check` (the default) refuses the save with MappingTestsFailed when a case fails (nothing changes);
   * `update` saves and then rewrites the failing cases' expected values to what the new text gives (each test file
   * written atomically; a case that cannot be rewritten refuses the save with CONFLICT before anything is written);
   * `skip` runs none (a rollback to a version that was live before).
   */
  async save(
    name: string,
    content: string,
    actor: string,
    opts: { tests?: 'check' | 'update' | 'skip' } = {},
  ): Promise<{ name: string; version: number; sha256: string; testsUpdated?: TestsUpdated[] }> {
    assertMappingName(name);
    const plan = this.ports.registry.compileSubmitted(name, content);
    const sha256 = mappingSha256(content);
    const mode = opts.tests ?? 'check';
    const { file: mappingFile, env } = this.ports.registry.compileSettings(name);
    const testFiles = mode === 'skip' ? [] : testFilesOf(path.dirname(mappingFile), name, env);
    const run = runSavedTests(plan, testFiles);
    if (run.failures.length > 0 && mode === 'check') throw new MappingTestsFailed(name, run);
    // Computed before anything is written: a case that cannot be rewritten refuses the whole save.
    const rewrites = testFiles.flatMap((f) => {
      const failures = run.failures.filter((x) => x.file === path.basename(f.file));
      return failures.length === 0 ? [] : [{ file: f.file, text: updatedTestText(f, failures, env), cases: failures.map((x) => x.case) }];
    });
    const saved = await this.saveChecked(name, content, actor, plan, sha256);
    if (rewrites.length === 0) return saved;
    for (const r of rewrites) this.ports.registry.writeTestFile(r.file, r.text);
    this.ports.logger.info('mapping test file updated', { mapping: name, count: rewrites.reduce((n, r) => n + r.cases.length, 0) });
    return { ...saved, testsUpdated: rewrites.map((r) => ({ file: path.basename(r.file), cases: r.cases })) };
  }

  private saveChecked(name: string, content: string, actor: string, plan: MappingPlan, sha256: string) {
    return this.inTurn(async () => {
      const { registry, logger } = this.ports;
      const live = registry.entry(name);
      let previousFile: string | undefined;
      let wrote = false;
      let saved: { version: number; created: boolean };
      try {
        saved = await this.ports.versions.save(
          { mapping: name, content, sha256, actor, baseline: live && { content: live.text, sha256: live.sha256 } },
          () => {
            previousFile = registry.readFile(name);
            if (previousFile !== content) {
              registry.writeFile(name, content);
              wrote = true;
            }
          },
        );
      } catch (err) {
        if (wrote) this.restoreFile(name, previousFile);
        // The folder's name and the cause only (never the mapping's text): the operator's first clue.
        if (err instanceof EngineError && err.code === 'DIRECTORY_NOT_WRITABLE')
          logger.error('mapping not saved', { mapping: name, reason: err.message });
        throw err;
      }
      if (live?.sha256 !== sha256) registry.install(name, plan, content);
      this.known.set(name, Math.max(this.known.get(name) ?? 0, saved.version));
      logger.info('mapping saved', { mapping: name, version: saved.version });
      await this.announce({ name, version: saved.version });
      return { name, version: saved.version, sha256 };
    });
  }

  /**
   * Handles a notice from the channel (any process, this one included): when it names a version newer than the
   * one seen here, the newest stored version of that mapping is read from the store and installed. The notice's
   * own fields decide nothing else, so a forged one costs a store read. A text that does not load here (say an
   * environment variable this process lacks) is logged and the previous plan stays live. Never rejects.
   */
  async applyNotice(text: string): Promise<void> {
    let notice: MappingChangeNotice;
    try {
      notice = JSON.parse(text) as MappingChangeNotice;
      if (typeof notice.name !== 'string' || !MAPPING_NAME.test(notice.name) || !Number.isInteger(notice.version)) {
        throw new Error('bad notice');
      }
    } catch {
      this.ports.logger.warn('ignored a malformed mapping notice');
      return;
    }
    if ((this.known.get(notice.name) ?? 0) >= notice.version) return;
    try {
      const row = await this.ports.versions.latest(notice.name);
      if (row && (this.known.get(notice.name) ?? 0) < row.version) this.applyVersion(notice.name, row.version, row.content);
    } catch (err) {
      this.ports.logger.warn('could not read a changed mapping from the store; the next catch-up applies it', {
        mapping: notice.name,
        error: (err as Error).message,
      });
    }
  }

  /** Applies stored versions newer than the ones seen (notices missed while Redis was unreachable). */
  async catchUp(): Promise<void> {
    const latest = await this.ports.versions.latestNumbers();
    for (const [name, v] of latest) {
      if ((this.known.get(name) ?? 0) >= v.version) continue;
      const row = await this.ports.versions.latest(name);
      if (row && (this.known.get(name) ?? 0) < row.version) this.applyVersion(name, row.version, row.content);
    }
  }

  /**
   * Re-runs messages through the live mapping and a candidate (ConfigError when the candidate is invalid). With a
   * `runPreview` port the compiling, parsing and mapping run there (off the event loop); only the stored
   * messages are read here.
   */
  async preview(name: string, req: PreviewRequest): Promise<PreviewResult> {
    assertMappingName(name);
    const { registry, runPreview } = this.ports;
    const source = async (): Promise<PreviewSource> =>
      req.raw !== undefined
        ? { raw: req.raw, channel: this.ports.channelsRouting(name)[0] ?? 'preview' }
        : { stored: await this.ports.recentMessages(name, Math.min(req.lastMessages ?? PREVIEW_DEFAULT_MESSAGES, PREVIEW_MAX_MESSAGES)) };
    if (runPreview) {
      const live = registry.entry(name);
      if (!live && req.content === undefined) throw new EngineError('NOT_FOUND', `no mapping ${name}; send content to preview a new one`);
      const sha256 = req.content !== undefined ? mappingSha256(req.content) : (live?.sha256 ?? null);
      return runPreview({
        name,
        ...registry.compileSettings(name),
        liveText: live?.text ?? null,
        candidateText: req.content ?? null,
        sha256,
        source: await source(),
      });
    }
    const livePlan = registry.get(name);
    const candidatePlan = req.content !== undefined ? registry.compileSubmitted(name, req.content) : livePlan;
    if (!candidatePlan) throw new EngineError('NOT_FOUND', `no mapping ${name}; send content to preview a new one`);
    const sha256 = req.content !== undefined ? mappingSha256(req.content) : (registry.entry(name)?.sha256 ?? null);
    return previewMessages(name, livePlan, candidatePlan, sha256, await source());
  }

  private applyVersion(name: string, version: number, content: string): void {
    const { registry, logger } = this.ports;
    this.known.set(name, version);
    const sha256 = mappingSha256(content);
    if (registry.entry(name)?.sha256 !== sha256) {
      let plan: MappingPlan;
      try {
        plan = registry.compile(name, content);
      } catch (err) {
        const issue = err instanceof ConfigError ? err.issues[0] : undefined;
        logger.error('saved mapping version does not load in this process; the previous one stays live', {
          mapping: name,
          version,
          reason: issue ? `${issue.line}:${issue.col}: ${issue.reason}` : (err as Error).message,
        });
        return;
      }
      registry.install(name, plan, content);
      logger.info('mapping reloaded', { mapping: name, version });
    }
    // The file follows, after any save of this process in flight, unless a newer text is live by then.
    void this.inTurn(async () => {
      if (registry.entry(name)?.sha256 !== sha256 || registry.readFile(name) === content) return;
      registry.writeFile(name, content);
    }).catch((err) => logger.warn('could not write the mapping file', { mapping: name, error: (err as Error).name }));
  }

  private restoreFile(name: string, previous: string | undefined): void {
    try {
      this.ports.registry.writeFile(name, previous);
    } catch (err) {
      this.ports.logger.error('could not restore the mapping file after a failed save', { mapping: name, error: (err as Error).name });
    }
  }

  private async announce(notice: MappingChangeNotice): Promise<void> {
    const timeoutMs = this.ports.publishTimeoutMs ?? 2000;
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        this.ports.publish(notice),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error('timeout')), timeoutMs);
        }),
      ]);
    } catch (err) {
      // Saved and live here; other processes catch up from the store when their subscription is ready again.
      this.ports.logger.warn('could not notify other engine processes of a mapping change', {
        mapping: notice.name,
        error: (err as Error).message,
      });
    } finally {
      clearTimeout(timer);
    }
  }

  private inTurn<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.serial.then(fn, fn);
    this.serial = run.catch(() => undefined);
    return run;
  }
}
