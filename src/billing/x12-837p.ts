/**
 * The 837P (005010X222A1) writer: claims → one interchange (ISA/GS) with one transaction set (ST…SE). Pure.
 *
 * Loops (DOMAIN §2.1): claims are grouped by billing provider (2000A), then by subscriber and payer (2000B),
 * then, when the patient is not the subscriber (relationship ≠ 18), by patient (2000C: SBR02 empty, PAT01 the
 * relationship, the 2300 claims under it). Loops appear in the order their first claim appears in `claims`; a
 * 2000B or 2000C holds at most 100 claims (the TR3 repeat), more start another loop with the same data. HL01
 * counts from 1 through the set, HL02 names the parent, HL04 says whether children follow.
 *
 * Every claim is checked first (x12-837p-validate.ts): CLM02 must equal Σ SV102 and the TR3 limits must
 * hold, else EngineError('CLAIM_INVALID') and nothing is written. Decimals are written in X12 R form
 * ("25.00" → "25", "0.50" → "0.5"). ISA/GS dates are `now` in UTC; BHT03 is the 9-digit interchange control
 * number. Segments are terminated by "~" and, unless told otherwise, followed by a line feed (one segment
 * per line: receivers accept it and people can read the file; pass `lineBreak: ''` for a single line).
 */
import { EngineError } from '../core/errors';
import { emitInterchange, interchangeControlNumber, x12Date, x12Time, type GroupParams, type IsaParams } from '../x12/envelope';
import type { SegmentSink, X12Segment } from '../x12/segment';
import { segment } from '../x12/segment';
import { segmentTextWriter } from '../x12/writer';
import type { Address, BillingProvider, Claim, ControlNumbers, Interchange, Patient, Payer, Subscriber } from './model';
import {
  billingProviderSegments,
  claimSegments,
  headerSegments,
  lineSegments,
  patientSegments,
  subscriberSegments,
} from './x12-837p-loops';
import { assertWritable } from './x12-837p-validate';

export const X222A1 = '005010X222A1';
/** 2300 repeats at most 100 times under one HL. */
export const MAX_CLAIMS_PER_HL = 100;

export interface Write837POptions {
  /** Written after every "~". Default "\n". */
  lineBreak?: string;
}

/** 2000C: a patient who is not the subscriber, and their claims. */
interface PatientLoop {
  patient: Patient;
  claims: Claim[];
}

/** 2000B: a subscriber with one payer; claims of the subscriber as patient, or 2000C patients (never both). */
interface SubscriberLoop {
  /** The claim the subscriber, payer and (for self) patient data are taken from. */
  first: Claim;
  claims: Claim[];
  patients: PatientLoop[];
}

/** 2000A: one billing provider. */
interface BillingLoop {
  provider: BillingProvider;
  subscribers: SubscriberLoop[];
}

/**
 * Loop keys: claims share a loop when the records the loop is written from are equal, field by field (property
 * order does not matter: claims read back from jsonb come in another order). The field lists are checked by the
 * compiler: each names every field of its model type, so a field added to the model cannot be left out.
 */
const ADDRESS_FIELDS = fieldList<Address>({ line1: 1, line2: 1, city: 1, state: 1, zip: 1 });
const BILLING_PROVIDER_FIELDS = fieldList<Omit<BillingProvider, 'address'>>({
  name: 1,
  npi: 1,
  taxIdType: 1,
  taxId: 1,
  taxonomy: 1,
  cliaNumber: 1,
});
const SUBSCRIBER_FIELDS = fieldList<Omit<Subscriber, 'address'>>({
  memberId: 1,
  groupNumber: 1,
  groupName: 1,
  payerResponsibility: 1,
  filingIndicator: 1,
  familyName: 1,
  givenName: 1,
  birthDate: 1,
  sex: 1,
});
const PATIENT_FIELDS = fieldList<Omit<Patient, 'address'>>({
  patientRef: 1,
  familyName: 1,
  givenName: 1,
  birthDate: 1,
  sex: 1,
  relationship: 1,
});
const PAYER_FIELDS = fieldList<Payer>({ id: 1, name: 1 });

/** The names of a record's fields, from an object that must name each of them exactly once. */
function fieldList<T>(fields: Record<keyof T & string, 1>): ReadonlyArray<keyof T & string> {
  return Object.keys(fields) as Array<keyof T & string>;
}

/** Appends each field's value to `key`, unambiguously: length-prefixed text, "-" when absent, JSON otherwise. */
function keyFields<T>(key: string, record: T | undefined, fields: ReadonlyArray<keyof T & string>): string {
  if (record === undefined || record === null) return `${key}${record === null ? 'N' : 'U'};`;
  for (const field of fields) {
    const value: unknown = record[field];
    if (typeof value === 'string') key += `${value.length}:${value}`;
    else if (value === undefined) key += '-';
    else key += `J${JSON.stringify(value)};`;
  }
  return `${key};`;
}

function withAddress(key: string, address: Address | undefined): string {
  return keyFields(key, address, ADDRESS_FIELDS);
}

function billingProviderKey(p: BillingProvider): string {
  return withAddress(keyFields('', p, BILLING_PROVIDER_FIELDS), p.address);
}

function subscriberKey(providerKey: string, claim: Claim, self: boolean): string {
  const subscriber = withAddress(keyFields(`${providerKey}|`, claim.subscriber, SUBSCRIBER_FIELDS), claim.subscriber.address);
  return `${keyFields(subscriber, claim.payer, PAYER_FIELDS)}${self ? 'S' : 'D'}`;
}

function patientKey(p: Patient): string {
  return withAddress(keyFields('', p, PATIENT_FIELDS), p.address);
}

/** Finds the open loop for `key` or starts one; a loop that holds `MAX_CLAIMS_PER_HL` claims is closed. */
function openLoop<T extends { claims: Claim[] }>(open: Map<string, T>, key: string, start: () => T, list: T[]): T {
  let loop = open.get(key);
  if (!loop || loop.claims.length >= MAX_CLAIMS_PER_HL) {
    loop = start();
    open.set(key, loop);
    list.push(loop);
  }
  return loop;
}

/** Claims → billing provider → subscriber (+ payer) → patient loops, in order of first appearance. */
function groupClaims(claims: readonly Claim[]): BillingLoop[] {
  const billing = new Map<string, BillingLoop>();
  const result: BillingLoop[] = [];
  const subscriberLoops = new Map<string, SubscriberLoop>();
  const dependentLoops = new Map<string, SubscriberLoop & { open: Map<string, PatientLoop> }>();
  const providerKeys = new Map<BillingProvider, string>(); // claims built in one go share the configured provider
  for (const claim of claims) {
    let providerKey = providerKeys.get(claim.billingProvider);
    if (providerKey === undefined) {
      providerKey = billingProviderKey(claim.billingProvider);
      providerKeys.set(claim.billingProvider, providerKey);
    }
    let a = billing.get(providerKey);
    if (!a) {
      a = { provider: claim.billingProvider, subscribers: [] };
      billing.set(providerKey, a);
      result.push(a);
    }
    const self = claim.patient.relationship === '18';
    const bKey = subscriberKey(providerKey, claim, self);
    if (self) {
      const b = openLoop(subscriberLoops, bKey, () => ({ first: claim, claims: [], patients: [] }), a.subscribers);
      b.claims.push(claim);
      continue;
    }
    let b = dependentLoops.get(bKey);
    if (!b) {
      b = { first: claim, claims: [], patients: [], open: new Map() };
      dependentLoops.set(bKey, b);
      a.subscribers.push(b);
    }
    const owner = b;
    const c = openLoop(owner.open, patientKey(claim.patient), () => ({ patient: claim.patient, claims: [] }), owner.patients);
    c.claims.push(claim);
  }
  return result;
}

/** Pushes segments one by one into the sink. */
function append(out: SegmentSink, segments: readonly X12Segment[]): void {
  for (const seg of segments) out.push(seg);
}

/** 2300 and its 2400 lines, for each claim. */
function appendClaims(out: SegmentSink, claims: readonly Claim[]): void {
  for (const claim of claims) {
    append(out, claimSegments(claim));
    claim.lines.forEach((line, i) => append(out, lineSegments(claim, line, i)));
  }
}

/** The hierarchical body of the transaction set: every HL loop with its claims, HL numbered in order. */
function appendHierarchy(out: SegmentSink, loops: readonly BillingLoop[]): void {
  let hl = 0;
  for (const a of loops) {
    const billingHl = String(++hl);
    out.push(segment('HL', billingHl, undefined, '20', '1'));
    append(out, billingProviderSegments(a.provider));
    for (const b of a.subscribers) {
      const subscriberHl = String(++hl);
      const first = b.first;
      out.push(segment('HL', subscriberHl, billingHl, '22', b.patients.length > 0 ? '1' : '0'));
      append(out, subscriberSegments(first.subscriber, first.payer, first.patient));
      appendClaims(out, b.claims);
      for (const c of b.patients) {
        out.push(segment('HL', String(++hl), subscriberHl, '23', '0'));
        append(out, patientSegments(c.patient));
        appendClaims(out, c.claims);
      }
    }
  }
}

/**
 * Every segment of the 837P interchange for `claims` (ISA … IEA), pushed into `out` as it is built. The claims
 * are all checked (and grouped) before the first segment is pushed.
 */
function emit837P(claims: readonly Claim[], interchange: Interchange, control: ControlNumbers, now: Date, out: SegmentSink): void {
  if (claims.length === 0) throw new EngineError('CLAIM_INVALID', 'an 837P needs at least one claim');
  claims.forEach(assertWritable);
  const loops = groupClaims(claims);
  emitInterchange(
    ...envelopeOf(interchange, control, now, 'HC', X222A1),
    [
      {
        id: '837',
        controlNumber: control.transactionSet,
        implementationReference: X222A1,
        emit(body) {
          append(body, headerSegments(interchange, interchangeControlNumber(control.interchange), x12Date(now), x12Time(now)));
          appendHierarchy(body, loops);
        },
      },
    ],
    out,
  );
}

/**
 * The ISA and GS parameters of a file we send (837P, 270): the configured sender and receiver, the control numbers
 * drawn for the file, `now`, and the group's functional id (GS01) and version (GS08).
 */
export function envelopeOf(
  interchange: Interchange,
  control: ControlNumbers,
  now: Date,
  functionalId: string,
  version: string,
): [IsaParams, GroupParams] {
  return [
    {
      senderQualifier: interchange.senderQualifier,
      senderId: interchange.senderId,
      receiverQualifier: interchange.receiverQualifier,
      receiverId: interchange.receiverId,
      controlNumber: control.interchange,
      usage: interchange.usage,
      date: now,
      acknowledgmentRequested: interchange.requestTa1 === true,
    },
    {
      functionalId,
      senderCode: interchange.senderId,
      receiverCode: interchange.receiverId,
      controlNumber: control.group,
      version,
      date: now,
    },
  ];
}

/** The segments of an 837P interchange for `claims` (ISA … IEA). */
export function build837P(claims: readonly Claim[], interchange: Interchange, control: ControlNumbers, now: Date): X12Segment[] {
  const segments: X12Segment[] = [];
  emit837P(claims, interchange, control, now, segments);
  return segments;
}

/**
 * The 837P text for `claims`: one ISA/GS, one ST with every claim. Throws CLAIM_INVALID (see above). Each
 * segment is written as it is built: the text is the same as writing build837P's segments.
 */
export function write837P(
  claims: readonly Claim[],
  interchange: Interchange,
  control: ControlNumbers,
  now: Date,
  options: Write837POptions = {},
): string {
  const writer = segmentTextWriter({ lineBreak: options.lineBreak ?? '\n' });
  emit837P(claims, interchange, control, now, writer);
  return writer.text();
}
