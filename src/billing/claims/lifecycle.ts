/**
 * The claim lifecycle (pure state machine, docs/billing.md "Statuses"):
 *
 *   draft ─▶ held | ready ─▶ batched ─▶ submitted ─▶ accepted | rejected
 *   accepted ─▶ paid | partial | denied ─▶ closed          rejected ─▶ draft (fix and scrub again)
 *   draft, held, ready, rejected ─▶ voided                 held, ready ─▶ draft (corrected: scrubbed again)
 *   ready ─▶ held (the 837P writer refused it at batch time)
 *   held ─▶ ready (overridden, with a reason)              paid ⇄ partial ⇄ denied (a later 835 re-adjudicates)
 *
 * A claim that left the house (batched or later) is never voided in place: a void is a new claim with frequency
 * 8 (and a replacement one with frequency 7). Every transition becomes a claim_events row: who, when, from, to,
 * why. checkTransition refuses anything else with CONFLICT; impliedPath gives the steps an acknowledgment or
 * remittance implies when earlier acknowledgments never arrived (an 835 for a batched claim: submitted,
 * accepted, then paid), so each step is still recorded.
 */
import { EngineError } from '../../core/errors';
import type { ScrubFinding } from '../model';
import type { ClaimOutcome } from '../remittance';

export const CLAIM_STATUSES = [
  'draft',
  'held',
  'ready',
  'batched',
  'submitted',
  'accepted',
  'rejected',
  'paid',
  'partial',
  'denied',
  'closed',
  'voided',
] as const;
export type ClaimStatus = (typeof CLAIM_STATUSES)[number];

const NEXT: Readonly<Record<ClaimStatus, readonly ClaimStatus[]>> = {
  draft: ['held', 'ready', 'voided'],
  held: ['draft', 'ready', 'voided'],
  ready: ['draft', 'held', 'batched', 'voided'],
  batched: ['submitted', 'rejected'],
  submitted: ['accepted', 'rejected'],
  accepted: ['paid', 'partial', 'denied'],
  rejected: ['draft', 'voided'],
  paid: ['partial', 'denied', 'closed'],
  partial: ['paid', 'denied', 'closed'],
  denied: ['paid', 'partial', 'closed'],
  closed: [],
  voided: [],
};

/** Not yet sent to anyone: may be corrected, rebuilt or voided in place. */
export const UNSENT_STATUSES: ReadonlySet<ClaimStatus> = new Set(['draft', 'held', 'ready', 'rejected']);
/** The payer has (or may have) the claim: changes need a replacement (7) or void (8) claim. */
export const SENT_STATUSES: ReadonlySet<ClaimStatus> = new Set(['batched', 'submitted', 'accepted', 'paid', 'partial', 'denied', 'closed']);
/** Adjudicated by an 835. */
export const ADJUDICATED_STATUSES: ReadonlySet<ClaimStatus> = new Set(['paid', 'partial', 'denied']);

/** What happened, as recorded in claim_events.action. */
export type ClaimAction =
  | 'build'
  | 'scrub'
  | 'correct'
  | 'override'
  | 'void'
  | 'replace'
  | 'batch'
  | 'acknowledge'
  | 'remit'
  | 'close'
  | 'note'
  | 'edit'
  /** A remittance posted by mistake was withdrawn: the claim is back as it was before (src/store/remittance-withdraw.ts). */
  | 'withdraw';

export interface ClaimEvent {
  action: ClaimAction;
  from: ClaimStatus | null;
  to: ClaimStatus;
  actor: string;
  /** Plain words; never patient data. */
  reason?: string;
}

export function canTransition(from: ClaimStatus, to: ClaimStatus): boolean {
  return NEXT[from].includes(to);
}

/** The event for from → to; CONFLICT when the lifecycle does not allow it. */
export function transition(from: ClaimStatus, to: ClaimStatus, action: ClaimAction, actor: string, reason?: string): ClaimEvent {
  if (!canTransition(from, to)) {
    throw new EngineError('CONFLICT', `a ${from} claim cannot become ${to}`);
  }
  return { action, from, to, actor, ...(reason ? { reason } : {}) };
}

/** Statuses an acknowledgment or remittance may pass through on its own (never back to editing, never voided). */
const IMPLIED: ReadonlySet<ClaimStatus> = new Set(['submitted', 'accepted', 'rejected', 'paid', 'partial', 'denied']);

/**
 * The shortest chain of allowed transitions from → to through IMPLIED statuses (to included, from not), or
 * undefined when there is none. impliedPath('batched', 'paid') = ['submitted', 'accepted', 'paid'].
 */
export function impliedPath(from: ClaimStatus, to: ClaimStatus): ClaimStatus[] | undefined {
  if (from === to) return [];
  const previous = new Map<ClaimStatus, ClaimStatus>();
  const queue: ClaimStatus[] = [from];
  while (queue.length > 0) {
    const at = queue.shift()!;
    for (const next of NEXT[at]) {
      if (!IMPLIED.has(next) || previous.has(next) || next === from) continue;
      previous.set(next, at);
      if (next === to) {
        const path: ClaimStatus[] = [to];
        for (let s = at; s !== from; s = previous.get(s)!) path.unshift(s);
        return path;
      }
      queue.push(next);
    }
  }
  return undefined;
}

/** An error-level finding holds a claim. */
export function hasErrors(findings: readonly ScrubFinding[]): boolean {
  return findings.some((f) => f.severity === 'error');
}

/** The status scrubbing leads to: held when a finding is an error, else ready. */
export function statusAfterScrub(findings: readonly ScrubFinding[]): 'held' | 'ready' {
  return hasErrors(findings) ? 'held' : 'ready';
}

/**
 * A claim goes into a batch only when it is ready and either has no error finding or an operator overrode its
 * findings (with a reason, recorded) after the last scrub.
 */
export function isBatchable(c: { status: ClaimStatus; findings: readonly ScrubFinding[]; overridden: boolean }): boolean {
  return c.status === 'ready' && (!hasErrors(c.findings) || c.overridden);
}

/** An override needs a held claim and a reason in words (at least a few characters). */
export function checkOverride(status: ClaimStatus, reason: string): void {
  if (status !== 'held') throw new EngineError('CONFLICT', `only a held claim can be overridden (this one is ${status})`);
  if (reason.trim().length < 3) throw new EngineError('BAD_REQUEST', 'an override needs a reason');
}

/**
 * The status a reconciled 835 claim payment leads to (outcomes: src/billing/remittance/reconcile.ts). A claim
 * paid nothing because the patient owes it all (a deductible) was adjudicated: paid. A reversal (CLP02 22), a
 * claim that is not ours (23) or a predetermination (25) changes no status; the payment is still recorded.
 */
export function statusForOutcome(outcome: ClaimOutcome): 'paid' | 'partial' | 'denied' | undefined {
  switch (outcome) {
    case 'paid':
    case 'patient-responsibility':
      return 'paid';
    case 'partial':
      return 'partial';
    case 'denied':
      return 'denied';
    default:
      return undefined;
  }
}
