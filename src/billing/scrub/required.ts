/**
 * Which code sets a claim must be checked against (billing.yaml `requiredCodeSets`, parsed in
 * src/billing/config.ts): per payer, else the default. A required set with no loaded release covering a date of
 * service holds the claim ("no ICD-10-CM release covers DOS 2026-01-15"); a set that is not required and not
 * loaded (or not covering) is an info note, and the claim goes on unchecked against it. Pure.
 */
import type { ScrubFinding } from '../model';
import { EDIT_KIND_LABELS } from '../codesets/edits';
import { claimFinding } from './finding';
import type { ScrubContext, ScrubRule } from './types';

/** The sets the scrubber can require: ICD-10-CM diagnoses and the payer edit tables. */
export const REQUIRABLE_CODE_SETS = ['icd10cm', 'ncci', 'mue', 'mce'] as const;
export type RequirableCodeSet = (typeof REQUIRABLE_CODE_SETS)[number];

export const REQUIRABLE_LABELS: Readonly<Record<RequirableCodeSet, string>> = Object.freeze({
  icd10cm: 'ICD-10-CM',
  ...EDIT_KIND_LABELS,
});

export interface RequiredCodeSets {
  /** Every payer not listed in `payers`. */
  readonly default: readonly RequirableCodeSet[];
  /** Payer id → its own list (replaces the default for that payer). */
  readonly payers: Readonly<Record<string, readonly RequirableCodeSet[]>>;
}

/** Without configuration: ICD-10-CM for every payer. */
export const DEFAULT_REQUIRED_CODE_SETS: RequiredCodeSets = Object.freeze({
  default: Object.freeze(['icd10cm'] as const),
  payers: Object.freeze({}),
});

export function requiredFor(required: RequiredCodeSets, payerId: string): readonly RequirableCodeSet[] {
  return Object.prototype.hasOwnProperty.call(required.payers, payerId) ? required.payers[payerId]! : required.default;
}

export function isRequired(ctx: Pick<ScrubContext, 'requiredCodeSets'>, set: RequirableCodeSet, payerId: string): boolean {
  return requiredFor(ctx.requiredCodeSets ?? DEFAULT_REQUIRED_CODE_SETS, payerId).includes(set);
}

/**
 * What a rule reports for the dates of service no loaded release of `set` covers: one error per date when the
 * payer requires the set, else one info note. `loaded`: whether any release of the set is loaded at all;
 * `uncovered`: the dates (sorted) no release covers; `what`: what went unchecked ("diagnoses").
 */
export function uncoveredFindings(
  rule: Pick<ScrubRule, 'id' | 'severity'>,
  ctx: Pick<ScrubContext, 'requiredCodeSets'>,
  payerId: string,
  set: RequirableCodeSet,
  loaded: boolean,
  uncovered: readonly string[],
  what: string,
): ScrubFinding[] {
  if (uncovered.length === 0) return [];
  const label = REQUIRABLE_LABELS[set];
  if (isRequired(ctx, set, payerId)) {
    return uncovered.map((dos) =>
      claimFinding(
        rule,
        `no ${label} release covers DOS ${dos}: payer ${payerId} requires ${what} checked against it (rxbridge codes import ${set})`,
        'error',
      ),
    );
  }
  if (!loaded) return [claimFinding(rule, `the ${label} code set is not loaded: ${what} were not checked against it`, 'info')];
  return [claimFinding(rule, `no ${label} release covers DOS ${uncovered.join(', ')}: ${what} were not checked against it`, 'info')];
}
