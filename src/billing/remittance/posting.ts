/**
 * Posting 835s (docs/billing.md "Remittances and acknowledgments"): the decisions, against a small port the
 * store implements (src/store/claims-remittances.ts) and the unit tests implement in memory.
 *
 * A file is read and balanced whole first (readRemittanceFile: REMITTANCE_UNBALANCED, nothing recorded), then
 * posted in one unit of work: per 835, a trace number already recorded for the payer is CONFLICT; the remittance,
 * its PLB adjustments (attached to a claim when PLB03-2 names its CLM01 or payer claim number) and one payment row
 * per CLP are recorded. A CLP whose CLP01 names no claim of ours is recorded unmatched (an operator may match it
 * by hand later: matchPayment, which posts it exactly as if it had matched).
 *
 * A matched CLP's role (payer-match.ts) decides what it may change:
 * - claim-payer: the claim moves to the status its outcome means (through the steps earlier acknowledgments
 *   would have recorded), takes its CLP07 as the payer claim number (what REF*F8 of a void or replacement
 *   carries), and, with CLP02 19–21, is marked forwarded to the crossover payer (await its 835; send none);
 * - secondary, tertiary, other-payer: a payment row and a note on the claim; status and payer claim number stay.
 * Every payment adds to the claim's paid amount; its patient balance is the patient responsibility of the last
 * payer in line that answered (claimTotals).
 *
 * A claim its own payer adjudicated (CLP02 1–4) is handed, in the same unit of work, to the port's nextPayerClaims
 * (src/billing/workflows/next-payer.ts): the claim to the patient's next payer in the coordination of benefits is
 * built from it there. A forwarded claim (19–21) is not: the crossover payer's 835 comes on its own.
 */
import { EngineError } from '../../core/errors';
import { statusForOutcome, SENT_STATUSES, type ClaimStatus } from '../claims/lifecycle';
import { readRemittanceFile } from '../claims/payer-files';
import { sumAmounts } from '../claims/money';
import type { ClaimPayment, ProviderAdjustment, Remittance } from '../model';
import { advance, type ClaimSteps } from './claim-steps';
import { isForwarded, payerRelation, payerRole, resolveRemittancePayer, type PayerDirectory, type PayerRole } from './payer-match';
import { reconcileClaimPayment, type ClaimForReconciliation, type ClaimReconciliation } from './reconcile';

/** A claim as posting reads it. */
export interface PostingClaim extends ClaimForReconciliation {
  status: ClaimStatus;
  payerId: string;
  payerName: string;
  payerClaimNumber?: string;
  /** SBR01 the claim was billed with (a claim to the next payer: S or T); absent reads as P. */
  payerResponsibility?: 'P' | 'S' | 'T';
}

export interface RemittanceRecord {
  remittance: Remittance;
  /** The configured payer the 835 resolved to (payer-match.ts), if any. */
  payerRef?: string;
  /** The whole file as received (kept so an unmatched CLP can be posted by hand later). */
  x12: string;
  actor: string;
}

/** One CLP as recorded: matched (claimId, role, reconciliation) or unmatched (the CLP as read). */
export type PaymentRecord =
  | { remittanceId: string; clpIndex: number; claimId: string; role: PayerRole; reconciliation: ClaimReconciliation }
  | { remittanceId: string; clpIndex: number; claimId: null; clp: ClaimPayment };

/** A recorded payment's share of the claim totals. */
export interface PaymentAmounts {
  role: PayerRole;
  paid: string;
  patientResponsibility: string;
}

/** An unmatched payment row with what matching it by hand needs. */
export interface UnmatchedPaymentRow {
  id: string;
  remittanceId: string;
  controlNumber: string;
  /** Position of the CLP in its 835 (0-based); undefined on rows recorded before it was kept. */
  clpIndex?: number;
  /** Set once matched by hand. */
  matchedPaymentId?: string;
  traceNumber: string;
  /** remittances.payer_id as recorded (the 835's REF*2U or N1 XV id, '' when none). */
  payerId: string;
  x12: string;
}

/** What the store does for posting, inside one unit of work (one transaction, claims locked). */
export interface PostingPort extends ClaimSteps {
  /** Id of the remittance with this payer id and trace number, if recorded. */
  findRemittance(payerId: string, traceNumber: string): Promise<string | undefined>;
  /** Our claims with these CLM01s (locked for update). */
  claimsByControlNumber(controlNumbers: readonly string[]): Promise<PostingClaim[]>;
  claimById(id: string): Promise<PostingClaim | undefined>;
  /** Claim ids by CLM01 or payer claim number, for PLB references. */
  claimIdsByReference(references: readonly string[]): Promise<Map<string, string>>;
  insertRemittance(r: RemittanceRecord): Promise<string>;
  insertProviderAdjustment(remittanceId: string, adjustment: ProviderAdjustment, claimId: string | null): Promise<void>;
  /** The payment row with its lines and adjustments (matched lines add their paid amount to the claim line). */
  insertPayment(p: PaymentRecord): Promise<string>;
  /** Every payment recorded for the claim so far (this one included). */
  paymentsOf(claimId: string): Promise<PaymentAmounts[]>;
  updateClaimMoney(
    claimId: string,
    set: { paid: string; patientResponsibility: string; payerClaimNumber?: string; forwardedTo?: string },
  ): Promise<void>;
  unmatchedPayment(paymentId: string): Promise<UnmatchedPaymentRow | undefined>;
  markMatched(unmatchedId: string, paymentId: string, actor: string): Promise<void>;
  /**
   * Builds the claims to the next payers of these adjudicated claims (src/billing/workflows/next-payer.ts), in the
   * same unit of work; absent when billing is not configured (nothing is built).
   */
  nextPayerClaims?(adjudications: readonly OwnAdjudication[]): Promise<NextPayerOutcome[]>;
}

/**
 * A claim its own payer adjudicated (CLP02 1, 2, 3 or 4) in this posting: what the claim to the next payer is built
 * from (its 835 answer and the 835's payment date, BPR16).
 */
export interface OwnAdjudication {
  claimId: string;
  payment: ClaimPayment;
  /** BPR16 (YYYY-MM-DD); undefined when the 835 gave none (the posting date is used then). */
  paymentDate?: string;
  /** The 835's trace number and payer, for the claim history. */
  traceNumber: string;
  payerName: string;
}

/** What came of one adjudication for the next payer: the claim built, or why none was (`note`, also in the history). */
export interface NextPayerOutcome {
  claimId: string;
  nextClaimId?: string;
  /** SBR01 of the claim built: S or T. */
  responsibility?: 'S' | 'T';
  note?: string;
}

export interface PostingUnitOfWork {
  run<T>(work: (port: PostingPort) => Promise<T>): Promise<T>;
}

export interface PostedClaim {
  claimId: string;
  controlNumber: string;
  outcome: string;
  paid: string;
  role: PayerRole;
  status: ClaimStatus;
}

export interface RemittanceSummary {
  id: string;
  traceNumber: string;
  payerName: string;
  paymentAmount: string;
  claims: PostedClaim[];
  /** CLP01 values that name no claim of ours (recorded without a claim, listed by GET /api/remittances/unmatched). */
  unmatched: string[];
  /** PLB adjustments, with the claim a PLB03-2 reference named. */
  providerAdjustments: Array<ProviderAdjustment & { claimId?: string }>;
  /**
   * Claims to the next payer built from this 835's adjudications, and why others were not (when there was a reason);
   * absent when there is nothing to say.
   */
  nextPayerClaims?: NextPayerOutcome[];
}

const LEVEL: Readonly<Record<PayerRole, number>> = { 'claim-payer': 1, secondary: 2, tertiary: 3, 'other-payer': 0 };

/**
 * A claim's money from its payments: paid is every payer's payments together; the patient balance is the patient
 * responsibility the last payer in line (tertiary, else secondary, else the claim's payer) assigned, summed over
 * its payments (a reversal and its correction net out). Another payer's CLP that is not a crossover leaves it.
 */
export function claimTotals(payments: readonly PaymentAmounts[]): { paid: string; patientResponsibility: string } {
  const level = Math.max(0, ...payments.map((p) => LEVEL[p.role]));
  return {
    paid: sumAmounts(payments.map((p) => p.paid)),
    patientResponsibility:
      level === 0 ? '0.00' : sumAmounts(payments.filter((p) => LEVEL[p.role] === level).map((p) => p.patientResponsibility)),
  };
}

/** What a posted CLP does to its claim (see the module comment). */
export interface ClaimEffect {
  target?: 'paid' | 'partial' | 'denied';
  payerClaimNumber?: string;
  forwardedTo?: string;
  /** The claim event's words. */
  what: string;
}

export function claimEffect(
  role: PayerRole,
  rec: ClaimReconciliation,
  clp: ClaimPayment,
  rem: Pick<Remittance, 'traceNumber' | 'payerName'>,
): ClaimEffect {
  const head =
    `835 trace ${rem.traceNumber} from ${rem.payerName}: ${rec.outcome} (CLP02 ${rec.status}), paid ${rec.paid}` +
    `, patient responsibility ${rec.patientResponsibility}`;
  if (role === 'claim-payer') {
    const effect: ClaimEffect = { what: head };
    const target = statusForOutcome(rec.outcome);
    if (target) effect.target = target;
    if (rec.payerClaimNumber !== undefined) effect.payerClaimNumber = rec.payerClaimNumber;
    if (isForwarded(rec.status)) {
      effect.forwardedTo = clp.crossoverCarrier ?? 'the secondary payer';
      effect.what += `; forwarded to ${effect.forwardedTo}: await its 835, send it no claim`;
    }
    return effect;
  }
  if (role === 'other-payer') {
    return { what: `${head}; not the claim's payer and not a crossover (CLP02 ${rec.status}): recorded, the claim unchanged` };
  }
  return { what: `${role} adjudication: ${head}; the claim's status and payer claim number stay` };
}

/** Posts every 835 of `text` (see the module comment). */
export async function postRemittances(
  uow: PostingUnitOfWork,
  text: string,
  actor: string,
  payers: PayerDirectory,
): Promise<RemittanceSummary[]> {
  const remittances = readRemittanceFile(text);
  return uow.run(async (port) => {
    const out: RemittanceSummary[] = [];
    for (const rem of remittances) out.push(await postOne(port, rem, text, actor, payers));
    return out;
  });
}

async function postOne(
  port: PostingPort,
  rem: Remittance,
  text: string,
  actor: string,
  payers: PayerDirectory,
): Promise<RemittanceSummary> {
  const dup = await port.findRemittance(rem.payerId ?? '', rem.traceNumber);
  if (dup) throw new EngineError('CONFLICT', `remittance trace ${rem.traceNumber} of this payer is already recorded (remittance ${dup})`);
  const claims = await port.claimsByControlNumber([...new Set(rem.claims.map((c) => c.controlNumber))]);
  const byControlNumber = new Map<string, PostingClaim>();
  for (const c of claims) if (!byControlNumber.has(c.controlNumber)) byControlNumber.set(c.controlNumber, c);

  const payerRef = resolveRemittancePayer(rem, payers);
  const remittanceId = await port.insertRemittance({ remittance: rem, x12: text, actor, ...(payerRef ? { payerRef } : {}) });
  const summary: RemittanceSummary = {
    id: remittanceId,
    traceNumber: rem.traceNumber,
    payerName: rem.payerName,
    paymentAmount: rem.paymentAmount,
    claims: [],
    unmatched: [],
    providerAdjustments: [],
  };

  const references = rem.providerAdjustments.map((p) => p.reference).filter((r): r is string => r !== undefined);
  const named = references.length === 0 ? new Map<string, string>() : await port.claimIdsByReference(references);
  for (const p of rem.providerAdjustments) {
    const claimId = p.reference === undefined ? undefined : named.get(p.reference);
    await port.insertProviderAdjustment(remittanceId, p, claimId ?? null);
    summary.providerAdjustments.push({ ...p, ...(claimId ? { claimId } : {}) });
    if (claimId) {
      const claim = claims.find((c) => c.id === claimId) ?? (await port.claimById(claimId));
      if (claim) {
        await port.noteClaim(
          claimId,
          claim.status,
          'remit',
          actor,
          `835 trace ${rem.traceNumber} from ${rem.payerName}: provider-level adjustment ${p.reason} ${p.amount} names this claim`,
        );
      }
    }
  }

  const adjudicated: OwnAdjudication[] = [];
  for (const [clpIndex, clp] of rem.claims.entries()) {
    const ours = byControlNumber.get(clp.controlNumber);
    if (!ours) {
      await port.insertPayment({ remittanceId, clpIndex, claimId: null, clp });
      summary.unmatched.push(clp.controlNumber);
      continue;
    }
    const posted = await postClaimPayment(port, { remittanceId, clpIndex, clp, claim: ours, rem, actor, payers });
    ours.status = posted.status;
    summary.claims.push(posted.summary);
    if (posted.adjudication) adjudicated.push(posted.adjudication);
  }
  const next = await nextPayerClaims(port, adjudicated);
  if (next.length > 0) summary.nextPayerClaims = next;
  return summary;
}

/** CLP02 codes under which the claim's own payer adjudicated it: as primary, secondary, tertiary, or denied. */
const OWN_ADJUDICATION = new Set(['1', '2', '3', '4']);

async function nextPayerClaims(port: PostingPort, adjudicated: readonly OwnAdjudication[]): Promise<NextPayerOutcome[]> {
  if (adjudicated.length === 0 || !port.nextPayerClaims) return [];
  return port.nextPayerClaims(adjudicated);
}

interface ClpToPost {
  remittanceId: string;
  clpIndex: number;
  clp: ClaimPayment;
  claim: PostingClaim;
  rem: Remittance;
  actor: string;
  payers: PayerDirectory;
  /** Added to the claim event (e.g. who matched it by hand). */
  why?: string;
}

async function postClaimPayment(
  port: PostingPort,
  p: ClpToPost,
): Promise<{ paymentId: string; status: ClaimStatus; summary: PostedClaim; adjudication?: OwnAdjudication }> {
  const rec = reconcileClaimPayment(p.clp, p.claim, p.rem.paymentDate);
  const role = payerRole(payerRelation(p.claim.payerId, p.rem, p.payers), p.clp.status, p.claim.payerResponsibility);
  const paymentId = await port.insertPayment({
    remittanceId: p.remittanceId,
    clpIndex: p.clpIndex,
    claimId: p.claim.id,
    role,
    reconciliation: rec,
  });
  const effect = claimEffect(role, rec, p.clp, p.rem);
  const totals = claimTotals(await port.paymentsOf(p.claim.id));
  await port.updateClaimMoney(p.claim.id, {
    ...totals,
    ...(effect.payerClaimNumber !== undefined ? { payerClaimNumber: effect.payerClaimNumber } : {}),
    ...(effect.forwardedTo !== undefined ? { forwardedTo: effect.forwardedTo } : {}),
  });
  if (effect.payerClaimNumber !== undefined) p.claim.payerClaimNumber = effect.payerClaimNumber;
  const what = p.why ? `${effect.what} (${p.why})` : effect.what;
  const status = await advance(port, p.claim.id, p.claim.status, effect.target, 'remit', p.actor, what);
  const adjudication: OwnAdjudication | undefined =
    role === 'claim-payer' && OWN_ADJUDICATION.has(p.clp.status)
      ? {
          claimId: p.claim.id,
          payment: p.clp,
          traceNumber: p.rem.traceNumber,
          payerName: p.rem.payerName,
          ...(p.rem.paymentDate ? { paymentDate: p.rem.paymentDate } : {}),
        }
      : undefined;
  return {
    paymentId,
    status,
    ...(adjudication ? { adjudication } : {}),
    summary: { claimId: p.claim.id, controlNumber: p.claim.controlNumber, outcome: rec.outcome, paid: rec.paid, role, status },
  };
}

/**
 * Posts an unmatched CLP to the claim an operator chose, as if its CLP01 had named it (role, status, amounts,
 * CLP07 when the claim's payer sent it). NOT_FOUND for an unknown payment or claim; CONFLICT when the payment
 * is not unmatched any more or the claim has not been sent.
 */
export async function matchPayment(
  uow: PostingUnitOfWork,
  paymentId: string,
  claimId: string,
  actor: string,
  payers: PayerDirectory,
): Promise<PostedClaim & { paymentId: string; unmatchedPaymentId: string; nextPayerClaims?: NextPayerOutcome[] }> {
  return uow.run(async (port) => {
    const row = await port.unmatchedPayment(paymentId);
    if (!row) throw new EngineError('NOT_FOUND', `unmatched remittance payment ${paymentId} not found`);
    if (row.matchedPaymentId) {
      throw new EngineError('CONFLICT', `remittance payment ${paymentId} was already matched (payment ${row.matchedPaymentId})`);
    }
    const claim = await port.claimById(claimId);
    if (!claim) throw new EngineError('NOT_FOUND', `claim ${claimId} not found`);
    if (!SENT_STATUSES.has(claim.status) || claim.status === 'closed') {
      throw new EngineError('CONFLICT', `claim ${claimId} is ${claim.status}: only a sent, open claim can take a payment`);
    }
    const rem = readRemittanceFile(row.x12).find((r) => r.traceNumber === row.traceNumber && (r.payerId ?? '') === row.payerId);
    const clp =
      rem && (row.clpIndex !== undefined ? rem.claims[row.clpIndex] : rem.claims.find((c) => c.controlNumber === row.controlNumber));
    if (!rem || !clp || clp.controlNumber !== row.controlNumber) {
      throw new EngineError('CONFLICT', `the 835 of remittance ${row.remittanceId} no longer shows CLP01 ${row.controlNumber}`);
    }
    const posted = await postClaimPayment(port, {
      remittanceId: row.remittanceId,
      clpIndex: row.clpIndex ?? rem.claims.indexOf(clp),
      clp,
      claim,
      rem,
      actor,
      payers,
      why: `matched by hand by ${actor}: CLP01 ${row.controlNumber} names no claim of ours`,
    });
    await port.markMatched(row.id, posted.paymentId, actor);
    const next = await nextPayerClaims(port, posted.adjudication ? [posted.adjudication] : []);
    return {
      ...posted.summary,
      paymentId: posted.paymentId,
      unmatchedPaymentId: row.id,
      ...(next.length > 0 ? { nextPayerClaims: next } : {}),
    };
  });
}
