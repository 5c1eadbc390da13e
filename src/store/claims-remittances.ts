/**
 * What payers send back, recorded against our claims (docs/billing.md "Remittances and acknowledgments"):
 * - an 835 file: every transaction set read and balanced first (a file that does not balance is refused whole,
 *   REMITTANCE_UNBALANCED, nothing recorded; a trace number already recorded for the payer is CONFLICT), then
 *   reconciled (src/billing/remittance/reconcile.ts) and recorded: remittance, claim payments, line payments,
 *   adjustments, provider adjustments; claims get their payer claim number, paid amounts and status (paid,
 *   partial, denied), passing through the steps earlier acknowledgments would have recorded;
 * - a 999 (or 997): the batch whose GS06/ST02 it acknowledges → its batched claims submitted or rejected;
 * - a 277CA: each claim by CLM01 (TRN02) → accepted or rejected, with the payer claim number (REF*1K).
 * A CLP or TRN naming no claim of ours is recorded (835) or listed (277CA), never an error.
 */
import { sql, type Kysely, type Transaction } from 'kysely';
import { EngineError } from '../core/errors';
import { impliedPath, statusForOutcome, type ClaimStatus } from '../billing/claims/lifecycle';
import { readPayerFile, readRemittanceFile } from '../billing/claims/payer-files';
import type { Adjustment, Claim, Remittance } from '../billing/model';
import { reconcile, type ClaimForReconciliation, type ClaimReconciliation } from '../billing/remittance';
import { lockClaims, moveClaim, noteClaim } from './claims';
import type { Database } from './types';

type Trx = Transaction<Database>;

export interface RemittanceSummary {
  id: string;
  traceNumber: string;
  payerName: string;
  paymentAmount: string;
  claims: Array<{ claimId: string; controlNumber: string; outcome: string; paid: string; status: ClaimStatus }>;
  /** CLP01 values that name no claim of ours (recorded without a claim). */
  unmatched: string[];
}

export interface AcknowledgmentSummary {
  batches: Array<{ batchId: string; accepted: boolean; claims: number }>;
  claims: Array<{ claimId: string; controlNumber: string; outcome: string; status: ClaimStatus }>;
  /** GS06 or CLM01 values that name nothing of ours. */
  unmatched: string[];
}

/** Records every 835 of `text` in one transaction (see the module comment). */
export async function recordRemittances(db: Kysely<Database>, text: string, actor: string): Promise<RemittanceSummary[]> {
  const remittances = readRemittanceFile(text);
  return db.transaction().execute(async (trx) => {
    await lockClaims(trx);
    const out: RemittanceSummary[] = [];
    for (const rem of remittances) out.push(await recordOne(trx, rem, text, actor));
    return out;
  });
}

async function recordOne(trx: Trx, rem: Remittance, text: string, actor: string): Promise<RemittanceSummary> {
  const payerId = rem.payerId ?? '';
  const dup = await trx.selectFrom('remittances').select('id').where('payer_id', '=', payerId)
    .where('trace_number', '=', rem.traceNumber).executeTakeFirst();
  if (dup) throw new EngineError('CONFLICT', `remittance trace ${rem.traceNumber} of this payer is already recorded (remittance ${dup.id})`);

  const controlNumbers = [...new Set(rem.claims.map((c) => c.controlNumber))];
  const rows = controlNumbers.length === 0 ? [] : await trx.selectFrom('claims').selectAll()
    .where('control_number', 'in', controlNumbers).forUpdate().execute();
  const lineIds = new Map<string, string>();
  if (rows.length > 0) {
    const lines = await trx.selectFrom('claim_lines').select(['id', 'claim_id', 'line_number'])
      .where('claim_id', 'in', rows.map((r) => r.id)).execute();
    for (const l of lines) lineIds.set(`${l.claim_id}/${l.line_number}`, String(l.id));
  }
  const result = reconcile(rem, rows.map((r): ClaimForReconciliation => {
    const claim = r.claim as Claim;
    return {
      id: String(r.id), controlNumber: r.control_number, totalCharge: claim.totalCharge,
      lines: claim.lines.map((l) => ({
        lineNumber: l.lineNumber, chargeId: l.chargeId, code: l.code, modifiers: l.modifiers, serviceDate: l.serviceDate,
        chargeAmount: l.chargeAmount,
      })),
      ...(r.submitted_at ? { submittedAt: new Date(r.submitted_at).toISOString() } : {}),
    };
  }));

  const remittance = await trx.insertInto('remittances').values({
    trace_number: rem.traceNumber, payer_id: payerId, payer_name: rem.payerName, payment_amount: rem.paymentAmount,
    handling: rem.handling, payment_method: rem.paymentMethod, payment_date: rem.paymentDate ?? null,
    payee_npi: rem.payeeNpi ?? null, x12: text, actor,
  }).returning('id').executeTakeFirstOrThrow();
  const remittanceId = String(remittance.id);
  for (const p of rem.providerAdjustments) {
    await trx.insertInto('provider_adjustments').values({
      remittance_id: remittanceId, reason: p.reason, reference: p.reference ?? null, amount: p.amount,
    }).execute();
  }

  const statuses = new Map(rows.map((r) => [String(r.id), r.status as ClaimStatus]));
  const summary: RemittanceSummary = {
    id: remittanceId, traceNumber: rem.traceNumber, payerName: rem.payerName, paymentAmount: rem.paymentAmount, claims: [], unmatched: [],
  };
  for (const rec of result.claims) {
    await recordClaimPayment(trx, remittanceId, rec, lineIds);
    const status = await applyOutcome(trx, rec, statuses.get(rec.claimId)!, rem.traceNumber, actor);
    statuses.set(rec.claimId, status);
    summary.claims.push({ claimId: rec.claimId, controlNumber: rec.controlNumber, outcome: rec.outcome, paid: rec.paid, status });
  }
  for (const u of result.unmatchedClaims) {
    const payment = rem.claims.find((c) => c.controlNumber === u.controlNumber);
    await trx.insertInto('claim_payments').values({
      remittance_id: remittanceId, claim_id: null, control_number: u.controlNumber, status_code: u.status, outcome: 'unmatched',
      charge: u.charge, paid: u.paid, patient_responsibility: payment?.patientResponsibility ?? '0',
      payer_claim_number: u.payerClaimNumber ?? null, days_to_payment: null,
    }).execute();
    summary.unmatched.push(u.controlNumber);
  }
  return summary;
}

async function recordClaimPayment(trx: Trx, remittanceId: string, rec: ClaimReconciliation, lineIds: Map<string, string>): Promise<void> {
  const payment = await trx.insertInto('claim_payments').values({
    remittance_id: remittanceId, claim_id: rec.claimId, control_number: rec.controlNumber, status_code: rec.status,
    outcome: rec.outcome, charge: rec.charge, paid: rec.paid, patient_responsibility: rec.patientResponsibility,
    payer_claim_number: rec.payerClaimNumber ?? null, days_to_payment: rec.daysToPayment ?? null,
  }).returning('id').executeTakeFirstOrThrow();
  const paymentId = String(payment.id);
  await insertAdjustments(trx, paymentId, null, rec.adjustments);
  for (const line of rec.lines) {
    const lineId = lineIds.get(`${rec.claimId}/${line.lineNumber}`) ?? null;
    const lp = await trx.insertInto('line_payments').values({
      claim_payment_id: paymentId, claim_line_id: lineId, line_number: line.lineNumber, service_index: line.serviceIndex,
      code: line.adjudicatedCode, outcome: line.outcome, charge: line.charge, paid: line.paid, units_paid: line.unitsPaid ?? null,
    }).returning('id').executeTakeFirstOrThrow();
    await insertAdjustments(trx, paymentId, String(lp.id), line.adjustments);
    if (lineId) {
      await trx.updateTable('claim_lines').set({ paid_amount: sql`paid_amount + ${line.paid}::numeric` }).where('id', '=', lineId).execute();
    }
  }
  for (const s of rec.unmatchedServices) {
    await trx.insertInto('line_payments').values({
      claim_payment_id: paymentId, claim_line_id: null, line_number: null, service_index: s.serviceIndex, code: s.code,
      outcome: 'unmatched', charge: s.charge, paid: s.paid, units_paid: null,
    }).execute();
  }
  await trx.updateTable('claims').set({
    paid_amount: sql`paid_amount + ${rec.paid}::numeric`,
    patient_responsibility: sql`patient_responsibility + ${rec.patientResponsibility}::numeric`,
    payer_claim_number: sql`coalesce(${rec.payerClaimNumber ?? null}::text, payer_claim_number)`,
    updated_at: sql`now()`,
  }).where('id', '=', rec.claimId).execute();
}

async function insertAdjustments(trx: Trx, paymentId: string, linePaymentId: string | null, adjustments: readonly Adjustment[]): Promise<void> {
  if (adjustments.length === 0) return;
  await trx.insertInto('payment_adjustments').values(adjustments.map((a) => ({
    claim_payment_id: paymentId, line_payment_id: linePaymentId, group_code: a.group, reason: a.reason, amount: a.amount,
    quantity: a.quantity ?? null,
  }))).execute();
}

/** Moves the claim to the status the payment's outcome means (through implied steps); returns its status after. */
async function applyOutcome(trx: Trx, rec: ClaimReconciliation, from: ClaimStatus, trace: string, actor: string): Promise<ClaimStatus> {
  const target = statusForOutcome(rec.outcome);
  const what = `835 trace ${trace}: ${rec.outcome} (CLP02 ${rec.status}), paid ${rec.paid}`;
  return advance(trx, rec.claimId, from, target, 'remit', actor, what, `implied by ${what}`, { adjudicated_at: sql`now()` });
}

/** Steps a claim to `target` through impliedPath, or notes why it stays (no target, already there, not reachable). */
async function advance(
  trx: Trx, claimId: string, from: ClaimStatus, target: ClaimStatus | undefined, action: 'remit' | 'acknowledge', actor: string,
  what: string, implied: string, extra: Record<string, unknown> = {},
): Promise<ClaimStatus> {
  const path = target === undefined ? undefined : impliedPath(from, target);
  if (!target || !path || path.length === 0) {
    const why = !target ? 'status unchanged' : path?.length === 0 ? `already ${target}` : `a ${from} claim cannot become ${target}; status unchanged`;
    await noteClaim(trx, claimId, from, action, actor, `${what} (${why})`);
    return from;
  }
  let at = from;
  for (const step of path) {
    await moveClaim(trx, claimId, at, step, action, actor, step === target ? what : implied, step === target ? extra : {});
    at = step;
  }
  return at;
}

/** Records every 999/997 and 277CA of `text` (see the module comment). */
export async function recordAcknowledgments(db: Kysely<Database>, text: string, actor: string): Promise<AcknowledgmentSummary> {
  const file = readPayerFile(text);
  if (file.groupAcks.length + file.claimAcks.length === 0) {
    throw new EngineError('BAD_REQUEST', 'the file holds no 999, 997 or 277 transaction set');
  }
  return db.transaction().execute(async (trx) => {
    await lockClaims(trx);
    const out: AcknowledgmentSummary = { batches: [], claims: [], unmatched: [] };
    for (const ack of file.groupAcks) {
      const batch = await trx.selectFrom('claim_batches').select(['id', 'transaction_set_control'])
        .where('group_control', '=', ack.groupControlNumber.replace(/^0+(?=\d)/, '') as never).orderBy('id', 'desc').executeTakeFirst();
      if (!batch) {
        out.unmatched.push(`GS06 ${ack.groupControlNumber}`);
        continue;
      }
      const set = ack.transactionSets.find((t) => Number(t.controlNumber) === Number(batch.transaction_set_control));
      const accepted = set ? set.accepted : ack.groupAccepted;
      const codes = [...(set?.errors ?? []), ...ack.groupErrors].map((e) => e.code);
      const what = `999 for batch ${batch.id}: ${accepted ? 'accepted' : 'rejected'} (${set ? `IK5 ${set.status}` : `AK9 ${ack.groupStatus}`}`
        + `${codes.length > 0 ? `; error codes ${[...new Set(codes)].join(', ')}` : ''})`;
      const claims = await trx.selectFrom('claims').select(['id', 'status']).where('batch_id', '=', String(batch.id))
        .where('status', '=', 'batched').orderBy('id').forUpdate().execute();
      for (const c of claims) {
        await advance(trx, String(c.id), 'batched', accepted ? 'submitted' : 'rejected', 'acknowledge', actor, what, `implied by ${what}`);
      }
      out.batches.push({ batchId: String(batch.id), accepted, claims: claims.length });
    }
    for (const ack of file.claimAcks) {
      for (const c of ack.claims) {
        const row = await trx.selectFrom('claims').select(['id', 'status']).where('control_number', '=', c.controlNumber)
          .forUpdate().executeTakeFirst();
        if (!row) {
          out.unmatched.push(c.controlNumber);
          continue;
        }
        if (c.payerClaimNumber) {
          await trx.updateTable('claims').set({ payer_claim_number: c.payerClaimNumber }).where('id', '=', row.id).execute();
        }
        const target: ClaimStatus | undefined = c.outcome === 'accepted' ? 'accepted' : c.outcome === 'rejected' ? 'rejected' : undefined;
        const codes = c.statuses.map((s) => `${s.category}:${s.status}`).join(', ');
        const what = `277CA: ${c.outcome}${codes ? ` (${codes})` : ''}`;
        const status = await advance(trx, String(row.id), row.status as ClaimStatus, target, 'acknowledge', actor, what, `implied by ${what}`);
        out.claims.push({ claimId: String(row.id), controlNumber: c.controlNumber, outcome: c.outcome, status });
      }
    }
    return out;
  });
}
