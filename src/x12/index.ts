/**
 * The X12 layer: a segment model, a reader that learns separators from each ISA and splits interchanges
 * into ISA/GS/ST envelopes, a writer (no escaping in X12: values are cleaned, trailing empties dropped),
 * envelope builders and checks, and X12 decimal (R) formatting. Depends only on src/core; pure.
 */
export * from './segment';
export * from './reader';
export * from './writer';
export * from './envelope';
export { decimalsEqual as x12DecimalsEqual, formatX12Decimal, isDecimal as isX12Decimal, sumX12Decimals } from '../core/decimal';
