/**
 * What payers send back, recorded against our claims (docs/billing.md "Remittances and acknowledgments"):
 * - an 835 file: posted by src/billing/remittance/posting.ts through the PostingPort below (rows only here:
 *   remittances, claim payments with their lines and adjustments, provider adjustments, claim money and status
 *   events); unmatched CLPs are listed and may be matched to a claim by hand;
 * - a 999/997 or 277CA: recorded by src/billing/remittance/acknowledging.ts through the AcknowledgmentPort below
 *   (batches and claims looked up, claim steps and the payer claim number written).
 * A CLP or TRN naming no claim of ours is recorded (835) or listed (277CA), never an error.
 */
import { sql, type Kysely, type Transaction } from 'kysely';
import { normalizeDecimal } from '../core/decimal';
import type { ClaimStatus } from '../billing/claims/lifecycle';
import type { Adjustment, ProviderAdjustment } from '../billing/model';
import type { ClaimReconciliation } from '../billing/remittance';
import { recordAcknowledgmentFile, type AcknowledgmentPort, type AcknowledgmentSummary } from '../billing/remittance/acknowledging';
import type { ClaimSteps, StepAction } from '../billing/remittance/claim-steps';
import { identifiersOf, type PayerDirectory, type PayerRole } from '../billing/remittance/payer-match';
import {
  matchPayment,
  postRemittances,
  type NextPayerOutcome,
  type OwnAdjudication,
  type PaymentAmounts,
  type PaymentRecord,
  type PostingClaim,
  type PostingPort,
  type PostingUnitOfWork,
  type RemittanceRecord,
  type RemittanceSummary,
  type UnmatchedPaymentRow,
} from '../billing/remittance/posting';
import type { ClaimsUnitOfWork } from '../billing/ports';
import { lockClaims, moveClaim, noteClaim, unitOfWork } from './claims';
import type { ClaimRow, Database } from './types';

export type { RemittanceSummary } from '../billing/remittance/posting';

type Trx = Transaction<Database>;

export type { AcknowledgmentSummary } from '../billing/remittance/acknowledging';

/**
 * Builds the claims to the next payers of adjudicated claims (src/billing/workflows/next-payer.ts) through the claims
 * unit of work of the posting transaction.
 */
export type NextPayerStep = (uow: ClaimsUnitOfWork, adjudications: readonly OwnAdjudication[]) => Promise<NextPayerOutcome[]>;

/**
 * Work done in the same transaction as a posting, after it (the clearinghouse pickup records the file it posted,
 * so a file is posted and recorded together or not at all). Throwing rolls the posting back.
 */
export type WithinPosting = (trx: Transaction<Database>) => Promise<void>;

/** Posts every 835 of `text` in one transaction (src/billing/remittance/posting.ts decides); `within` runs in it. */
export async function recordRemittances(
  db: Kysely<Database>,
  text: string,
  actor: string,
  payers: PayerDirectory = new Map(),
  nextPayer?: NextPayerStep,
  within?: WithinPosting,
): Promise<RemittanceSummary[]> {
  return postRemittances(postingUnitOfWork(db, nextPayer, within), text, actor, payers);
}

/** Posts an unmatched CLP to the claim an operator chose (posting.ts matchPayment). */
export async function matchRemittancePayment(
  db: Kysely<Database>,
  paymentId: string,
  claimId: string,
  actor: string,
  payers: PayerDirectory = new Map(),
  nextPayer?: NextPayerStep,
) {
  return matchPayment(postingUnitOfWork(db, nextPayer), paymentId, claimId, actor, payers);
}

/**
 * The posting port over one transaction that holds the claims lock; with `nextPayer`, the claims to the next payers
 * are built in that same transaction (a posting and the claims it leads to commit or roll back together).
 */
export function postingUnitOfWork(db: Kysely<Database>, nextPayer?: NextPayerStep, within?: WithinPosting): PostingUnitOfWork {
  return {
    run: (work) =>
      db.transaction().execute(async (trx) => {
        await lockClaims(trx);
        const repo = new RemittanceRepository(trx, nextPayer);
        const out = await work(repo);
        await repo.finish();
        if (within) await within(trx);
        return out;
      }),
  };
}

/** Claim steps and notes through one transaction. */
class ClaimStepsRepository implements ClaimSteps {
  constructor(protected readonly trx: Trx) {}

  async moveClaim(
    claimId: string,
    from: ClaimStatus,
    to: ClaimStatus,
    action: StepAction,
    actor: string,
    reason: string,
    adjudicated: boolean,
  ): Promise<void> {
    await moveClaim(this.trx, claimId, from, to, action, actor, reason, adjudicated ? { adjudicated_at: sql`now()` } : {});
  }

  async noteClaim(claimId: string, status: ClaimStatus, action: StepAction, actor: string, reason: string): Promise<void> {
    await noteClaim(this.trx, claimId, status, action, actor, reason);
  }
}

class RemittanceRepository extends ClaimStepsRepository implements PostingPort {
  readonly nextPayerClaims?: (adjudications: readonly OwnAdjudication[]) => Promise<NextPayerOutcome[]>;
  /** The claims the 835 being posted names, as loaded before it posts (snapshotted when its remittance row exists). */
  private loaded: ClaimRow[] = [];
  private readonly inserted: string[] = [];

  constructor(trx: Trx, nextPayer?: NextPayerStep) {
    super(trx);
    if (nextPayer) this.nextPayerClaims = (adjudications) => nextPayer(unitOfWork(trx), adjudications);
  }

  async findRemittance(payerId: string, traceNumber: string): Promise<string | undefined> {
    const row = await this.trx
      .selectFrom('remittances')
      .select('id')
      .where('payer_id', '=', payerId)
      .where('trace_number', '=', traceNumber)
      .where('withdrawn_at', 'is', null)
      .executeTakeFirst();
    return row ? String(row.id) : undefined;
  }

  async claimsByControlNumber(controlNumbers: readonly string[]): Promise<PostingClaim[]> {
    if (controlNumbers.length === 0) return [];
    const rows = await this.trx
      .selectFrom('claims')
      .selectAll()
      .where('control_number', 'in', [...controlNumbers])
      .orderBy('id')
      .forUpdate()
      .execute();
    this.loaded = rows;
    return this.postingClaims(rows);
  }

  /**
   * Each claim the 835 names as it is before the posting (remittance_claim_states), for a withdraw to restore.
   * Called once the remittance row exists, before any of its payments.
   */
  private async snapshotLoaded(remittanceId: string): Promise<void> {
    const rows = this.loaded;
    this.loaded = [];
    if (rows.length === 0) return;
    const ids = rows.map((r) => r.id);
    const [lines, followers] = await Promise.all([
      this.trx.selectFrom('claim_lines').select(['id', 'claim_id', 'paid_amount']).where('claim_id', 'in', ids).execute(),
      this.trx.selectFrom('claims').select(['id', 'follows_claim_id']).where('follows_claim_id', 'in', ids).execute(),
    ]);
    await this.trx
      .insertInto('remittance_claim_states')
      .values(
        rows.map((r) => ({
          remittance_id: remittanceId,
          claim_id: r.id,
          status: r.status,
          paid_amount: r.paid_amount,
          patient_responsibility: r.patient_responsibility,
          payer_claim_number: r.payer_claim_number,
          forwarded_to: r.forwarded_to ?? null,
          submitted_at: r.submitted_at,
          adjudicated_at: r.adjudicated_at,
          follower_id: followers.find((f) => String(f.follows_claim_id) === String(r.id))?.id ?? null,
          line_paid: JSON.stringify(
            Object.fromEntries(lines.filter((l) => String(l.claim_id) === String(r.id)).map((l) => [String(l.id), String(l.paid_amount)])),
          ),
        })),
      )
      .execute();
  }

  /** At the end of the posting transaction: the last claim event id of each remittance posted (remittances.events_through). */
  async finish(): Promise<void> {
    if (this.inserted.length === 0) return;
    await this.trx
      .updateTable('remittances')
      .set({ events_through: sql<string>`(select coalesce(max(id), 0) from claim_events)` })
      .where('id', 'in', this.inserted)
      .execute();
  }

  async claimById(id: string): Promise<PostingClaim | undefined> {
    const rows = await this.trx.selectFrom('claims').selectAll().where('id', '=', id).forUpdate().execute();
    return (await this.postingClaims(rows))[0];
  }

  private async postingClaims(rows: ClaimRow[]): Promise<PostingClaim[]> {
    if (rows.length === 0) return [];
    const lines = await this.trx
      .selectFrom('claim_lines')
      .select(['claim_id', 'line_number', 'id'])
      .where(
        'claim_id',
        'in',
        rows.map((r) => r.id),
      )
      .execute();
    const lineIds = new Set(lines.map((l) => `${l.claim_id}/${l.line_number}`));
    return rows.map((r): PostingClaim => {
      const claim = r.claim;
      return {
        id: String(r.id),
        controlNumber: r.control_number,
        totalCharge: claim.totalCharge,
        status: r.status,
        payerId: r.payer_id,
        payerName: r.payer_name,
        ...(r.payer_claim_number ? { payerClaimNumber: r.payer_claim_number } : {}),
        ...(claim.subscriber.payerResponsibility !== 'P' ? { payerResponsibility: claim.subscriber.payerResponsibility } : {}),
        lines: claim.lines
          .filter((l) => lineIds.has(`${r.id}/${l.lineNumber}`))
          .map((l) => ({
            lineNumber: l.lineNumber,
            chargeId: l.chargeId,
            code: l.code,
            modifiers: l.modifiers,
            serviceDate: l.serviceDate,
            chargeAmount: l.chargeAmount,
          })),
        ...(r.submitted_at ? { submittedAt: new Date(r.submitted_at).toISOString() } : {}),
      };
    });
  }

  async claimIdsByReference(references: readonly string[]): Promise<Map<string, string>> {
    const refs = [...new Set(references)];
    const rows = await this.trx
      .selectFrom('claims')
      .select(['id', 'control_number', 'payer_claim_number'])
      .where((eb) => eb.or([eb('control_number', 'in', refs), eb('payer_claim_number', 'in', refs)]))
      .where('frequency', '!=', '8')
      .orderBy('id')
      .execute();
    const out = new Map<string, string>();
    for (const r of rows) {
      if (!out.has(r.control_number)) out.set(r.control_number, String(r.id));
    }
    for (const r of rows) {
      if (r.payer_claim_number && !out.has(r.payer_claim_number)) out.set(r.payer_claim_number, String(r.id));
    }
    return out;
  }

  async insertRemittance(r: RemittanceRecord): Promise<string> {
    const rem = r.remittance;
    const row = await this.trx
      .insertInto('remittances')
      .values({
        trace_number: rem.traceNumber,
        payer_id: rem.payerId ?? '',
        payer_name: rem.payerName,
        payment_amount: rem.paymentAmount,
        handling: rem.handling,
        payment_method: rem.paymentMethod,
        payment_date: rem.paymentDate ?? null,
        payee_npi: rem.payeeNpi ?? null,
        x12: r.x12,
        actor: r.actor,
        payer_ref: r.payerRef ?? null,
        payer_identifiers: identifiersOf(rem),
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    const id = String(row.id);
    this.inserted.push(id);
    await this.snapshotLoaded(id);
    return id;
  }

  async insertProviderAdjustment(remittanceId: string, p: ProviderAdjustment, claimId: string | null): Promise<void> {
    await this.trx
      .insertInto('provider_adjustments')
      .values({
        remittance_id: remittanceId,
        reason: p.reason,
        reference: p.reference ?? null,
        amount: p.amount,
        claim_id: claimId,
      })
      .execute();
  }

  async insertPayment(p: PaymentRecord): Promise<string> {
    if (p.claimId === null) {
      const c = p.clp;
      const row = await this.trx
        .insertInto('claim_payments')
        .values({
          remittance_id: p.remittanceId,
          claim_id: null,
          control_number: c.controlNumber,
          status_code: c.status,
          outcome: 'unmatched',
          charge: c.charge,
          paid: c.paid,
          patient_responsibility: c.patientResponsibility,
          payer_claim_number: c.payerClaimNumber ?? null,
          days_to_payment: null,
          payer_role: null,
          clp_index: p.clpIndex,
          remark_codes: c.remarks ?? [],
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      const paymentId = String(row.id);
      await insertAdjustments(this.trx, paymentId, null, c.adjustments);
      for (const [i, s] of c.services.entries()) {
        const lp = await this.trx
          .insertInto('line_payments')
          .values({
            claim_payment_id: paymentId,
            claim_line_id: null,
            line_number: null,
            service_index: i + 1,
            code: s.code,
            outcome: 'unmatched',
            charge: s.charge,
            paid: s.paid,
            units_paid: s.unitsPaid ?? null,
            remark_codes: s.remarks ?? [],
          })
          .returning('id')
          .executeTakeFirstOrThrow();
        await insertAdjustments(this.trx, paymentId, String(lp.id), s.adjustments);
      }
      return paymentId;
    }
    return recordClaimPayment(this.trx, p.remittanceId, p.clpIndex, p.role, p.reconciliation);
  }

  async paymentsOf(claimId: string): Promise<PaymentAmounts[]> {
    const rows = await this.trx
      .selectFrom('claim_payments')
      .select(['payer_role', 'paid', 'patient_responsibility'])
      .where('claim_id', '=', claimId)
      .where('withdrawn_at', 'is', null)
      .orderBy('id')
      .execute();
    return rows.map((r) => ({
      role: r.payer_role ?? 'claim-payer',
      paid: String(r.paid),
      patientResponsibility: String(r.patient_responsibility),
    }));
  }

  async updateClaimMoney(
    claimId: string,
    set: { paid: string; patientResponsibility: string; payerClaimNumber?: string; forwardedTo?: string },
  ): Promise<void> {
    await this.trx
      .updateTable('claims')
      .set({
        paid_amount: sql`${set.paid}::numeric`,
        patient_responsibility: sql`${set.patientResponsibility}::numeric`,
        updated_at: sql`now()`,
        ...(set.payerClaimNumber !== undefined ? { payer_claim_number: set.payerClaimNumber } : {}),
        ...(set.forwardedTo !== undefined ? { forwarded_to: set.forwardedTo } : {}),
      })
      .where('id', '=', claimId)
      .execute();
  }

  async unmatchedPayment(paymentId: string): Promise<UnmatchedPaymentRow | undefined> {
    const row = await this.trx
      .selectFrom('claim_payments as p')
      .innerJoin('remittances as r', 'r.id', 'p.remittance_id')
      .select([
        'p.id',
        'p.remittance_id',
        'p.control_number',
        'p.clp_index',
        'p.matched_payment_id',
        'r.trace_number',
        'r.payer_id',
        'r.x12',
      ])
      .where('p.id', '=', paymentId)
      .where('p.claim_id', 'is', null)
      .where('p.withdrawn_at', 'is', null)
      .forUpdate()
      .executeTakeFirst();
    if (!row) return undefined;
    return {
      id: String(row.id),
      remittanceId: String(row.remittance_id),
      controlNumber: row.control_number,
      traceNumber: row.trace_number,
      payerId: row.payer_id,
      x12: row.x12,
      ...(row.clp_index !== null ? { clpIndex: row.clp_index } : {}),
      ...(row.matched_payment_id !== null ? { matchedPaymentId: String(row.matched_payment_id) } : {}),
    };
  }

  async markMatched(unmatchedId: string, paymentId: string, actor: string): Promise<void> {
    await this.trx
      .updateTable('claim_payments')
      .set({ matched_payment_id: paymentId, matched_by: actor, matched_at: sql`now()` })
      .where('id', '=', unmatchedId)
      .execute();
  }
}

async function recordClaimPayment(
  trx: Trx,
  remittanceId: string,
  clpIndex: number,
  role: PayerRole,
  rec: ClaimReconciliation,
): Promise<string> {
  const lineIds = new Map<number, string>();
  const lines = await trx.selectFrom('claim_lines').select(['id', 'line_number']).where('claim_id', '=', rec.claimId).execute();
  for (const l of lines) lineIds.set(l.line_number, String(l.id));
  const payment = await trx
    .insertInto('claim_payments')
    .values({
      remittance_id: remittanceId,
      claim_id: rec.claimId,
      control_number: rec.controlNumber,
      status_code: rec.status,
      outcome: rec.outcome,
      charge: rec.charge,
      paid: rec.paid,
      patient_responsibility: rec.patientResponsibility,
      payer_claim_number: rec.payerClaimNumber ?? null,
      days_to_payment: rec.daysToPayment ?? null,
      payer_role: role,
      clp_index: clpIndex,
      remark_codes: rec.remarks ?? [],
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  const paymentId = String(payment.id);
  await insertAdjustments(trx, paymentId, null, rec.adjustments);
  for (const line of rec.lines) {
    const lineId = lineIds.get(line.lineNumber) ?? null;
    const lp = await trx
      .insertInto('line_payments')
      .values({
        claim_payment_id: paymentId,
        claim_line_id: lineId,
        line_number: line.lineNumber,
        service_index: line.serviceIndex,
        code: line.adjudicatedCode,
        outcome: line.outcome,
        charge: line.charge,
        paid: line.paid,
        units_paid: line.unitsPaid ?? null,
        remark_codes: line.remarks ?? [],
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await insertAdjustments(trx, paymentId, String(lp.id), line.adjustments);
    if (lineId) {
      await trx
        .updateTable('claim_lines')
        .set({ paid_amount: sql`paid_amount + ${line.paid}::numeric` })
        .where('id', '=', lineId)
        .execute();
    }
  }
  for (const s of rec.unmatchedServices) {
    await trx
      .insertInto('line_payments')
      .values({
        claim_payment_id: paymentId,
        claim_line_id: null,
        line_number: null,
        service_index: s.serviceIndex,
        code: s.code,
        outcome: 'unmatched',
        charge: s.charge,
        paid: s.paid,
        units_paid: null,
      })
      .execute();
  }
  return paymentId;
}

async function insertAdjustments(
  trx: Trx,
  paymentId: string,
  linePaymentId: string | null,
  adjustments: readonly Adjustment[],
): Promise<void> {
  if (adjustments.length === 0) return;
  await trx
    .insertInto('payment_adjustments')
    .values(
      adjustments.map((a) => ({
        claim_payment_id: paymentId,
        line_payment_id: linePaymentId,
        group_code: a.group,
        reason: a.reason,
        amount: a.amount,
        quantity: a.quantity ?? null,
      })),
    )
    .execute();
}

/**
 * Records every 999/997 and 277CA of `text` (src/billing/remittance/acknowledging.ts decides); `within` runs in the
 * same transaction, after, with the summary.
 */
export async function recordAcknowledgments(
  db: Kysely<Database>,
  text: string,
  actor: string,
  payers: PayerDirectory = new Map(),
  within?: (trx: Transaction<Database>, summary: AcknowledgmentSummary) => Promise<void>,
): Promise<AcknowledgmentSummary> {
  return recordAcknowledgmentFile(
    {
      run: (work) =>
        db.transaction().execute(async (trx) => {
          await lockClaims(trx);
          const summary = await work(new AcknowledgmentRepository(trx));
          if (within) await within(trx, summary as AcknowledgmentSummary);
          return summary;
        }),
    },
    text,
    actor,
    payers,
  );
}

class AcknowledgmentRepository extends ClaimStepsRepository implements AcknowledgmentPort {
  async batchByGroupControl(groupControl: string): Promise<{ id: string; transactionSetControl: number } | undefined> {
    const batch = await this.trx
      .selectFrom('claim_batches')
      .select(['id', 'transaction_set_control'])
      .where('group_control', '=', groupControl)
      .orderBy('id', 'desc')
      .executeTakeFirst();
    return batch ? { id: String(batch.id), transactionSetControl: Number(batch.transaction_set_control) } : undefined;
  }

  async batchedClaimIds(batchId: string): Promise<string[]> {
    const rows = await this.trx
      .selectFrom('claims')
      .select(['id'])
      .where('batch_id', '=', batchId)
      .where('status', '=', 'batched')
      .orderBy('id')
      .forUpdate()
      .execute();
    return rows.map((r) => String(r.id));
  }

  async claimByControlNumber(controlNumber: string): Promise<{ id: string; status: ClaimStatus; payerId: string } | undefined> {
    const row = await this.trx
      .selectFrom('claims')
      .select(['id', 'status', 'payer_id'])
      .where('control_number', '=', controlNumber)
      .forUpdate()
      .executeTakeFirst();
    return row ? { id: String(row.id), status: row.status, payerId: row.payer_id } : undefined;
  }

  async setPayerClaimNumber(claimId: string, payerClaimNumber: string): Promise<void> {
    await this.trx.updateTable('claims').set({ payer_claim_number: payerClaimNumber }).where('id', '=', claimId).execute();
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Reading what was posted

export interface UnmatchedRemittancePayment {
  /** The claim payment row (POST /api/remittances/unmatched/:id/match takes it). */
  id: string;
  remittanceId: string;
  traceNumber: string;
  payerName: string;
  payerId: string;
  paymentDate: string | null;
  receivedAt: string;
  /** CLP01 as the payer sent it, CLP02, CLP03/04/05 and CLP07. */
  controlNumber: string;
  statusCode: string;
  charge: string;
  paid: string;
  patientResponsibility: string;
  payerClaimNumber: string | null;
}

/** CLPs that matched no claim and nobody matched by hand yet, newest first (keyset by id). */
export async function unmatchedPayments(db: Kysely<Database>, limit: number, before?: string): Promise<UnmatchedRemittancePayment[]> {
  let q = db
    .selectFrom('claim_payments as p')
    .innerJoin('remittances as r', 'r.id', 'p.remittance_id')
    .select([
      'p.id',
      'p.remittance_id',
      'r.trace_number',
      'r.payer_name',
      'r.payer_id',
      'r.payment_date',
      'r.received_at',
      'p.control_number',
      'p.status_code',
      'p.charge',
      'p.paid',
      'p.patient_responsibility',
      'p.payer_claim_number',
    ])
    .where('p.claim_id', 'is', null)
    .where('p.matched_payment_id', 'is', null)
    .where('p.withdrawn_at', 'is', null)
    .orderBy('p.id', 'desc')
    .limit(limit);
  if (before) q = q.where('p.id', '<', before);
  return (await q.execute()).map((r) => ({
    id: String(r.id),
    remittanceId: String(r.remittance_id),
    traceNumber: r.trace_number,
    payerName: r.payer_name,
    payerId: r.payer_id,
    paymentDate: r.payment_date,
    receivedAt: new Date(r.received_at).toISOString(),
    controlNumber: r.control_number,
    statusCode: r.status_code,
    charge: String(r.charge),
    paid: String(r.paid),
    patientResponsibility: String(r.patient_responsibility),
    payerClaimNumber: r.payer_claim_number,
  }));
}

export interface RemittanceListQuery {
  /** The configured payer the 835 resolved to, or its 835 payer id. */
  payer?: string;
  /** Payment date (BPR16, else the day it was received) from `since` to `until`, both included (YYYY-MM-DD). */
  since?: string;
  until?: string;
  /** TRN02, exactly. */
  trace?: string;
  /** One remittance (its detail's totals). */
  id?: string;
  before?: string;
  limit: number;
}

export interface RemittanceListRow {
  id: string;
  traceNumber: string;
  payerId: string;
  payerRef: string | null;
  payerName: string;
  paymentAmount: string;
  paymentDate: string | null;
  receivedAt: string;
  actor: string | null;
  /** Σ CLP04 of its claim payments. */
  paid: string;
  /** Σ CAS amounts (claim and line level) of its claim payments. */
  adjustments: string;
  /** Σ CLP05. */
  patientResponsibility: string;
  /** Σ PLB amounts. */
  providerAdjustments: string;
  claimsMatched: number;
  /** CLPs that named no claim of ours and nobody matched yet. */
  linesUnmatched: number;
  withdrawn: { at: string; by: string | null; reason: string | null } | null;
}

/** Remittances newest first (keyset by id), with per-file totals; withdrawn ones included and marked. */
export async function listRemittances(db: Kysely<Database>, q: RemittanceListQuery): Promise<RemittanceListRow[]> {
  let query = db
    .selectFrom('remittances as r')
    .select((eb) => [
      'r.id',
      'r.trace_number',
      'r.payer_id',
      'r.payer_ref',
      'r.payer_name',
      'r.payment_amount',
      'r.payment_date',
      'r.received_at',
      'r.actor',
      'r.withdrawn_at',
      'r.withdrawn_by',
      'r.withdrawn_reason',
      eb
        .selectFrom('claim_payments as p')
        .select(sql<string>`coalesce(sum(p.paid), 0)::text`.as('v'))
        .whereRef('p.remittance_id', '=', 'r.id')
        .where('p.matched_payment_id', 'is', null)
        .as('paid'),
      eb
        .selectFrom('claim_payments as p')
        .select(sql<string>`coalesce(sum(p.patient_responsibility), 0)::text`.as('v'))
        .whereRef('p.remittance_id', '=', 'r.id')
        .where('p.matched_payment_id', 'is', null)
        .as('pr'),
      eb
        .selectFrom('payment_adjustments as a')
        .innerJoin('claim_payments as p', 'p.id', 'a.claim_payment_id')
        .select(sql<string>`coalesce(sum(a.amount), 0)::text`.as('v'))
        .whereRef('p.remittance_id', '=', 'r.id')
        .where('p.matched_payment_id', 'is', null)
        .as('adjustments'),
      eb
        .selectFrom('provider_adjustments as a')
        .select(sql<string>`coalesce(sum(a.amount), 0)::text`.as('v'))
        .whereRef('a.remittance_id', '=', 'r.id')
        .as('plb'),
      eb
        .selectFrom('claim_payments as p')
        .select(sql<string>`count(*)::text`.as('v'))
        .whereRef('p.remittance_id', '=', 'r.id')
        .where('p.claim_id', 'is not', null)
        .as('matched'),
      eb
        .selectFrom('claim_payments as p')
        .select(sql<string>`count(*)::text`.as('v'))
        .whereRef('p.remittance_id', '=', 'r.id')
        .where('p.claim_id', 'is', null)
        .where('p.matched_payment_id', 'is', null)
        .as('unmatched'),
    ])
    .orderBy('r.id', 'desc')
    .limit(q.limit);
  if (q.before) query = query.where('r.id', '<', q.before);
  if (q.payer) query = query.where((eb) => eb.or([eb('r.payer_ref', '=', q.payer!), eb('r.payer_id', '=', q.payer!)]));
  if (q.trace) query = query.where('r.trace_number', '=', q.trace);
  if (q.id) query = query.where('r.id', '=', q.id);
  if (q.since) query = query.where(sql`coalesce(r.payment_date, r.received_at::date)`, '>=', sql`${q.since}::date`);
  if (q.until) query = query.where(sql`coalesce(r.payment_date, r.received_at::date)`, '<=', sql`${q.until}::date`);
  return (await query.execute()).map((r) => ({
    id: String(r.id),
    traceNumber: r.trace_number,
    payerId: r.payer_id,
    payerRef: r.payer_ref ?? null,
    payerName: r.payer_name,
    paymentAmount: String(r.payment_amount),
    paymentDate: r.payment_date,
    receivedAt: new Date(r.received_at).toISOString(),
    actor: r.actor,
    paid: normalizeDecimal(String(r.paid ?? '0'), 2),
    adjustments: normalizeDecimal(String(r.adjustments ?? '0'), 2),
    patientResponsibility: normalizeDecimal(String(r.pr ?? '0'), 2),
    providerAdjustments: normalizeDecimal(String(r.plb ?? '0'), 2),
    claimsMatched: Number(r.matched ?? 0),
    linesUnmatched: Number(r.unmatched ?? 0),
    withdrawn: r.withdrawn_at
      ? { at: new Date(r.withdrawn_at).toISOString(), by: r.withdrawn_by ?? null, reason: r.withdrawn_reason ?? null }
      : null,
  }));
}

/** A remittance as recorded: header, every claim payment (matched, unmatched, matched by hand) and its PLB adjustments. */
export async function remittanceDetail(db: Kysely<Database>, id: string) {
  const r = await db
    .selectFrom('remittances')
    .select([
      'id',
      'trace_number',
      'payer_id',
      'payer_name',
      'payer_ref',
      'payer_identifiers',
      'payment_amount',
      'handling',
      'payment_method',
      'payment_date',
      'payee_npi',
      'actor',
      'received_at',
      'withdrawn_at',
      'withdrawn_by',
      'withdrawn_reason',
    ])
    .where('id', '=', id)
    .executeTakeFirst();
  if (!r) return undefined;
  const [payments, plb, [listed]] = await Promise.all([
    db
      .selectFrom('claim_payments')
      .select([
        'id',
        'claim_id',
        'control_number',
        'status_code',
        'outcome',
        'payer_role',
        'charge',
        'paid',
        'patient_responsibility',
        'payer_claim_number',
        'matched_payment_id',
        'matched_by',
        'matched_at',
      ])
      .where('remittance_id', '=', id)
      .orderBy('id')
      .execute(),
    db
      .selectFrom('provider_adjustments')
      .select(['reason', 'reference', 'amount', 'claim_id'])
      .where('remittance_id', '=', id)
      .orderBy('id')
      .execute(),
    listRemittances(db, { id, limit: 1 }),
  ]);
  return {
    id: String(r.id),
    traceNumber: r.trace_number,
    payerId: r.payer_id,
    payerName: r.payer_name,
    payerRef: r.payer_ref,
    payerIdentifiers: r.payer_identifiers,
    paymentAmount: String(r.payment_amount),
    handling: r.handling,
    paymentMethod: r.payment_method,
    paymentDate: r.payment_date,
    payeeNpi: r.payee_npi,
    actor: r.actor,
    receivedAt: r.received_at,
    withdrawn: r.withdrawn_at
      ? { at: new Date(r.withdrawn_at).toISOString(), by: r.withdrawn_by ?? null, reason: r.withdrawn_reason ?? null }
      : null,
    /** The same totals as the remittance list's row. */
    totals: {
      paid: listed!.paid,
      adjustments: listed!.adjustments,
      patientResponsibility: listed!.patientResponsibility,
      providerAdjustments: listed!.providerAdjustments,
      claimsMatched: listed!.claimsMatched,
      linesUnmatched: listed!.linesUnmatched,
    },
    claims: payments.map((p) => ({
      paymentId: String(p.id),
      claimId: p.claim_id === null ? null : String(p.claim_id),
      controlNumber: p.control_number,
      statusCode: p.status_code,
      outcome: p.outcome,
      role: p.payer_role,
      charge: String(p.charge),
      paid: String(p.paid),
      patientResponsibility: String(p.patient_responsibility),
      payerClaimNumber: p.payer_claim_number,
      matched: p.matched_payment_id === null ? null : { paymentId: String(p.matched_payment_id), by: p.matched_by, at: p.matched_at },
    })),
    providerAdjustments: plb.map((a) => ({
      reason: a.reason,
      reference: a.reference,
      amount: String(a.amount),
      claimId: a.claim_id === null ? null : String(a.claim_id),
    })),
  };
}
