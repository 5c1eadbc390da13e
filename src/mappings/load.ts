/**
 * Loads mappings/*.yaml (except *.test.yaml) into compiled plans, keyed by file name without extension.
 * The file name must equal the mapping's `name`. Every problem is reported as file:line:col. `${VAR}` in a file
 * reads the `env` the caller hands in (the engine's environment, from the entry point); without one, no variable is set.
 *
 * MappingRegistry is the live set one engine process maps with. A plan is swapped whole (one reference
 * assignment): the pipeline fetches a plan once per message, so a message being evaluated finishes with the
 * plan it started with and the next one gets the new plan. The files are the source at start; the mappings
 * API writes the file and the stored version together, so the two agree (src/admin/mappings-routes.ts).
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { ConfigError, environmentReferences, parseConfig } from '../core/config-file';
import { writeFileAtomically } from '../core/atomic-file';
import { asUnwritable } from '../core/writable-dir';
import { compileMapping, type MappingPlan } from './compile';
import { mappingFileSchema } from './schema';

/** A mapping name as file names and API routes use it. */
export const MAPPING_NAME = /^[a-z0-9-]+$/;

/** Hex SHA-256 of a mapping's text (UTF-8), as stored with each saved version. */
export function mappingSha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/**
 * Validates and compiles one mapping text (YAML) the way the loader does: parse + schema + cross-checks, and
 * the `name` inside must equal `expectedName`. `file` names the text in issues. Throws ConfigError.
 */
export function compileMappingText(text: string, expectedName: string, file: string, env: Record<string, string | undefined>): MappingPlan {
  try {
    const parsed = parseConfig(text, file, mappingFileSchema, env);
    if (parsed.value.name !== expectedName) {
      throw new ConfigError([
        parsed.issueAt(['name'], `mapping name "${parsed.value.name}" must match the file name "${expectedName}"`, { key: true }),
      ]);
    }
    return compileMapping(parsed.value, file);
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    throw new ConfigError([{ file, line: 1, col: 1, reason: (err as Error).message }]);
  }
}

/** Loads one mapping file (its name must match the file name). Throws ConfigError, also when it cannot be read. */
export function loadMappingFile(file: string, env: Record<string, string | undefined> = {}): MappingPlan {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError([
      { file, line: 0, col: 0, reason: `cannot read file (${(err as NodeJS.ErrnoException).code ?? 'unknown error'})` },
    ]);
  }
  return compileMappingText(text, path.basename(file).replace(/\.yaml$/, ''), file, env);
}

interface Loaded {
  plan: MappingPlan;
  text: string;
  sha256: string;
}

function loadDir(dir: string, env: Record<string, string | undefined>): Map<string, Loaded> {
  const loaded = new Map<string, Loaded>();
  const problems: ConfigError[] = [];
  const files = fs.existsSync(dir)
    ? fs
        .readdirSync(dir)
        .filter((f) => f.endsWith('.yaml') && !f.endsWith('.test.yaml'))
        .sort()
    : [];
  for (const name of files) {
    const file = path.join(dir, name);
    try {
      const text = fs.readFileSync(file, 'utf8');
      const expected = name.replace(/\.yaml$/, '');
      loaded.set(expected, { plan: compileMappingText(text, expected, file, env), text, sha256: mappingSha256(text) });
    } catch (err) {
      if (err instanceof ConfigError) problems.push(err);
      else problems.push(new ConfigError([{ file, line: 1, col: 1, reason: (err as Error).message }]));
    }
  }
  if (problems.length > 0) throw new ConfigError(problems.flatMap((p) => p.issues));
  return loaded;
}

export function loadMappings(dir: string, env: Record<string, string | undefined> = {}): Map<string, MappingPlan> {
  return new Map([...loadDir(dir, env)].map(([name, l]) => [name, l.plan]));
}

/** One live mapping: its plan, the text it was compiled from, and that text's SHA-256. */
export interface LiveMapping {
  readonly name: string;
  readonly plan: MappingPlan;
  readonly text: string;
  readonly sha256: string;
  /** The file name inside the mappings directory, e.g. dft-p03.yaml. */
  readonly file: string;
}

/**
 * Compiles text submitted through the API as mapping `name` (file: where issues point): refused with ConfigError
 * when any value references an environment variable, then compiled with no environment at all (see
 * MappingRegistry.compileSubmitted).
 */
export function compileSubmittedText(name: string, text: string, file: string): MappingPlan {
  const issues = environmentReferences(text).map(({ line, col }) => ({
    file,
    line,
    col,
    reason: 'environment variables (${…}) are not allowed in mappings saved through the API; write $${ for a literal "${"',
  }));
  if (issues.length > 0) throw new ConfigError(issues);
  return compileMappingText(text, name, file, {});
}

/** The live set of mappings; `reload()` swaps in a new set only when every file loads. */
export class MappingRegistry {
  private plans: Map<string, Loaded>;

  constructor(
    private readonly dir: string,
    private readonly env: Record<string, string | undefined> = {},
  ) {
    this.plans = loadDir(dir, env);
  }

  get(name: string): MappingPlan | undefined {
    return this.plans.get(name)?.plan;
  }

  names(): string[] {
    return [...this.plans.keys()];
  }

  /** The live mapping with its text and hash; undefined when no mapping has this name. */
  entry(name: string): LiveMapping | undefined {
    const l = this.plans.get(name);
    return l ? { name, ...l, file: `${name}.yaml` } : undefined;
  }

  entries(): LiveMapping[] {
    return this.names()
      .sort()
      .map((n) => this.entry(n)!);
  }

  /** Re-reads the directory; on any error the previous set stays live and the error is thrown. */
  reload(): void {
    this.plans = loadDir(this.dir, this.env);
  }

  /**
   * compile() for text submitted through the API: it may not read environment variables (`${VAR}`), since its
   * records come back in previews and the variables may hold secrets such as DATABASE_URL. The check looks at
   * the values as YAML parses them (a "\x24{VAR}" escape is a reference too), because that text is saved to the
   * mappings directory, which is read with the environment at the next start. Throws ConfigError with the
   * position of every value holding a reference. The text is then compiled with no environment at all, so
   * nothing submitted can read one, whatever the check missed.
   */
  compileSubmitted(name: string, text: string): MappingPlan {
    return compileSubmittedText(name, text, path.join(this.dir, `${name}.yaml`));
  }

  /** What compiling `name` as this registry does takes besides its text: the file it is named by, the environment. */
  compileSettings(name: string): { file: string; env: Record<string, string | undefined> } {
    return { file: this.fileOf(name), env: { ...this.env } };
  }

  /** Validates and compiles `text` as mapping `name` with this registry's environment. Throws ConfigError. */
  compile(name: string, text: string): MappingPlan {
    return compileMappingText(text, name, path.join(this.dir, `${name}.yaml`), this.env);
  }

  /** Rewrites a test file of this directory atomically; DIRECTORY_NOT_WRITABLE when the folder cannot be written. */
  writeTestFile(file: string, text: string): void {
    if (path.dirname(path.resolve(file)) !== path.resolve(this.dir) || !file.endsWith('.test.yaml'))
      throw new Error('not a test file of this directory');
    this.inFolder(() => writeFileAtomically(file, text));
  }

  /** Makes `plan` (compiled from `text` by compile()) the live plan of `name`, adding it when new. */
  install(name: string, plan: MappingPlan, text: string): void {
    const next = new Map(this.plans);
    next.set(name, { plan, text, sha256: mappingSha256(text) });
    this.plans = next;
  }

  /** The text of `name`'s file as it is on disk now; undefined when there is no such file. */
  readFile(name: string): string | undefined {
    try {
      return fs.readFileSync(this.fileOf(name), 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  }

  /**
   * Replaces `name`'s file atomically (a temporary file in the same directory, fsynced, then renamed over it),
   * or removes it when `text` is undefined. The live plan is not changed (install() does that).
   */
  /**
   * Writes (or, with undefined, removes) the mapping's file atomically: a temp file, fsync, rename. A folder the
   * engine's user cannot write throws DIRECTORY_NOT_WRITABLE naming the folder and the cause.
   */
  writeFile(name: string, text: string | undefined): void {
    const file = this.fileOf(name);
    this.inFolder(() => {
      if (text === undefined) {
        fs.rmSync(file, { force: true });
        return;
      }
      fs.mkdirSync(this.dir, { recursive: true });
      writeFileAtomically(file, text);
    });
  }

  /** Runs a write into the mappings folder; a folder the engine cannot write throws DIRECTORY_NOT_WRITABLE. */
  private inFolder(write: () => void): void {
    try {
      write();
    } catch (err) {
      throw asUnwritable(
        err,
        this.dir,
        'the mappings folder',
        "make it writable by the engine's user (in Docker the mappings live on the /data volume; docs/deploy.md)",
      );
    }
  }

  private fileOf(name: string): string {
    if (!MAPPING_NAME.test(name)) throw new Error('invalid mapping name');
    return path.join(this.dir, `${name}.yaml`);
  }
}
