/**
 * The destination transformer: one stored HL7 v2 message → the FHIR R4 JSON a destination sends. Pure.
 *
 * `fhirTransformer(resource)` gives the transformer for a resource name (Immunization, MedicationDispense, Patient,
 * Coverage, or Bundle for everything the message carries), or undefined for a name it does not make. One resource
 * is returned as itself; several (two RXAs, two IN1s) as a transaction Bundle of PUTs by their deterministic ids.
 * Every result is validated against R4 (and US Core for Immunization) before it is returned: a message that gives
 * no resource, or an invalid one, throws EngineError FHIR_INVALID naming paths, never values.
 */
import { EngineError } from '../core/errors';
import { parseHl7 } from '../hl7/parse';
import type { Hl7Message } from '../hl7/parse';
import { transactionBundle } from './bundle';
import { immunizationsFromVxu } from './immunization';
import { dispensesFromRds } from './medication-dispense';
import { coverageFactsFromIn1, coverageFromFacts, patientFactsFromPid, patientFromFacts, type Resource } from './patient';
import { FhirValidationError, assertValidResource } from './validate';

export interface TransformInput {
  messageId: string;
  channel: string;
  /** The raw HL7 v2 message. */
  content: string;
  /** The same message parsed, when the caller has it already (it is parsed here otherwise). */
  message?: Hl7Message;
}
export type FhirTransform = (input: TransformInput) => object;

/** The resource names a destination's transformer may ask for. */
export const TRANSFORMER_RESOURCES = ['Immunization', 'MedicationDispense', 'Patient', 'Coverage', 'Bundle'] as const;

const BUILDERS: Readonly<Record<string, (msg: Hl7Message, messageId: string) => Resource[]>> = {
  Immunization: (msg, id) => immunizationsFromVxu(msg, id),
  MedicationDispense: (msg, id) => dispensesFromRds(msg, id),
  Patient: (msg) => (patientFactsFromPid(msg).patientRef ? [patientFromFacts(patientFactsFromPid(msg))] : []),
  Coverage: (msg) => coverageFactsFromIn1(msg).map(coverageFromFacts),
  Bundle: (msg, id) => [
    ...BUILDERS.Patient!(msg, id),
    ...BUILDERS.Coverage!(msg, id),
    ...BUILDERS.Immunization!(msg, id),
    ...BUILDERS.MedicationDispense!(msg, id),
  ],
};

/** The resources a message makes for `resource`, validated. */
export function resourcesFromMessage(resource: string, msg: Hl7Message, messageId: string): Resource[] {
  const build = BUILDERS[resource];
  if (!build) throw new EngineError('FHIR_INVALID', `no FHIR transformer for ${resource}`);
  return build(msg, messageId);
}

export function fhirTransformer(resource: string): FhirTransform | undefined {
  if (!BUILDERS[resource]) return undefined;
  return (input) => {
    const resources = resourcesFromMessage(resource, input.message ?? parseHl7(input.content), input.messageId);
    if (resources.length === 0) {
      throw new EngineError('FHIR_INVALID', `message ${input.messageId} has no segment that makes a ${resource}`);
    }
    const out =
      resources.length === 1 && resource !== 'Bundle'
        ? resources[0]!
        : transactionBundle(resources, `${input.messageId}-bundle`.replace(/[^A-Za-z0-9.-]/g, '.'));
    try {
      return assertValidResource(out);
    } catch (err) {
      if (err instanceof FhirValidationError) throw new EngineError('FHIR_INVALID', `message ${input.messageId}: ${err.message}`);
      throw err;
    }
  };
}
