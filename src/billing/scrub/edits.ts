/** Shared by the payer-edit rules (ncci-ptp, mue-units, mce-age, mce-sex): which dates an edit table covers. */
import type { CodeEditLookup } from '../codesets/edits-lookup';
import { NO_CODE_EDITS } from '../codesets/edits-lookup';
import type { EditKind } from '../codesets/edits';
import type { ScrubContext } from './types';

export function editsOf(ctx: ScrubContext): CodeEditLookup {
  return ctx.codeEdits ?? NO_CODE_EDITS;
}

/** Of `dates` (distinct, sorted), those a loaded release of `kind` covers and those it does not. */
export function coverage(edits: CodeEditLookup, kind: EditKind, dates: Iterable<string>): { covered: string[]; uncovered: string[] } {
  const covered: string[] = [];
  const uncovered: string[] = [];
  for (const dos of [...new Set(dates)].sort()) (edits.release(kind, dos) ? covered : uncovered).push(dos);
  return { covered, uncovered };
}
