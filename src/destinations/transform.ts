/**
 * A destination's transformer (docs/channels.md "Destinations", `transform:`), pure: one stored inbound message in,
 * one OutboundPayload out. The same message and delivery always give the same body (no clock, no randomness), so a
 * retried delivery sends what the first attempt sent.
 *
 * - passthrough: the message as received; its MSH-10 is the payload's control id.
 * - hl7: the received message with fields set from expressions; MSH-10 is always the delivery's own control id
 *   (stored before the first send), so a receiver that de-duplicates by MSH-10 takes each delivery once.
 * - json: a JSON object whose leaves are expressions; empty values are left out.
 * - fhir: a builder from src/destinations/transformers.ts.
 *
 * Expressions are the mapping language's sources (src/mappings/expressions.ts): `PID-5.1 | "UNKNOWN" | $channel`.
 * Variables: $controlId (the delivery's control id), $messageId, $channel, $destination, $receivedControlId (the
 * inbound MSH-10). A message the transformer cannot handle throws EngineError (not retried: the delivery fails).
 */
import { EngineError } from '../core/errors';
import { escapeHl7, type Delimiters } from '../hl7/escape';
import type { Hl7Message, Hl7Segment } from '../hl7/parse';
import { readAll, readSegment, selectSegment, type PathRef } from '../hl7/path';
import type { Condition, Operand, Source } from '../mappings/expressions';
import type { OutboundPayload } from './ports';
import { fhirBuilder } from './transformers';

/** Variables every expression may read. */
export const DESTINATION_VARIABLES: ReadonlySet<string> = new Set([
  'controlId',
  'messageId',
  'channel',
  'destination',
  'receivedControlId',
]);

/** A JSON template: every leaf is an expression. */
export interface JsonTemplate {
  readonly [key: string]: Source | JsonTemplate;
}

export type TransformPlan =
  | { readonly kind: 'passthrough' }
  | { readonly kind: 'hl7'; readonly set: ReadonlyArray<{ readonly path: PathRef; readonly value: Source }> }
  | { readonly kind: 'json'; readonly template: JsonTemplate }
  | { readonly kind: 'fhir'; readonly resource: string };

export interface TransformInput {
  /** The inbound message text (segments ended by \r) and its parse. */
  text: string;
  message: Hl7Message;
  messageId: string;
  channel: string;
  destination: string;
  /** The delivery's stored control id (the outbound MSH-10 of an hl7 transform). */
  controlId: string;
}

export function deliveryKeyOf(messageId: string, destination: string): string {
  return `${messageId}:${destination}`;
}

export function transformMessage(plan: TransformPlan, input: TransformInput): OutboundPayload {
  const base = {
    deliveryKey: deliveryKeyOf(input.messageId, input.destination),
    messageId: input.messageId,
    channel: input.channel,
    destination: input.destination,
  };
  switch (plan.kind) {
    case 'passthrough':
      return {
        ...base,
        format: 'hl7v2',
        body: input.text,
        contentType: 'application/hl7-v2',
        controlId: input.message.header.controlId,
      };
    case 'hl7': {
      const segments = input.message.segments.map((s) => ({ name: s.name, fields: [...s.fields] }));
      const msg: Hl7Message = { ...input.message, segments };
      for (const edit of plan.set) writeField(msg, edit.path, evaluateSource(edit.value, input));
      writeField(msg, { segment: 'MSH', field: 10, repetition: 1 }, input.controlId);
      return { ...base, format: 'hl7v2', body: formatHl7(msg), contentType: 'application/hl7-v2', controlId: input.controlId };
    }
    case 'json':
      return { ...base, format: 'json', body: JSON.stringify(buildJson(plan.template, input)), contentType: 'application/json' };
    case 'fhir': {
      const build = fhirBuilder(plan.resource);
      if (!build) throw new EngineError('DESTINATION_TRANSFORM_FAILED', `no FHIR builder for ${plan.resource}`);
      const resource = build({
        message: input.message,
        text: input.text,
        messageId: input.messageId,
        channel: input.channel,
        destination: input.destination,
      });
      return { ...base, format: 'fhir', body: JSON.stringify(resource), contentType: 'application/fhir+json' };
    }
  }
}

function isSource(x: Source | JsonTemplate): x is Source {
  return Array.isArray(x);
}

function buildJson(template: JsonTemplate, input: TransformInput): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(template)) {
    if (isSource(value)) {
      const v = evaluateSource(value, input);
      if (v !== '') out[key] = v;
    } else {
      const nested = buildJson(value, input);
      if (Object.keys(nested).length > 0) out[key] = nested;
    }
  }
  return out;
}

function variable(name: string, input: TransformInput): string {
  switch (name) {
    case 'controlId':
      return input.controlId;
    case 'messageId':
      return input.messageId;
    case 'channel':
      return input.channel;
    case 'destination':
      return input.destination;
    case 'receivedControlId':
      return input.message.header.controlId;
    default:
      return '';
  }
}

function operand(op: Operand, input: Pick<TransformInput, 'message'> & Partial<TransformInput>): string {
  if (op.kind === 'literal') return op.value;
  if (op.kind === 'var') return variable(op.name, input as TransformInput);
  const msg = input.message;
  const seg = selectSegment(
    msg.segments.filter((s) => s.name === op.ref.segment),
    op.ref,
    msg.delimiters,
  );
  if (!seg) return '';
  if (op.ref.repetition === '*') return readAll(seg, op.ref, msg.delimiters).join('~');
  return readSegment(seg, op.ref, msg.delimiters).trim();
}

/** The first non-empty alternative of a source ('' when none). */
export function evaluateSource(source: Source, input: TransformInput): string {
  for (const op of source) {
    const v = operand(op, input);
    if (v !== '') return v;
  }
  return '';
}

/** A destination's `when:` against one message: exact comparison, like a mapping's conditions. */
export function conditionHolds(cond: Condition, input: TransformInput): boolean {
  switch (cond.kind) {
    case 'any':
      return cond.of.some((c) => conditionHolds(c, input));
    case 'present':
      return evaluateSource(cond.left, input) !== '';
    case 'empty':
      return evaluateSource(cond.left, input) === '';
    case 'compare': {
      const v = evaluateSource(cond.left, input);
      switch (cond.op) {
        case '=':
          return v === cond.values[0];
        case '!=':
          return v !== cond.values[0];
        case 'in':
          return cond.values.includes(v);
        case 'not in':
          return !cond.values.includes(v);
      }
    }
  }
}

/** Replaces the n-th (1-based) part of `s` split on `sep`, padding with empty parts. */
function replacePart(s: string, sep: string, n: number, value: string): string {
  const parts = s === '' ? [''] : s.split(sep);
  while (parts.length < n) parts.push('');
  parts[n - 1] = value;
  return parts.join(sep);
}

/**
 * Sets the value at `ref` (escaped) in the segment it selects, creating missing repetitions, components and
 * fields; a segment the message lacks is not created (the edit is skipped). MSH-1 and MSH-2 are never written
 * (the schema refuses them).
 */
export function writeField(msg: Hl7Message, ref: PathRef, value: string): void {
  const d = msg.delimiters;
  const seg = selectSegment(
    msg.segments.filter((s) => s.name === ref.segment),
    ref,
    d,
  );
  if (!seg || (seg.name === 'MSH' && ref.field <= 2)) return;
  while (seg.fields.length <= ref.field) seg.fields.push('');
  const escaped = escapeHl7(value, d);
  const field = seg.fields[ref.field] as string;
  if (ref.repetition === '*' || (ref.component === undefined && ref.repetition === 1 && !field.includes(d.repetition))) {
    if (ref.component === undefined) {
      seg.fields[ref.field] = escaped;
      return;
    }
  }
  const rep = ref.repetition === '*' ? 1 : ref.repetition;
  const repText = nth(field, d.repetition, rep);
  let newRep: string;
  if (ref.component === undefined) newRep = escaped;
  else if (ref.subcomponent === undefined) newRep = replacePart(repText, d.component, ref.component, escaped);
  else {
    const comp = nth(repText, d.component, ref.component);
    newRep = replacePart(repText, d.component, ref.component, replacePart(comp, d.subcomponent, ref.subcomponent, escaped));
  }
  seg.fields[ref.field] = replacePart(field, d.repetition, rep, newRep);
}

function nth(s: string, sep: string, n: number): string {
  return s.split(sep)[n - 1] ?? '';
}

/** The message as text: segments ended by \r (MSH keeps its separator and encoding characters). */
export function formatHl7(msg: Hl7Message): string {
  return msg.segments.map((s) => formatSegment(s, msg.delimiters)).join('\r') + '\r';
}

function formatSegment(s: Hl7Segment, d: Delimiters): string {
  if (s.name === 'MSH') return `MSH${d.field}${s.fields.slice(2).join(d.field)}`;
  return s.fields.join(d.field);
}
