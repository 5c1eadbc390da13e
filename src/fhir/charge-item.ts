/**
 * A stored charge (the charges table, src/store/types.ts ChargesTable) → FHIR R4 ChargeItem. Pure.
 *
 * status: active → billable, held → not-billable, reversed → billable (it stays; its reversal offsets it), reversal →
 * billable with negative quantity and negative priceOverride (the store keeps a reversal's amount negative) and
 * `supportingInformation` referencing the ChargeItem it reverses. An unpriced charge has no priceOverride (claim
 * building prices it). code: the billed code (CPT, HCPCS, NDC…); productCodeableConcept: the NDC when there is one;
 * reason: the ICD-10-CM diagnoses; performer: the rendering NPI; requestingOrganization is not known and left out.
 */
import type { Selectable } from 'kysely';
import type { ChargesTable } from '../store/types';
import { compact, fhirDecimal, systemUri } from './hl7-values';
import { chargeItemId, patientId } from './ids';
import type { Resource } from './patient';
import { npiReference } from './people';

export type ChargeRow = Pick<
  Selectable<ChargesTable>,
  | 'id'
  | 'status'
  | 'reversal_of'
  | 'transaction_id'
  | 'service_date'
  | 'patient_ref'
  | 'code_system'
  | 'code'
  | 'modifiers'
  | 'units'
  | 'charge_amount'
  | 'diagnoses'
  | 'rendering_npi'
  | 'ndc'
  | 'created_at'
  | 'unpriced'
>;

const STATUS: Readonly<Record<ChargeRow['status'], string>> = {
  active: 'billable',
  reversed: 'billable',
  reversal: 'billable',
  held: 'not-billable',
};

export function chargeItemFromRow(c: ChargeRow): Resource {
  const units = fhirDecimal(c.units) ?? 1;
  const quantity = c.status === 'reversal' ? -Math.abs(units) : units;
  const amount = fhirDecimal(c.charge_amount);
  const modifiers = c.modifiers.filter((m) => m !== '');
  return compact({
    resourceType: 'ChargeItem',
    id: chargeItemId(c.id),
    identifier: c.transaction_id ? [{ value: c.transaction_id }] : undefined,
    status: STATUS[c.status],
    code: {
      coding: [compact({ system: systemUri(c.code_system), code: c.code })],
      text: modifiers.length > 0 ? `${c.code} ${modifiers.join(' ')}` : undefined,
    },
    subject: { reference: `Patient/${patientId(c.patient_ref)}` },
    occurrenceDateTime: c.service_date,
    performer: c.rendering_npi ? [{ actor: npiReference(c.rendering_npi) }] : undefined,
    quantity: { value: quantity },
    priceOverride: c.unpriced || amount === undefined ? undefined : { value: amount, currency: 'USD' },
    enteredDate: c.created_at instanceof Date ? c.created_at.toISOString() : undefined,
    reason: c.diagnoses.length > 0 ? c.diagnoses.map((code) => ({ coding: [{ system: systemUri('I10'), code }] })) : undefined,
    productCodeableConcept: c.ndc ? { coding: [{ system: systemUri('NDC'), code: c.ndc }] } : undefined,
    supportingInformation:
      c.status === 'reversal' && c.reversal_of ? [{ reference: `ChargeItem/${chargeItemId(c.reversal_of)}` }] : undefined,
  });
}
