/** Public API of the pure HL7 v2 layer: charsets, MSH pre-parse, parse, escapes, path reads, ACKs. */
export type { Charset } from './charset';
export { sniffMsh18, resolveCharset, decodeHl7, normalizeSegments } from './charset';
export type { Delimiters } from './escape';
export { DEFAULT_DELIMITERS, escapeHl7, unescapeHl7 } from './escape';
export type { MshHeader } from './peek';
export { peekMsh, isVersionSupported, usesErl } from './peek';
export type { Hl7Message, Hl7Segment } from './parse';
export { parseHl7 } from './parse';
export type { PathRef } from './path';
export { parsePath, formatPath, selectSegment, readSegment, readAll, readMessage, segmentsNamed } from './path';
export type { AckCode, AckError, AckInput } from './ack';
export type { ApplicationAckRequest } from './ack';
export { buildAck, newControlId, ackMode, shouldSendAccept, applicationAckRequest, formatHl7Timestamp } from './ack';
