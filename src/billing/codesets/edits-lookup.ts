/**
 * The in-memory lookup the payer-edit scrub rules read (CodeEditLookup), built from rows a store preloaded for a
 * scrub run (src/store/code-edits.ts loadCodeEditLookup). Pure and synchronous, like ./lookup.ts.
 *
 * Which release answers for a date of service: among the loaded releases of the kind whose validity covers the
 * date, the one that starts latest (a quarter's table replaces the one before it), then the one loaded last.
 * Only that release's edits answer; inside it an NCCI pair also needs its own effective/deletion dates to cover
 * the date. An edit kind with no release covering the date answers nothing (release() says so).
 */
import type { CodeEdit, EditKind, MceCodeEdit, MueEdit, PtpEdit } from './edits';
import { EDIT_KIND_LABELS } from './edits';
import { dottedIcd10cm } from './icd10cm';
import { covers } from './types';

export interface EditReleaseInfo {
  id: number;
  kind: EditKind;
  name: string;
  validFrom: string | null;
  validTo: string | null;
  loadedAt: Date;
}

export interface LoadedEdit {
  releaseId: number;
  edit: CodeEdit;
}

/** Read access to the loaded payer edits (NCCI PTP, MUE, MCE), for one scrub run. */
export interface CodeEditLookup {
  /** Whether any release of the kind is loaded. */
  has(kind: EditKind): boolean;
  /** The release answering for the date ("NCCI PTP ccipra-v321r0"), undefined when none covers it. */
  release(kind: EditKind, dateOfService: string): string | undefined;
  /** The PTP edit between two codes on the date, whichever is column 1; undefined when there is none. */
  ptp(codeA: string, codeB: string, dateOfService: string): PtpEdit | undefined;
  /** The MUE of a code on the date. */
  mue(code: string, dateOfService: string): MueEdit | undefined;
  /** The MCE age and sex edits of a diagnosis on the date. */
  mce(diagnosis: string, dateOfService: string): MceCodeEdit[];
}

/** A lookup with nothing loaded. */
export const NO_CODE_EDITS: CodeEditLookup = Object.freeze({
  has: () => false,
  release: () => undefined,
  ptp: () => undefined,
  mue: () => undefined,
  mce: () => [],
});

export function buildCodeEditLookup(releases: readonly EditReleaseInfo[], edits: readonly LoadedEdit[]): CodeEditLookup {
  const byKind = new Map<EditKind, EditReleaseInfo[]>();
  for (const r of releases) {
    const list = byKind.get(r.kind) ?? [];
    list.push(r);
    byKind.set(r.kind, list);
  }
  for (const list of byKind.values()) {
    list.sort((a, b) => (b.validFrom ?? '').localeCompare(a.validFrom ?? '') || b.loadedAt.getTime() - a.loadedAt.getTime() || b.id - a.id);
  }
  const ptp = new Map<string, Array<{ releaseId: number; edit: PtpEdit }>>();
  const mue = new Map<string, Array<{ releaseId: number; edit: MueEdit }>>();
  const mce = new Map<string, Array<{ releaseId: number; edit: MceCodeEdit }>>();
  const push = <T>(map: Map<string, T[]>, key: string, value: T) => {
    const list = map.get(key);
    if (list) list.push(value);
    else map.set(key, [value]);
  };
  for (const { releaseId, edit } of edits) {
    if (edit.kind === 'ncci') push(ptp, `${edit.column1}|${edit.column2}`, { releaseId, edit });
    else if (edit.kind === 'mue') push(mue, edit.code, { releaseId, edit });
    else push(mce, edit.code, { releaseId, edit });
  }
  const answering = (kind: EditKind, date: string) => byKind.get(kind)?.find((r) => covers(r.validFrom, r.validTo, date));
  const ptpIn = (releaseId: number, c1: string, c2: string, date: string) =>
    ptp.get(`${c1}|${c2}`)?.find((e) => e.releaseId === releaseId && covers(e.edit.validFrom, e.edit.validTo, date))?.edit;
  return {
    has: (kind) => byKind.has(kind),
    release(kind, date) {
      const r = answering(kind, date);
      return r ? `${EDIT_KIND_LABELS[kind]} ${r.name}` : undefined;
    },
    ptp(a, b, date) {
      const r = answering('ncci', date);
      if (!r) return undefined;
      const [x, y] = [a.trim().toUpperCase(), b.trim().toUpperCase()];
      return ptpIn(r.id, x, y, date) ?? ptpIn(r.id, y, x, date);
    },
    mue(code, date) {
      const r = answering('mue', date);
      return r ? mue.get(code.trim().toUpperCase())?.find((e) => e.releaseId === r.id)?.edit : undefined;
    },
    mce(diagnosis, date) {
      const r = answering('mce', date);
      return r ? (mce.get(dottedIcd10cm(diagnosis)) ?? []).filter((e) => e.releaseId === r.id).map((e) => e.edit) : [];
    },
  };
}
