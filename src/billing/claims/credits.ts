/**
 * Which charge a credit (a reversal line: DFT FT1-6 = CD, an RDS cancellation, an ORU deletion) reverses, as a
 * biller expects (../shared/docs/DOMAIN.md §1.3, FT1-31). Pure: the store hands in the candidate charges it read
 * and writes what this decides.
 *
 * In order, the first that finds a charge wins:
 * 1. line: the charge made from the line of the same message the credit names (FT1-31 is the Set ID, FT1-1, of
 *    another FT1), whatever its transaction id.
 * 2. transaction: the newest charge of an earlier message from the same sender with the transaction id the credit
 *    names (FT1-2), active before held (a held charge reversed is never billed); failing that, such a charge of the
 *    credit's own message.
 * 3. attributes: the newest active charge of an earlier message equal on the keys the mapping names (patient,
 *    code, date of service, amount as its magnitude: a credit may be sent negative or positive).
 * A charge already reversed is never reversed again. When nothing is found the credit is `missing`, saying
 * whether what it named was already reversed; the mapping decides what that means (error, ignore, hold).
 */
import { fromScaled, toScaled } from '../../core/decimal';
import type { ChargeRecord, ReversalMatchKey } from '../../mappings/records';

/** A stored charge that may be the one a credit reverses. */
export interface CreditCandidate {
  id: string;
  sourceKey: string;
  messageId: string;
  /** MSH-3|MSH-4 of the message that wrote it. */
  sender: string;
  status: 'active' | 'reversed' | 'reversal' | 'held';
  transactionId: string | null;
  patientRef: string;
  code: string;
  /** YYYY-MM-DD. */
  serviceDate: string;
  chargeAmount: string;
}

/** The credit as the store sees it: its record, and the message it came in. */
export interface CreditLine {
  record: ChargeRecord;
  messageId: string;
  sender: string;
}

export type CreditMatch =
  | { kind: 'reverse'; target: CreditCandidate; by: 'line' | 'transaction' | 'attributes' }
  | { kind: 'missing'; why: 'not-found' | 'already-reversed' };

const REVERSIBLE = new Set<CreditCandidate['status']>(['active', 'held']);

/** Newest first (charge ids grow with time). */
const newestFirst = (a: CreditCandidate, b: CreditCandidate): number => {
  const d = BigInt(b.id) - BigInt(a.id);
  return d > 0n ? 1 : d < 0n ? -1 : 0;
};

/** |amount| with two decimals, or null when there is none. */
export function magnitude(amount: string | null): string | null {
  if (amount === null || amount === '') return null;
  const v = toScaled(amount, 2);
  return fromScaled(v < 0n ? -v : v, 2);
}

/** The amount a reversal line is stored with: negative whatever sign the sender used (null stays null). */
export function creditAmount(amount: string | null): string | null {
  const m = magnitude(amount);
  return m === null ? null : m === '0.00' ? m : `-${m}`;
}

function equalOn(key: ReversalMatchKey, credit: ChargeRecord, c: CreditCandidate): boolean {
  switch (key) {
    case 'patient':
      return c.patientRef === credit.patientRef;
    case 'code':
      return c.code === credit.code;
    case 'serviceDate':
      return c.serviceDate === credit.serviceDate;
    case 'amount': {
      // A credit without an amount of its own reverses the whole charge: the amount does not narrow the match.
      const sent = magnitude(credit.chargeAmount);
      return sent === null || sent === magnitude(c.chargeAmount);
    }
  }
}

export function matchCredit(credit: CreditLine, candidates: readonly CreditCandidate[]): CreditMatch {
  const r = credit.record;
  const earlier = candidates.filter((c) => c.messageId !== credit.messageId).sort(newestFirst);
  let alreadyReversed = false;

  if (r.reversalOfLine !== undefined) {
    const named = candidates.find((c) => c.sourceKey === r.reversalOfLine);
    if (named && REVERSIBLE.has(named.status)) return { kind: 'reverse', target: named, by: 'line' };
    // The line named was reversed already (two credits for one charge): never twice, and no guessing further.
    if (named?.status === 'reversed') return { kind: 'missing', why: 'already-reversed' };
  }

  if (r.reversalOfTransaction) {
    // Earlier messages first: a message that credits a line and re-charges it under the same id means the old one.
    // Only an old feed that reuses FT1-2 within one message (charge and credit together) finds its own line.
    const here = candidates.filter((c) => c.messageId === credit.messageId && c.sourceKey !== r.sourceKey).sort(newestFirst);
    for (const pool of [earlier, here]) {
      const same = pool.filter((c) => c.sender === credit.sender && c.transactionId === r.reversalOfTransaction && c.status !== 'reversal');
      const target = same.find((c) => c.status === 'active') ?? same.find((c) => REVERSIBLE.has(c.status));
      if (target) return { kind: 'reverse', target, by: 'transaction' };
      alreadyReversed ||= same.length > 0;
    }
  }

  const keys = r.reversalMatch ?? [];
  if (keys.length > 0) {
    const target = earlier.find((c) => c.status === 'active' && keys.every((k) => equalOn(k, r, c)));
    if (target) return { kind: 'reverse', target, by: 'attributes' };
  }
  return { kind: 'missing', why: alreadyReversed ? 'already-reversed' : 'not-found' };
}

/**
 * The hold reason of a credit that reverses nothing: the code, date of service and amount a biller looks it up
 * by, nothing about the patient beyond what the charge row stores anyway.
 * "credit for 99605 on 2026-11-03, 75.00: no charge found to reverse".
 */
export function unmatchedCreditReason(record: ChargeRecord, why: 'not-found' | 'already-reversed'): string {
  const amount = magnitude(record.chargeAmount);
  const what = `credit for ${record.code || 'no code'} on ${record.serviceDate}${amount === null ? '' : `, ${amount}`}`;
  return `${what}: ${why === 'not-found' ? 'no charge found to reverse' : 'the charge it names is already reversed'}`;
}

/** What the message's events say of a credit's outcome: which line, how matched; never values. */
export function creditOutcome(match: CreditMatch): string {
  if (match.kind === 'missing') return match.why === 'not-found' ? 'no charge found to reverse' : 'the charge it names is already reversed';
  const how =
    match.by === 'line'
      ? 'the line it names in this message'
      : match.by === 'transaction'
        ? 'its transaction id'
        : 'patient, code, date and amount';
  return `reverses charge ${match.target.id} (found by ${how})`;
}
