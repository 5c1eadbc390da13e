/**
 * read277CA: one 277CA claim acknowledgment (005010X214, DOMAIN.md §2.4) → per claim, accepted or rejected.
 * The HL hierarchy is followed by HL03: 20 payer, 21 information receiver, 19 provider, PT patient (22/23
 * subscriber/dependent in a 277 of X212 form are read the same way). At a claim level, TRN*2 (TRN02 = our
 * CLM01) opens a claim, its STC segments give the status codes (STC01, STC10, STC11: category:status:entity),
 * REF*1K the payer claim number, REF*D9 the clearinghouse trace, DTP*472 the service date; SVC opens a line
 * with its own STC, REF*FJ and DTP*472. STCs above the claim level (information receiver, provider) are kept as
 * summaries.
 *
 * Outcome: rejected when any status category is A3, A4, A6, A7 or A8 (returned, not found, rejected); else
 * accepted when one is A1, A2 or A5 (received, accepted into adjudication, split); else other (pending,
 * finalized or error categories of a 277 claim status response). Throws PAYER_FILE_INVALID when a claim has
 * no TRN02 or a date is malformed. Pure.
 */
import { ccyymmddToIso, components, date8, el, invalid, locate, money, type Located, type ReadableTransactionSet } from './segments';

export interface StatusCode {
  /** Claim status category (code list 507), e.g. A2, A7. */
  category: string;
  /** Claim status (code list 508), e.g. 20, 562. */
  status: string;
  /** Entity identifier (98), e.g. 85 billing provider. */
  entity?: string;
  /** STC02, YYYY-MM-DD. */
  effectiveDate?: string;
  /** STC03: WQ accepted, U rejected. */
  actionCode?: string;
  /** STC04 total charge. */
  amount?: string;
}

export type AckOutcome = 'accepted' | 'rejected' | 'other';

export interface LineStatus {
  code: string;
  modifiers: string[];
  charge?: string;
  /** REF*FJ line item control number. */
  lineControlNumber?: string;
  serviceDate?: string;
  outcome: AckOutcome;
  statuses: StatusCode[];
}

export interface ClaimStatus {
  /** TRN02: our CLM01. */
  controlNumber: string;
  outcome: AckOutcome;
  /** outcome === 'accepted'. */
  accepted: boolean;
  /** REF*1K. */
  payerClaimNumber?: string;
  /** The payer (HL 20) NM1*PR above the claim: N109 id and N103 name, when given. */
  payerIdentifiers?: string[];
  payerName?: string;
  /** REF*D9. */
  clearinghouseTraceNumber?: string;
  serviceDate?: string;
  statuses: StatusCode[];
  lines: LineStatus[];
}

/** STCs at the information receiver (21) or provider (19) level, e.g. the batch acceptance. */
export interface LevelStatus {
  level: 'information-receiver' | 'provider' | 'payer';
  traceNumber?: string;
  statuses: StatusCode[];
}

export interface ClaimAcknowledgment {
  claims: ClaimStatus[];
  summaries: LevelStatus[];
}

const CLAIM_LEVELS = new Set(['PT', '22', '23']);
const LEVEL_NAMES: Readonly<Record<string, LevelStatus['level']>> = { '20': 'payer', '21': 'information-receiver', '19': 'provider' };
const REJECTED = new Set(['A3', 'A4', 'A6', 'A7', 'A8']);
const ACCEPTED = new Set(['A1', 'A2', 'A5']);

export function read277CA(ts: ReadableTransactionSet): ClaimAcknowledgment {
  const segments = locate(ts, '277');
  const claims: ClaimStatus[] = [];
  const summaries: LevelStatus[] = [];
  let level = '';
  let summary: LevelStatus | undefined;
  let claim: ClaimStatus | undefined;
  let line: LineStatus | undefined;
  let payer: { id: string; name: string } | undefined;

  for (const at of segments) {
    const seg = at.segment;
    switch (seg.id) {
      case 'NM1':
        if (level === '20' && el(seg, 1) === 'PR') payer = { id: el(seg, 9), name: el(seg, 3) };
        break;
      case 'HL': {
        level = el(seg, 3);
        claim = undefined;
        line = undefined;
        const name = LEVEL_NAMES[level];
        summary = name === undefined ? undefined : { level: name, statuses: [] };
        if (summary) summaries.push(summary);
        break;
      }
      case 'TRN':
        if (CLAIM_LEVELS.has(level) && el(seg, 1) === '2') {
          const controlNumber = el(seg, 2);
          if (controlNumber === '') throw invalid(at, 2, 'is empty (the claim control number is required)');
          claim = { controlNumber, outcome: 'other', accepted: false, statuses: [], lines: [] };
          if (payer && payer.id !== '') claim.payerIdentifiers = [payer.id];
          if (payer && payer.name !== '') claim.payerName = payer.name;
          line = undefined;
          claims.push(claim);
        } else if (summary && el(seg, 2) !== '') {
          summary.traceNumber = el(seg, 2);
        }
        break;
      case 'STC': {
        const statuses = readStc(at);
        if (line) line.statuses.push(...statuses);
        else if (claim) claim.statuses.push(...statuses);
        else if (summary) summary.statuses.push(...statuses);
        break;
      }
      case 'REF':
        if (line && el(seg, 1) === 'FJ') line.lineControlNumber = el(seg, 2);
        else if (claim && !line && el(seg, 1) === '1K') claim.payerClaimNumber = el(seg, 2);
        else if (claim && !line && el(seg, 1) === 'D9') claim.clearinghouseTraceNumber = el(seg, 2);
        break;
      case 'DTP':
        if (claim && el(seg, 1) === '472') {
          const date = serviceDate(at);
          if (line) line.serviceDate = date;
          else claim.serviceDate = date;
        }
        break;
      case 'SVC':
        if (claim) {
          const procedure = components(seg, 1);
          line = { code: procedure[1] ?? '', modifiers: procedure.slice(2, 6).filter((m) => m !== ''), outcome: 'other', statuses: [] };
          if (el(seg, 2) !== '') line.charge = money(at, 2);
          claim.lines.push(line);
        }
        break;
      default:
        break;
    }
  }
  for (const c of claims) {
    c.outcome = outcomeOf(c.statuses);
    c.accepted = c.outcome === 'accepted';
    for (const l of c.lines) l.outcome = outcomeOf(l.statuses);
  }
  return { claims, summaries: summaries.filter((s) => s.statuses.length > 0) };
}

function outcomeOf(statuses: readonly StatusCode[]): AckOutcome {
  if (statuses.some((s) => REJECTED.has(s.category))) return 'rejected';
  if (statuses.some((s) => ACCEPTED.has(s.category))) return 'accepted';
  return 'other';
}

/** STC01, STC10 and STC11 status composites with STC02–STC04 shared. */
function readStc(at: Located): StatusCode[] {
  const effectiveDate = date8(at, 2);
  const actionCode = el(at.segment, 3);
  const amount = el(at.segment, 4) === '' ? undefined : money(at, 4);
  const out: StatusCode[] = [];
  for (const n of [1, 10, 11]) {
    const [category = '', status = '', entity = ''] = components(at.segment, n);
    if (category === '') continue;
    const code: StatusCode = { category, status };
    if (entity !== '') code.entity = entity;
    if (effectiveDate !== undefined) code.effectiveDate = effectiveDate;
    if (actionCode !== '') code.actionCode = actionCode;
    if (amount !== undefined) code.amount = amount;
    out.push(code);
  }
  if (out.length === 0) throw invalid(at, 1, 'is empty (a status category is required)');
  return out;
}

/** DTP03 as D8 (CCYYMMDD) or the start of an RD8 range (CCYYMMDD-CCYYMMDD). */
function serviceDate(at: Located): string {
  const format = el(at.segment, 2);
  const value = el(at.segment, 3);
  const start = format === 'RD8' ? (value.split('-')[0] ?? '') : value;
  const iso = format === 'D8' || format === 'RD8' ? ccyymmddToIso(start) : undefined;
  if (iso === undefined) throw invalid(at, 3, 'is not a D8 or RD8 date');
  return iso;
}
