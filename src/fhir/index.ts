/**
 * FHIR R4 output: builders from the engine's messages and records to FHIR JSON, R4 validation, the destination
 * transformer and the read-only API's resources (docs/fhir.md).
 */
export { fhirTransformer, resourcesFromMessage, TRANSFORMER_RESOURCES, type FhirTransform, type TransformInput } from './transformer';
export { immunizationsFromVxu, US_CORE_IMMUNIZATION } from './immunization';
export { dispensesFromRds } from './medication-dispense';
export { chargeItemFromRow, type ChargeRow } from './charge-item';
export { coverageFromFacts, coverageFactsFromIn1, patientFactsFromPid, patientFromFacts, type Resource } from './patient';
export { operationOutcome, searchsetBundle, transactionBundle } from './bundle';
export { validateResource, assertValidResource, FhirValidationError, usCoreImmunizationIssues, type ValidationIssue } from './validate';
export { patientId, coverageId, chargeItemId } from './ids';
