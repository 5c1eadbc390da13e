/**
 * FHIR builders a destination's `transform: { fhir: <Resource> }` calls: one entry per resource (or Bundle kind)
 * name. The channel schema refuses a name that is not listed here, naming the ones that are.
 *
 * Contract of a builder:
 * - Pure and synchronous: the parsed inbound message (and its text) in, one JSON-serialisable FHIR resource or
 *   Bundle out. Same input, same output, so a retried delivery sends the same body.
 * - A message it cannot turn into the resource (a required field missing, an unknown code) throws
 *   EngineError with a code (e.g. FHIR_FIELD_MISSING) and a reason naming the HL7 path, never the value: the
 *   delivery becomes a dead letter (state failed) with that code and reason, and is not retried.
 */
import { fhirTransformer, TRANSFORMER_RESOURCES } from '../fhir';
import type { Hl7Message } from '../hl7/parse';

export interface FhirBuildInput {
  /** The inbound message, parsed (src/hl7/parse.ts). */
  message: Hl7Message;
  /** The inbound message text as received (segments ended by \r). */
  text: string;
  /** Stored message id, channel and destination names: for identifiers such as Bundle.identifier. */
  messageId: string;
  channel: string;
  destination: string;
}

export type FhirBuilder = (input: FhirBuildInput) => Record<string, unknown>;

/**
 * The FHIR builders by the name a channel file gives (`fhir: Patient`): the R4 builders of src/fhir (Immunization,
 * MedicationDispense, Patient, Coverage, and Bundle for everything a message carries), each validated against R4
 * before it is returned (FHIR_INVALID otherwise).
 */
export const FHIR_BUILDERS: Readonly<Record<string, FhirBuilder>> = Object.fromEntries(
  TRANSFORMER_RESOURCES.map((resource) => {
    const transform = fhirTransformer(resource)!;
    const builder: FhirBuilder = ({ text, messageId, channel }) =>
      transform({ content: text, messageId, channel }) as Record<string, unknown>;
    return [resource, builder];
  }),
);

export function fhirBuilder(resource: string): FhirBuilder | undefined {
  return Object.hasOwn(FHIR_BUILDERS, resource) ? FHIR_BUILDERS[resource] : undefined;
}

/** Why `resource` cannot be used, naming the builders there are; undefined when it can. */
export function unknownFhirResource(resource: string): string | undefined {
  if (fhirBuilder(resource)) return undefined;
  const known = Object.keys(FHIR_BUILDERS).sort();
  return known.length === 0
    ? `fhir: ${resource} is not available: no FHIR builders are installed in this engine`
    : `fhir: ${resource} is not a known FHIR builder (known: ${known.join(', ')})`;
}
