/**
 * The claim scrubber (DOMAIN.md §4): every rule in ./rules, run over one claim. A claim with any error-level
 * finding is held (never batched); warnings and info notes travel with it. Pure: the context supplies code sets,
 * payer rules, today's date and (optionally) claim history as read-only ports.
 *
 * Adding a rule: write ./rules/<id>.ts exporting `rule: ScrubRule` with that id, and list it here (a unit test
 * fails when a file in ./rules is not listed).
 */
import type { Claim, ScrubFinding } from '../model';
import type { ScrubContext, ScrubRule } from './types';
import { rule as controlNumber } from './rules/control-number';
import { rule as frequencyReference } from './rules/frequency-reference';
import { rule as correctionsAccepted } from './rules/corrections-accepted';
import { rule as lineCount } from './rules/line-count';
import { rule as totalCharge } from './rules/total-charge';
import { rule as lineCharge } from './rules/line-charge';
import { rule as billingProvider } from './rules/billing-provider';
import { rule as npiCheckDigit } from './rules/npi-check-digit';
import { rule as taxId } from './rules/tax-id';
import { rule as taxonomy } from './rules/taxonomy';
import { rule as cliaNumber } from './rules/clia-number';
import { rule as payerRequired } from './rules/payer-required';
import { rule as subscriberRequired } from './rules/subscriber-required';
import { rule as patientRelationship } from './rules/patient-relationship';
import { rule as addressRequired } from './rules/address-required';
import { rule as placeOfService } from './rules/place-of-service';
import { rule as diagnosisRequired } from './rules/diagnosis-required';
import { rule as diagnosisCount } from './rules/diagnosis-count';
import { rule as diagnosisDuplicate } from './rules/diagnosis-duplicate';
import { rule as icd10Format } from './rules/icd10-format';
import { rule as icd10Billable } from './rules/icd10-billable';
import { rule as diagnosisPointers } from './rules/diagnosis-pointers';
import { rule as serviceDate } from './rules/service-date';
import { rule as timelyFiling } from './rules/timely-filing';
import { rule as codeFormat } from './rules/code-format';
import { rule as codeActive } from './rules/code-active';
import { rule as modifierFormat } from './rules/modifier-format';
import { rule as modifierCode } from './rules/modifier-code';
import { rule as cliaWaivedQw } from './rules/clia-waived-qw';
import { rule as payerRequiredModifiers } from './rules/payer-required-modifiers';
import { rule as orderingProviderRequired } from './rules/ordering-provider-required';
import { rule as unitsPositive } from './rules/units-positive';
import { rule as unitsMax } from './rules/units-max';
import { rule as addOnPairing } from './rules/add-on-pairing';
import { rule as initialCodeOnce } from './rules/initial-code-once';
import { rule as vaccineAdminProduct } from './rules/vaccine-admin-product';
import { rule as medicareVaccineAdmin } from './rules/medicare-vaccine-admin';
import { rule as medicarePartDVaccine } from './rules/medicare-part-d-vaccine';
import { rule as ndcFormat } from './rules/ndc-format';
import { rule as ndcKnown } from './rules/ndc-known';
import { rule as duplicateLine } from './rules/duplicate-line';
import { rule as duplicateService } from './rules/duplicate-service';
import { rule as ncciPtp } from './rules/ncci-ptp';
import { rule as mueUnits } from './rules/mue-units';
import { rule as mceAge } from './rules/mce-age';
import { rule as mceSex } from './rules/mce-sex';
import { rule as productAge } from './rules/product-age';

export type { ClaimHistory, ScrubContext, ScrubRule } from './types';
export { NO_PAYER_RULES, parsePayerRules, type PayerPolicy, type PayerRules } from './payer-rules';

/** Every rule, in the order their findings are listed (claim identity, parties, diagnoses, lines, pairings). */
export const SCRUB_RULES: readonly ScrubRule[] = Object.freeze([
  controlNumber,
  frequencyReference,
  correctionsAccepted,
  lineCount,
  totalCharge,
  lineCharge,
  billingProvider,
  npiCheckDigit,
  taxId,
  taxonomy,
  cliaNumber,
  payerRequired,
  subscriberRequired,
  patientRelationship,
  addressRequired,
  placeOfService,
  diagnosisRequired,
  diagnosisCount,
  diagnosisDuplicate,
  icd10Format,
  icd10Billable,
  mceAge,
  mceSex,
  diagnosisPointers,
  serviceDate,
  timelyFiling,
  codeFormat,
  codeActive,
  modifierFormat,
  modifierCode,
  cliaWaivedQw,
  payerRequiredModifiers,
  orderingProviderRequired,
  unitsPositive,
  unitsMax,
  mueUnits,
  ncciPtp,
  addOnPairing,
  initialCodeOnce,
  vaccineAdminProduct,
  medicareVaccineAdmin,
  medicarePartDVaccine,
  productAge,
  ndcFormat,
  ndcKnown,
  duplicateLine,
  duplicateService,
]);

/**
 * All findings of all rules for `claim`, rule by rule. A rule that throws (a bug, or data the model does not
 * allow) yields an error finding naming the rule, so the claim is held rather than sent unchecked.
 */
export function scrubClaim(claim: Claim, ctx: ScrubContext, rules: readonly ScrubRule[] = SCRUB_RULES): ScrubFinding[] {
  const findings: ScrubFinding[] = [];
  for (const rule of rules) {
    try {
      for (const finding of rule.check(claim, ctx)) findings.push(finding);
    } catch (err) {
      const kind = err instanceof Error ? err.name : typeof err;
      findings.push({
        ruleId: rule.id,
        severity: 'error',
        scope: 'claim',
        message: `rule ${rule.id} could not check this claim (${kind}): the claim is held until the problem is fixed`,
      });
    }
  }
  return findings;
}

/** True when any finding is an error: the claim must not be batched. */
export function isHeld(findings: readonly ScrubFinding[]): boolean {
  return findings.some((f) => f.severity === 'error');
}
