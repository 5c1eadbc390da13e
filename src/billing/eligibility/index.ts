/**
 * Eligibility (X12 270/271, 005010X279A1): the 270 writer, the 271 reader and what an answer means for the patient's
 * coverages and charges. Pure; the workflow is src/billing/workflows/eligibility.ts, the store src/store/eligibility.ts.
 */
export * from './x12-270';
export * from './read-271';
export * from './decide';
export type * from './ports';
