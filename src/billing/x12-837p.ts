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
import { buildInterchange, interchangeControlNumber, x12Date, x12Time } from '../x12/envelope';
import type { X12Segment } from '../x12/segment';
import { segment } from '../x12/segment';
import { writeSegments } from '../x12/writer';
import type { BillingProvider, Claim, ControlNumbers, Interchange, Patient } from './model';
import {
  billingProviderSegments, claimSegments, headerSegments, lineSegments, patientSegments, subscriberSegments,
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

/** A JSON key independent of property order, for grouping equal records. */
function stableKey(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableKey).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableKey(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
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
  for (const claim of claims) {
    const providerKey = stableKey(claim.billingProvider);
    let a = billing.get(providerKey);
    if (!a) {
      a = { provider: claim.billingProvider, subscribers: [] };
      billing.set(providerKey, a);
      result.push(a);
    }
    const self = claim.patient.relationship === '18';
    const subscriberKey = stableKey({ providerKey, subscriber: claim.subscriber, payer: claim.payer, self });
    if (self) {
      const b = openLoop(subscriberLoops, subscriberKey, () => ({ first: claim, claims: [], patients: [] }), a.subscribers);
      b.claims.push(claim);
      continue;
    }
    let b = dependentLoops.get(subscriberKey);
    if (!b) {
      b = { first: claim, claims: [], patients: [], open: new Map() };
      dependentLoops.set(subscriberKey, b);
      a.subscribers.push(b);
    }
    const owner = b;
    const c = openLoop(owner.open, stableKey(claim.patient), () => ({ patient: claim.patient, claims: [] }), owner.patients);
    c.claims.push(claim);
  }
  return result;
}

function claimAndLines(claim: Claim): X12Segment[] {
  return [...claimSegments(claim), ...claim.lines.flatMap((line, i) => lineSegments(claim, line, i))];
}

/** The hierarchical body of the transaction set: every HL loop with its claims, HL numbered in order. */
function hierarchy(loops: readonly BillingLoop[]): X12Segment[] {
  const out: X12Segment[] = [];
  let hl = 0;
  for (const a of loops) {
    const billingHl = String(++hl);
    out.push(segment('HL', billingHl, undefined, '20', '1'), ...billingProviderSegments(a.provider));
    for (const b of a.subscribers) {
      const subscriberHl = String(++hl);
      const first = b.first;
      out.push(
        segment('HL', subscriberHl, billingHl, '22', b.patients.length > 0 ? '1' : '0'),
        ...subscriberSegments(first.subscriber, first.payer, first.patient),
        ...b.claims.flatMap(claimAndLines),
      );
      for (const c of b.patients) {
        out.push(
          segment('HL', String(++hl), subscriberHl, '23', '0'),
          ...patientSegments(c.patient),
          ...c.claims.flatMap(claimAndLines),
        );
      }
    }
  }
  return out;
}

/** The segments of an 837P interchange for `claims` (ISA … IEA). */
export function build837P(claims: readonly Claim[], interchange: Interchange, control: ControlNumbers, now: Date): X12Segment[] {
  if (claims.length === 0) throw new EngineError('CLAIM_INVALID', 'an 837P needs at least one claim');
  claims.forEach(assertWritable);
  const body = [
    ...headerSegments(interchange, interchangeControlNumber(control.interchange), x12Date(now), x12Time(now)),
    ...hierarchy(groupClaims(claims)),
  ];
  return buildInterchange(
    {
      senderQualifier: interchange.senderQualifier, senderId: interchange.senderId,
      receiverQualifier: interchange.receiverQualifier, receiverId: interchange.receiverId,
      controlNumber: control.interchange, usage: interchange.usage, date: now,
    },
    {
      functionalId: 'HC', senderCode: interchange.senderId, receiverCode: interchange.receiverId,
      controlNumber: control.group, version: X222A1, date: now,
    },
    [{ id: '837', controlNumber: control.transactionSet, implementationReference: X222A1, body }],
  );
}

/** The 837P text for `claims`: one ISA/GS, one ST with every claim. Throws CLAIM_INVALID (see above). */
export function write837P(
  claims: readonly Claim[], interchange: Interchange, control: ControlNumbers, now: Date, options: Write837POptions = {},
): string {
  return writeSegments(build837P(claims, interchange, control, now), { lineBreak: options.lineBreak ?? '\n' });
}
