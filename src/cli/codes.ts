/**
 * `rxbridge codes import KIND FILE [--release NAME] [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--layout FILE]`
 * `rxbridge codes import ncci|mue|mce FILE… [--release NAME] [--from YYYY-MM-DD] [--to YYYY-MM-DD]`
 * `rxbridge codes status`
 *
 * import loads one release of a code set (KIND: icd10cm, hcpcs, cpt, ndc, cvx; DOMAIN.md §5) into the store
 * (DATABASE_URL, else the embedded store under DATA_DIR). The file is streamed line by line through the kind's
 * parser (src/billing/codesets) and written in batches (src/store/codesets.ts) inside one transaction: a
 * format error names file:line and leaves the store as it was. Importing a release again replaces it. The
 * release name and the dates it covers follow src/billing/codesets/release.ts (ICD-10-CM: the fiscal year).
 * HCPCS needs the release's record layout (HCPC<YYYY>_recordlayout.txt): --layout, else the one file named
 * *recordlayout*.txt beside FILE.
 * Progress goes to stderr as one `\r`-rewritten line (./progress.ts); the summary goes to stdout.
 * The payer edit tables (ncci: CMS NCCI PTP edits, mue: a CMS MUE table, mce: the MCE age/sex diagnosis lists;
 * src/billing/codesets/edits.ts) import the same way into code_edits (src/store/code-edits.ts); several files
 * make one release (the four parts of a quarter's NCCI PTP file), a format error naming the file and line.
 * status lists the loaded releases. Exit codes: 0 done, 1 the file or the store failed, 2 usage.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigError } from '../core/config-file';
import { editParserFor, isWholeFileFormat, lineParserFor } from '../billing/codesets';
import { EDIT_KIND_LABELS, EDIT_KINDS, isEditKind, type CodeEdit, type EditKind } from '../billing/codesets/edits';
import { parseCptLocalYaml } from '../billing/codesets/cpt-local';
import { parseHcpcsLayout, type HcpcsLayout } from '../billing/codesets/hcpcs';
import { releaseSpec, ReleaseOptionError, type ReleaseSpec } from '../billing/codesets/release';
import {
  CODE_KIND_LABELS,
  CODE_KINDS,
  CodeSetFormatError,
  isCodeKind,
  type CodeEntry,
  type CodeKind,
  type CodeSetParser,
} from '../billing/codesets/types';
import { importEditRelease } from '../store/code-edits';
import { importCodeRelease, listCodeReleases, type CodeReleaseImport, type CodeReleaseRow } from '../store/codesets';
import type { Store } from '../store/db';
import { count, progressPrinter } from './progress';
import { withStore } from './with-store';
import { openTextFile, type TextLine } from './text-file';

export const CODES_USAGE = `  rxbridge codes import KIND FILE [--release NAME] [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--layout FILE]
      KIND: ${CODE_KINDS.join(', ')}
  rxbridge codes import EDITS FILE... [--release NAME] [--from YYYY-MM-DD] [--to YYYY-MM-DD]
      EDITS: ncci (CMS NCCI PTP edits), mue (CMS MUE table, needs --from unless the name holds Eff_MM-DD-YYYY),
             mce (MCE age and sex diagnosis lists)
  rxbridge codes status`;

export interface CodesIo {
  /** One line of the summary (stdout). */
  out(line: string): void;
  /** Raw text for stderr (progress, errors); the caller adds line breaks. */
  err(text: string): void;
  /** Milliseconds, for rates. */
  now(): number;
}

const processIo: CodesIo = {
  out: (line) => console.log(line),
  err: (text) => process.stderr.write(text),
  now: () => Date.now(),
};

export async function codesCommand(args: string[], env: Record<string, string | undefined>, io: CodesIo = processIo): Promise<number> {
  const [sub, ...rest] = args;
  const usage = (reason: string): number => {
    io.err(`rxbridge: ${reason}\nusage:\n${CODES_USAGE}\n`);
    return 2;
  };
  if (sub === 'status')
    return withStore(
      env,
      (line) => io.err(`${line}\n`),
      (store) => status(store, io),
    );
  if (sub !== 'import') return usage(sub ? `unknown codes subcommand ${sub}` : 'codes needs a subcommand');
  let parsed;
  try {
    parsed = parseArgs({
      args: rest,
      allowPositionals: true,
      options: {
        release: { type: 'string' },
        from: { type: 'string' },
        to: { type: 'string' },
        layout: { type: 'string' },
      },
    });
  } catch (err) {
    return usage((err as Error).message);
  }
  const { values, positionals } = parsed;
  const [kind, ...files] = positionals;
  const file = files[0];
  if (!kind || !file) return usage('codes import needs KIND and FILE');
  if (!isCodeKind(kind) && !isEditKind(kind))
    return usage(`unknown code set ${kind} (one of ${[...CODE_KINDS, ...EDIT_KINDS].join(', ')})`);
  if (isCodeKind(kind) && files.length !== 1) return usage(`codes import ${kind} takes one FILE`);
  if (values.layout && kind !== 'hcpcs') return usage('--layout applies to hcpcs only');
  for (const f of files) {
    try {
      fs.accessSync(f, fs.constants.R_OK);
    } catch (err) {
      return fail(io, f, err);
    }
  }
  let spec: ReleaseSpec;
  try {
    spec = releaseSpec({ kind, fileName: path.basename(file), release: values.release, from: values.from, to: values.to });
  } catch (err) {
    if (err instanceof ReleaseOptionError) return usage(err.message);
    throw err;
  }
  if (isEditKind(kind))
    return withStore(
      env,
      (line) => io.err(`${line}\n`),
      (store) => importEdits(store, io, { kind, files, spec }),
    );
  let layout: HcpcsLayout | undefined;
  if (kind === 'hcpcs') {
    const layoutFile = values.layout ?? findLayoutFile(file);
    if (!layoutFile) {
      return usage(
        `hcpcs needs the release's record layout (HCPC<YYYY>_recordlayout.txt from the same zip): put it beside ${file} or give --layout FILE`,
      );
    }
    try {
      layout = parseHcpcsLayout(fs.readFileSync(layoutFile, 'utf8'));
    } catch (err) {
      return fail(io, layoutFile, err);
    }
  }
  return withStore(
    env,
    (line) => io.err(`${line}\n`),
    (store) => importFile(store, io, { kind, file, spec, layout }),
  );
}

/** The record layout beside an HCPCS file: the single *recordlayout*.txt there, else the one with the file's year. */
function findLayoutFile(file: string): string | undefined {
  const dir = path.dirname(file);
  let names: string[];
  try {
    names = fs.readdirSync(dir).filter((n) => /recordlayout.*\.txt$/i.test(n));
  } catch {
    return undefined;
  }
  const year = /(?:19|20)\d{2}/.exec(path.basename(file))?.[0];
  const pick = names.length === 1 ? names[0] : names.find((n) => year !== undefined && n.includes(year));
  return pick ? path.join(dir, pick) : undefined;
}

interface ImportJob {
  kind: CodeKind;
  file: string;
  spec: ReleaseSpec;
  layout?: HcpcsLayout;
}

async function importFile(store: Store, io: CodesIo, job: ImportJob): Promise<number> {
  const started = io.now();
  const fileName = path.basename(job.file);
  let source: { entries: AsyncIterable<CodeEntry> | CodeEntry[]; sha256(): string; bytesRead(): number; totalBytes: number };
  try {
    source = isWholeFileFormat(job.kind, fileName)
      ? wholeFileSource(job.file)
      : streamSource(job.file, lineParserFor(job.kind, { hcpcsLayout: job.layout }));
  } catch (err) {
    return fail(io, job.file, err);
  }
  const progress = progressPrinter(io, started, source);
  const input: CodeReleaseImport = {
    kind: job.kind,
    name: job.spec.name,
    validFrom: job.spec.validFrom,
    validTo: job.spec.validTo,
    sourceFile: fileName,
    entries: source.entries,
    sha256: () => source.sha256(),
  };
  let result;
  try {
    result = await importCodeRelease(store.db, input, { onProgress: progress.update });
  } catch (err) {
    progress.abandon();
    return fail(io, job.file, err);
  }
  progress.finish(result.rows);
  const seconds = ((io.now() - started) / 1000).toFixed(1);
  io.out(
    `imported ${CODE_KIND_LABELS[job.kind]} ${job.spec.name} from ${fileName}: ${count(result.rows)} codes, answering for ${datesText(job.spec)}, in ${seconds} s${result.replaced ? ' (replaced the earlier import of this release)' : ''}`,
  );
  io.out(`sha256 ${source.sha256()}`);
  return 0;
}

interface EditJob {
  kind: EditKind;
  files: string[];
  spec: ReleaseSpec;
}

/** One release from one or more files, each read through a fresh parser; errors name the file they are in. */
async function importEdits(store: Store, io: CodesIo, job: EditJob): Promise<number> {
  const started = io.now();
  const sources = job.files.map((f) => ({ file: f, text: openTextFile(f) }));
  let current = job.files[0]!;
  async function* edits(): AsyncGenerator<CodeEdit> {
    for (const source of sources) {
      current = source.file;
      const parser = editParserFor(job.kind);
      for await (const line of source.text.lines()) yield* parser.line(line.text, line.number);
      yield* parser.end();
    }
  }
  const names = job.files.map((f) => path.basename(f));
  // One file: its SHA-256. Several: the SHA-256 of their "name sha256" lines, so status still identifies the set.
  const sha256 = () =>
    sources.length === 1
      ? sources[0]!.text.sha256()
      : crypto
          .createHash('sha256')
          .update(sources.map((s, i) => `${names[i]} ${s.text.sha256()}\n`).join(''))
          .digest('hex');
  const progress = progressPrinter(io, started, {
    bytesRead: () => sources.reduce((n, s) => n + s.text.bytesRead(), 0),
    totalBytes: sources.reduce((n, s) => n + s.text.totalBytes, 0),
  });
  let result;
  try {
    result = await importEditRelease(
      store.db,
      {
        kind: job.kind,
        name: job.spec.name,
        validFrom: job.spec.validFrom,
        validTo: job.spec.validTo,
        sourceFile: names.join(', '),
        edits: edits(),
        sha256,
      },
      { onProgress: progress.update },
    );
  } catch (err) {
    progress.abandon();
    return fail(io, current, err);
  }
  progress.finish(result.rows);
  const seconds = ((io.now() - started) / 1000).toFixed(1);
  io.out(
    `imported ${EDIT_KIND_LABELS[job.kind]} ${job.spec.name} from ${names.join(', ')}: ${count(result.rows)} edits, answering for ${datesText(job.spec)}, in ${seconds} s${result.replaced ? ' (replaced the earlier import of this release)' : ''}`,
  );
  io.out(`sha256 ${sha256()}`);
  return 0;
}

function datesText({ validFrom: from, validTo: to }: ReleaseSpec): string {
  if (from && to) return `services ${from} to ${to}`;
  if (from) return `services from ${from}`;
  return to ? `services until ${to}` : 'every date of service';
}

function streamSource(file: string, parser: CodeSetParser) {
  const text = openTextFile(file);
  return { entries: parseLines(text.lines(), parser), sha256: text.sha256, bytesRead: text.bytesRead, totalBytes: text.totalBytes };
}

async function* parseLines(lines: AsyncIterable<TextLine>, parser: CodeSetParser): AsyncGenerator<CodeEntry> {
  for await (const line of lines) yield* parser.line(line.text, line.number);
  yield* parser.end();
}

function wholeFileSource(file: string) {
  const bytes = fs.readFileSync(file);
  const entries = parseCptLocalYaml(bytes.toString('utf8'), file);
  const sha = crypto.createHash('sha256').update(bytes).digest('hex');
  return { entries, sha256: () => sha, bytesRead: () => bytes.length, totalBytes: bytes.length };
}

function fail(io: CodesIo, file: string, err: unknown): number {
  if (err instanceof CodeSetFormatError) {
    io.err(`${err.line > 0 ? `${file}:${err.line}` : file}: ${err.reason}\n`);
  } else if (err instanceof ConfigError) {
    io.err(`${err.message}\n`);
  } else {
    const code = (err as NodeJS.ErrnoException).code;
    io.err(
      code && /^E[A-Z]+$/.test(code) && (err as NodeJS.ErrnoException).syscall
        ? `rxbridge: cannot read ${file} (${code})\n`
        : `rxbridge: ${(err as Error).message ?? String(err)}\n`,
    );
  }
  return 1;
}

async function status(store: Store, io: CodesIo): Promise<number> {
  const releases = await listCodeReleases(store.db);
  if (releases.length === 0) {
    io.out('no code sets loaded (rxbridge codes import KIND FILE)');
    return 0;
  }
  const header = ['KIND', 'RELEASE', 'FROM', 'TO', 'ROWS', 'LOADED', 'FILE'];
  const rows = releases.map((r: CodeReleaseRow) => [
    r.kind,
    r.name,
    r.validFrom ?? '-',
    r.validTo ?? '-',
    count(r.rows),
    r.loadedAt.toISOString().slice(0, 19).replace('T', ' '),
    r.sourceFile,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  for (const line of [header, ...rows]) io.out(line.map((cell, i) => (i === line.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  '));
  return 0;
}
