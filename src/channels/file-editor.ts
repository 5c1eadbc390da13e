/**
 * Editing a channel's file from the admin API (GET/PUT /api/channels/:name/file): read its text with a version,
 * and save a new text that is checked, written and then applied by the same reload the reload button runs.
 *
 * Save contract (`save`), one save at a time per process:
 * - the file on disk must still have the version (`sha256`) the editor read: otherwise CONFLICT (nothing written);
 * - the new text is checked with the loader the engine uses (loadChannels with this file's text in place of what is
 *   on disk, so schema, name uniqueness, port clashes and mapping files count), plus the mappings the engine has
 *   live; it must keep the channel's name. Any problem: `{ ok: false, issues }`, nothing written;
 * - the file is replaced atomically (temp + rename; DIRECTORY_NOT_WRITABLE when the folder cannot be written), then
 *   `reload()` runs (this process, then a notice to the others). Should that reload still refuse the files (another
 *   file changed on disk in between), the previous text is written back and its issues are answered.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { writeFileAtomically } from '../core/atomic-file';
import { ConfigError, type ConfigIssue } from '../core/config-file';
import { EngineError } from '../core/errors';
import { asUnwritable } from '../core/writable-dir';
import type { ChannelRegistry } from './registry';
import { unloadedMappingIssues, type ChannelReloadResult } from './reloader';
import type { ChannelPlan } from './schema';

export interface ChannelFileText {
  name: string;
  /** The file's name in the channel folder (e.g. `pharmacy-orders.yaml`). */
  file: string;
  text: string;
  /** SHA-256 (hex) of the text: the version a save must name. */
  sha256: string;
}

export type ChannelFileSave =
  { ok: true; sha256: string; reload: ChannelReloadResult & { ok: true } } | { ok: false; issues: ConfigIssue[] };

export interface ChannelFileEditorDeps {
  registry: ChannelRegistry;
  /** Checks the channel directory with `candidate` in place of one file's text (loadChannels); throws ConfigError. */
  check(candidate: { file: string; text: string }): ChannelPlan[];
  /** Whether the engine has mapping `name` live (as the reloader asks). */
  mappingLoaded(name: string): boolean;
  /** The reload the reload button runs: here, then in every other engine process. */
  reload(): Promise<ChannelReloadResult>;
}

export function textSha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

export class ChannelFileEditor {
  private serial: Promise<unknown> = Promise.resolve();

  constructor(private readonly deps: ChannelFileEditorDeps) {}

  /** The channel's file as it is on disk now; NOT_FOUND for a channel that is not configured. */
  read(name: string): ChannelFileText {
    const plan = this.planOf(name);
    const text = readText(plan.file);
    return { name, file: path.basename(plan.file), text, sha256: textSha256(text) };
  }

  save(name: string, text: string, sha256: string): Promise<ChannelFileSave> {
    const run = this.serial.then(() => this.saveNow(name, text, sha256));
    this.serial = run.catch(() => undefined);
    return run;
  }

  private async saveNow(name: string, text: string, sha256: string): Promise<ChannelFileSave> {
    const { file } = this.planOf(name);
    const previous = readText(file);
    if (textSha256(previous) !== sha256) {
      throw new EngineError('CONFLICT', `${path.basename(file)} changed on disk since it was read: reload it and make the change again`);
    }
    const issues = this.problems(name, file, text);
    if (issues.length > 0) return { ok: false, issues };
    write(file, text);
    const reload = await this.deps.reload();
    if (reload.ok) return { ok: true, sha256: textSha256(text), reload };
    write(file, previous);
    return { ok: false, issues: reload.issues };
  }

  /** Every problem of `text` as channel `name`'s file, in the directory as it is on disk; empty when it is valid. */
  private problems(name: string, file: string, text: string): ConfigIssue[] {
    let plans: ChannelPlan[];
    try {
      plans = this.deps.check({ file, text });
    } catch (err) {
      if (err instanceof ConfigError) return err.issues.map((i) => ({ ...i }));
      throw err;
    }
    const plan = plans.find((p) => p.file === file);
    if (plan && plan.name !== name) {
      return [{ file, line: 0, col: 0, reason: `name: the channel is ${name}; renaming a channel is done on disk, not here` }];
    }
    return unloadedMappingIssues(plan ? [plan] : [], this.deps.mappingLoaded);
  }

  private planOf(name: string): ChannelPlan {
    const plan = this.deps.registry.get(name);
    if (!plan) throw new EngineError('NOT_FOUND', `channel ${name} is not configured`);
    return plan;
  }
}

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new EngineError('NOT_FOUND', `${path.basename(file)} cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}

function write(file: string, text: string): void {
  try {
    writeFileAtomically(file, text);
  } catch (err) {
    throw asUnwritable(err, path.dirname(file), 'the channels folder', "make it writable by the engine's user (docs/deploy.md)");
  }
}
