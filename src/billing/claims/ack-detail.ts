/**
 * What a 999 or a 277CA said about one claim, in a biller's words (pure). A 999 answers a whole 837P transaction
 * set: its IK3 (segment) and IK4 (element) errors name a segment by its position in the set (ST = 1), so each
 * error is placed on the claim whose loop holds that segment, read from the batch file as we sent it: inside a
 * claim (2300/2400) → that claim; in a subscriber or patient loop (2000B/2000C) → the claims under it; in the
 * header or billing provider loop → every claim of the set. A 277CA answers each claim by CLM01 with STC codes.
 * Labels never carry the bad value (it may be patient data): segment, position, loop, element and the code's meaning.
 */
import { readInterchanges } from '../../x12/reader';
import type { AckError, TransactionSetAck } from '../remittance/read-999';
import type { ClaimStatus as ClaimStatus277, StatusCode } from '../remittance/read-277ca';

export interface AckErrorDetail extends AckError {
  /** e.g. "NM109 (element 9 of NM1 at segment 14, loop 2010BA, data element 67): Required data element missing". */
  label: string;
}

export interface ClaimAckDetail {
  kind: '999' | '277CA';
  outcome: string;
  /** 999: the set's IK5 (or the group's AK9) code. */
  setStatus?: string;
  /** 999: the errors placed on this claim and those of the whole set. */
  errors?: AckErrorDetail[];
  /** 277CA: each STC code with its meaning. */
  statuses?: Array<StatusCode & { label: string }>;
  payerClaimNumber?: string;
  lines?: Array<{ code: string; outcome: string; statuses: Array<StatusCode & { label: string }> }>;
}

export function ackErrorLabel(e: AckError): string {
  const where = [e.segmentPosition !== undefined ? `segment ${e.segmentPosition}` : undefined, e.loopId ? `loop ${e.loopId}` : undefined]
    .filter(Boolean)
    .join(', ');
  if (e.level === 'element' && e.segmentId && e.elementPosition !== undefined) {
    const name = `${e.segmentId}${String(e.elementPosition).padStart(2, '0')}${e.componentPosition !== undefined ? `-${e.componentPosition}` : ''}`;
    const about = [
      `element ${e.elementPosition} of ${e.segmentId}${where ? ` at ${where}` : ''}`,
      e.elementReference ? `data element ${e.elementReference}` : undefined,
    ]
      .filter(Boolean)
      .join(', ');
    return `${name} (${about}): ${e.description}`;
  }
  if (e.level === 'segment' && e.segmentId) return `${e.segmentId} segment${where ? ` (${where})` : ''}: ${e.description}`;
  return `${e.level === 'group' ? 'functional group' : 'transaction set'}: ${e.description}`;
}

/**
 * The 999's errors of one transaction set, by the CLM01 of the claim each concerns; `all` holds those that
 * concern the whole set (header, billing provider, IK5 codes, or a position the file does not have).
 */
export function placeSetErrors(
  batchX12: string,
  setControl: string,
  errors: readonly AckError[],
): { byClaim: Map<string, AckError[]>; all: AckError[] } {
  const byClaim = new Map<string, AckError[]>();
  const all: AckError[] = [];
  const set = readInterchanges(batchX12)
    .flatMap((i) => i.groups)
    .flatMap((g) => g.transactionSets)
    .find((ts) => Number(ts.st.elements[1]?.[0]?.[0] ?? '') === Number(setControl));
  const ids = set ? set.segments.map((s) => s.id) : [];
  const el = (i: number, n: number) => set?.segments[i]?.elements[n - 1]?.[0]?.[0] ?? '';
  let segmentError: AckError | undefined;
  for (const given of errors) {
    // An IK4 names no loop: it is in its IK3's.
    const e =
      given.level === 'element' && !given.loopId && segmentError?.loopId && segmentError.segmentPosition === given.segmentPosition
        ? { ...given, loopId: segmentError.loopId }
        : given;
    if (e.level === 'segment') segmentError = e;
    const at = e.segmentPosition !== undefined ? e.segmentPosition - 1 : -1;
    const claims = set && at >= 0 && at < ids.length ? claimsAt(ids, el, at) : [];
    if (claims.length === 0) all.push(e);
    for (const c of claims) byClaim.set(c, [...(byClaim.get(c) ?? []), e]);
  }
  return { byClaim, all };
}

/** CLM01s of the claims a segment at index `at` belongs to (see the module comment). */
function claimsAt(ids: readonly string[], el: (i: number, n: number) => string, at: number): string[] {
  // Inside a claim: the nearest CLM before it, unless an HL comes between.
  for (let i = at; i >= 0; i--) {
    if (ids[i] === 'CLM') return [el(i, 1)];
    if (ids[i] === 'HL') break;
  }
  // In a subscriber (22) or patient (23) loop: every claim until the next billing provider or subscriber.
  let hl = at;
  while (hl >= 0 && ids[hl] !== 'HL') hl--;
  if (hl < 0 || !['22', '23'].includes(el(hl, 3))) return [];
  const out: string[] = [];
  for (let i = at + 1; i < ids.length; i++) {
    if (ids[i] === 'HL' && ['20', '22'].includes(el(i, 3))) break;
    if (ids[i] === 'CLM') out.push(el(i, 1));
  }
  return out;
}

/** The detail of a 999 for one claim of the set. */
export function claimDetailOf999(
  set: Pick<TransactionSetAck, 'status' | 'accepted'> | undefined,
  groupStatus: string,
  accepted: boolean,
  placed: { byClaim: Map<string, AckError[]>; all: AckError[] },
  controlNumber: string,
  groupErrors: readonly AckError[],
): ClaimAckDetail {
  const errors = [...(placed.byClaim.get(controlNumber) ?? []), ...placed.all, ...groupErrors];
  return {
    kind: '999',
    outcome: accepted ? 'accepted' : 'rejected',
    setStatus: set ? set.status : groupStatus,
    errors: errors.map((e) => ({ ...e, label: ackErrorLabel(e) })),
  };
}

/** 277CA claim status categories (STC01-1). */
const CATEGORIES: Readonly<Record<string, string>> = {
  A0: 'forwarded to another entity',
  A1: 'received',
  A2: 'accepted into adjudication',
  A3: 'returned as unprocessable',
  A4: 'not found',
  A5: 'split',
  A6: 'rejected for missing information',
  A7: 'rejected for invalid information',
  A8: 'rejected for a relational field error',
};

/** Claim status codes (STC01-2) a clearinghouse sends most often with an acknowledgment; others show their number. */
const STATUS_CODES: Readonly<Record<string, string>> = {
  '3': 'claim has been adjudicated and is awaiting payment',
  '19': 'entity acknowledges receipt of claim',
  '20': 'accepted for processing',
  '21': 'missing or invalid information',
  '33': 'subscriber and subscriber id not found',
  '35': 'claim/encounter not found',
  '97': 'patient eligibility not found with entity',
  '145': "entity's specialty/taxonomy code",
  '164': "entity's contract/member number",
  '187': 'date(s) of service',
  '247': 'line information',
  '254': 'principal diagnosis code',
  '255': 'diagnosis code',
  '400': 'claim is out of balance',
  '453': 'procedure code modifier(s) for service(s) rendered',
  '454': 'procedure code for services rendered',
  '458': 'date of birth',
  '464': 'payer claim control number',
  '477': 'frequency of service',
  '484': 'place of service code',
  '562': "entity's National Provider Identifier (NPI)",
  '672': 'the number of units',
  '732': 'information submitted inconsistent with billing guidelines',
};

/** Entity identifier codes (STC01-3) seen on acknowledgments. */
const ENTITIES: Readonly<Record<string, string>> = {
  '40': 'receiver',
  '41': 'submitter',
  '82': 'rendering provider',
  '85': 'billing provider',
  DK: 'ordering physician',
  IL: 'subscriber',
  PR: 'payer',
  QC: 'patient',
};

export function statusLabel(s: StatusCode): string {
  const category = CATEGORIES[s.category] ?? `category ${s.category}`;
  const status = STATUS_CODES[s.status] ?? `status code ${s.status}`;
  const entity = s.entity ? ` (${ENTITIES[s.entity] ?? `entity ${s.entity}`})` : '';
  return `${s.category}:${s.status}${s.entity ? `:${s.entity}` : ''} ${category}: ${status}${entity}`;
}

/** The detail of a 277CA for one claim. */
export function claimDetailOf277(c: ClaimStatus277): ClaimAckDetail {
  const label = (s: StatusCode) => ({ ...s, label: statusLabel(s) });
  return {
    kind: '277CA',
    outcome: c.outcome,
    statuses: c.statuses.map(label),
    ...(c.payerClaimNumber ? { payerClaimNumber: c.payerClaimNumber } : {}),
    ...(c.lines.length > 0 ? { lines: c.lines.map((l) => ({ code: l.code, outcome: l.outcome, statuses: l.statuses.map(label) })) } : {}),
  };
}
