/**
 * A release's name and the dates it covers, from what the operator gave (`--release`, `--from`, `--to`) and the
 * file name. Lookups answer from the release whose validity covers the date of service, the latest loaded one
 * when several do (src/billing/codesets/lookup.ts), so these dates decide which release answers.
 *
 * ICD-10-CM: a release is a fiscal year. The name defaults to the year in the file name
 * (icd10cm_order_2026.txt → "2026"); a name that is a year (2026, FY2026) covers Oct 1 of the year before through
 * Sep 30. Another name (an April 1 update, "2026-04") needs --from (and --to, else the FY's end when the file
 * name holds a year). --from/--to always override.
 * MCE lists follow the MS-DRG fiscal year the same way (mce_definitions_2026.txt → FY2026).
 * MUE tables are quarterly and carry no dates: --from (the quarter's first day) is needed, unless the file name
 * holds the effective date as CMS names it (MCR_MUE_PractitionerServices_Eff_01-01-2026.csv → from 2026-01-01).
 * NCCI PTP rows carry their own effective and deletion dates, so the release is open unless --from/--to say
 * otherwise; the name defaults to the file name without its part suffix (ccipra-v321r0-f1.txt → ccipra-v321r0).
 * Among edit releases covering a date, the one starting latest answers (src/billing/codesets/edits-lookup.ts).
 * Other sets: the name defaults to the file name without its extension; validity is open unless --from/--to
 * say otherwise. Load successive snapshots (NDC, HCPCS quarters) with --from = the snapshot date to keep the
 * older one answering back-dated services: entries carry their own dates (add/termination, marketing).
 */
import { fiscalYearValidity } from './icd10cm';
import { isoDate, type ReleaseKind } from './types';

export interface ReleaseOptions {
  kind: ReleaseKind;
  /** The source file's base name. */
  fileName: string;
  release?: string;
  from?: string;
  to?: string;
}

export interface ReleaseSpec {
  name: string;
  validFrom: string | null;
  validTo: string | null;
}

/** A problem with the options (not with the file): the CLI prints it with the usage. */
export class ReleaseOptionError extends Error {}

const YEAR_IN_NAME = /(?:^|\D)((?:19|20)\d{2})(?!\d)/;
const FISCAL_YEAR = /^(?:FY)?((?:19|20)\d{2})$/i;

export function releaseSpec(o: ReleaseOptions): ReleaseSpec {
  const from = checkedDate(o.from, '--from');
  const to = checkedDate(o.to, '--to');
  if (from && to && from > to) throw new ReleaseOptionError(`--from ${from} is after --to ${to}`);
  const fileYear = YEAR_IN_NAME.exec(o.fileName)?.[1];
  const fiscal = o.kind === 'icd10cm' || o.kind === 'mce';
  const base = o.fileName.replace(/\.[^.]*$/, '');
  const name = o.release?.trim() || (fiscal ? fileYear : o.kind === 'ncci' ? base.replace(/-f\d+$/i, '') : base);
  if (!name) throw new ReleaseOptionError(`no fiscal year in the file name ${o.fileName}: give --release YYYY`);
  if (o.kind === 'mue') {
    const effective = from ?? effectiveDateIn(o.fileName);
    if (!effective)
      throw new ReleaseOptionError(
        `an MUE table applies from its quarter's first day: give --from YYYY-MM-DD (no Eff_MM-DD-YYYY in ${o.fileName})`,
      );
    if (to && effective > to) throw new ReleaseOptionError(`--from ${effective} is after --to ${to}`);
    return { name, validFrom: effective, validTo: to ?? null };
  }
  if (!fiscal) return { name, validFrom: from ?? null, validTo: to ?? null };
  const year = FISCAL_YEAR.exec(name)?.[1] ?? fileYear;
  const fy = year ? fiscalYearValidity(Number(year)) : undefined;
  if (!FISCAL_YEAR.test(name) && !from) {
    throw new ReleaseOptionError(`release ${name} is not a fiscal year (YYYY): give --from (and --to) for the dates it covers`);
  }
  return { name, validFrom: from ?? fy?.validFrom ?? null, validTo: to ?? fy?.validTo ?? null };
}

/** "…_Eff_01-01-2026…" (CMS's MUE file names) → 2026-01-01. */
function effectiveDateIn(fileName: string): string | undefined {
  const m = /Eff_(\d{2})-(\d{2})-(\d{4})/i.exec(fileName);
  return m ? isoDate(`${m[3]}-${m[1]}-${m[2]}`) : undefined;
}

function checkedDate(value: string | undefined, option: string): string | undefined {
  if (value === undefined) return undefined;
  const date = isoDate(value);
  if (!date) throw new ReleaseOptionError(`${option} ${value} is not a date YYYY-MM-DD`);
  return date;
}
