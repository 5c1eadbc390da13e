/**
 * The in-memory CodeSetLookup scrubbing uses (model.ts): synchronous, built from rows a store preloaded
 * (src/store/codesets.ts loadCodeSetLookup), so a scrub run does no I/O per claim. Pure.
 *
 * Which release answers: among the releases of the kind whose validity covers the date of service, the one
 * loaded last (then the higher id). In that release:
 *   the code is there      → valid; billable when one of its entries is billable and covers the date
 *                            (ICD-10-CM header codes are valid, not billable; a terminated HCPCS code or an NDC
 *                            off the market on the date is valid, not billable);
 *   the code is not there  → { valid: false, billable: false, release } when another loaded release knows it
 *                            (e.g. deleted in FY2026, billed with a FY2026 date), undefined when no loaded release
 *                            has it at all.
 * No release covers the date → { valid: false } without a release, whatever the code: release(kind, date) says
 * which release answers (undefined: none), so a rule can tell "no release for this date" from "no such code".
 * Codes are compared normalized (normalizeCode): ICD-10-CM with its dot, upper case, NDC as 11 digits, CVX with
 * at least two digits.
 *
 * What was preloaded is explicit: per kind either every code ('all') or a set of codes, and optionally a date
 * range. Asking for a kind, a code or a date outside what was preloaded is a programming error and throws,
 * rather than answering "unknown code". Lookups are map reads plus a per-date cache of the answering release:
 * far beyond 10,000 claims a second.
 */
import type { CodeSetLookup, CodeStatus } from '../model';
import { normalizeCvx } from './cvx';
import { dottedIcd10cm } from './icd10cm';
import { MAPPING_FUNCTIONS } from '../../mappings/functions';
import { CODE_KIND_LABELS, covers, type CodeKind, type ReleaseKind } from './types';

export interface ReleaseInfo {
  id: number;
  kind: ReleaseKind;
  name: string;
  validFrom: string | null;
  validTo: string | null;
  /** When it was (re)loaded: the latest wins where releases overlap. */
  loadedAt: Date;
}

export interface LoadedEntry {
  releaseId: number;
  code: string;
  validFrom: string | null;
  validTo: string | null;
  billable: boolean;
}

export interface DateRange {
  from: string;
  to: string;
}

export interface LookupData {
  /** Every release of every kind (has() answers from these). */
  releases: readonly ReleaseInfo[];
  /** Per preloaded kind: which codes were asked for, and the entries found for them. */
  loaded: Partial<Record<CodeKind, { codes: 'all' | Iterable<string>; entries: readonly LoadedEntry[] }>>;
  /** When given, only dates of service in this range may be asked (releases outside it were not loaded). */
  dates?: DateRange;
}

/** CodeSetLookup plus CVX and a kind-generic entry point. */
export interface CodeSets extends CodeSetLookup {
  status(kind: CodeKind, code: string, dateOfService: string): CodeStatus | undefined;
  cvx(code: string, dateOfService: string): CodeStatus | undefined;
  has(kind: CodeKind): boolean;
}

const ndc11 = MAPPING_FUNCTIONS.ndc11!;

/** The form a code is stored and compared in. */
export function normalizeCode(kind: CodeKind, code: string): string {
  switch (kind) {
    case 'icd10cm':
      return dottedIcd10cm(code);
    case 'ndc':
      try {
        return ndc11(code);
      } catch {
        return code.trim();
      }
    case 'cvx':
      return normalizeCvx(code);
    default:
      return code.trim().toUpperCase();
  }
}

/** Whether release validity [validFrom, validTo] meets the range. */
export function releaseOverlaps(r: Pick<ReleaseInfo, 'validFrom' | 'validTo'>, range: DateRange): boolean {
  return (r.validFrom === null || r.validFrom <= range.to) && (r.validTo === null || r.validTo >= range.from);
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

class KindLookup {
  private readonly releases: ReleaseInfo[];
  private readonly byCode = new Map<string, LoadedEntry[]>();
  private readonly releaseByDate = new Map<string, ReleaseInfo | null>();

  constructor(
    private readonly kind: CodeKind,
    releases: readonly ReleaseInfo[],
    private readonly codes: 'all' | ReadonlySet<string>,
    entries: readonly LoadedEntry[],
  ) {
    this.releases = [...releases].sort((a, b) => b.loadedAt.getTime() - a.loadedAt.getTime() || b.id - a.id);
    for (const e of entries) {
      const list = this.byCode.get(e.code);
      if (list) list.push(e);
      else this.byCode.set(e.code, [e]);
    }
  }

  status(code: string, dateOfService: string): CodeStatus | undefined {
    const key = normalizeCode(this.kind, code);
    if (this.codes !== 'all' && !this.codes.has(key)) {
      throw new Error(`code-set lookup: ${this.kind} code ${key} was not preloaded (add it to loadCodeSetLookup's request)`);
    }
    const release = this.releaseFor(dateOfService);
    if (!release) return { valid: false, billable: false };
    const entries = this.byCode.get(key);
    if (!entries) return undefined;
    const label = `${CODE_KIND_LABELS[this.kind]} ${release.name}`;
    let found = false;
    let billable = false;
    for (const e of entries) {
      if (e.releaseId !== release.id) continue;
      found = true;
      if (e.billable && covers(e.validFrom, e.validTo, dateOfService)) billable = true;
    }
    return found ? { valid: true, billable, release: label } : { valid: false, billable: false, release: label };
  }

  /** The release answering for the date, undefined when none covers it. */
  releaseFor(date: string): ReleaseInfo | undefined {
    let r = this.releaseByDate.get(date);
    if (r === undefined) {
      r = this.releases.find((x) => covers(x.validFrom, x.validTo, date)) ?? null;
      this.releaseByDate.set(date, r);
    }
    return r ?? undefined;
  }
}

export function buildCodeSetLookup(data: LookupData): CodeSets {
  const kinds = new Map<CodeKind, KindLookup>();
  for (const [kind, loaded] of Object.entries(data.loaded) as Array<[CodeKind, NonNullable<LookupData['loaded'][CodeKind]>]>) {
    const releases = data.releases.filter((r) => r.kind === kind && (!data.dates || releaseOverlaps(r, data.dates)));
    const codes = loaded.codes === 'all' ? 'all' : new Set([...loaded.codes].map((c) => normalizeCode(kind, c)));
    kinds.set(kind, new KindLookup(kind, releases, codes, loaded.entries));
  }
  const present = new Set(data.releases.map((r) => r.kind));
  const status = (kind: CodeKind, code: string, dateOfService: string): CodeStatus | undefined => {
    if (!ISO_DATE.test(dateOfService)) throw new Error(`code-set lookup: date of service ${dateOfService} is not YYYY-MM-DD`);
    if (data.dates && (dateOfService < data.dates.from || dateOfService > data.dates.to)) {
      throw new Error(`code-set lookup: ${dateOfService} is outside the preloaded dates ${data.dates.from}..${data.dates.to}`);
    }
    const lookup = kinds.get(kind);
    if (!lookup) throw new Error(`code-set lookup: ${kind} was not preloaded`);
    return lookup.status(code, dateOfService);
  };
  return {
    status,
    icd10cm: (code, dos) => status('icd10cm', code, dos),
    hcpcs: (code, dos) => status('hcpcs', code, dos),
    cpt: (code, dos) => status('cpt', code, dos),
    ndc: (code, dos) => status('ndc', code, dos),
    cvx: (code, dos) => status('cvx', code, dos),
    has: (kind) => present.has(kind),
    release(kind, dateOfService) {
      const lookup = kinds.get(kind);
      if (!lookup) throw new Error(`code-set lookup: ${kind} was not preloaded`);
      const r = lookup.releaseFor(dateOfService);
      return r ? `${CODE_KIND_LABELS[kind]} ${r.name}` : undefined;
    },
  };
}
