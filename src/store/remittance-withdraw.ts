/**
 * Withdrawing a remittance posted by mistake (docs/billing.md "Withdrawing a remittance"), in one transaction
 * holding the claims lock: the facts src/billing/remittance/withdraw.ts decides on are read; when it allows it,
 * - each claim the remittance paid gets back its status, paid amount, patient responsibility, payer claim number,
 *   forwarded-to, submitted/adjudicated times and line paid amounts as they were just before the posting
 *   (remittance_claim_states), with a `withdraw` history entry;
 * - a claim to the next payer the posting built (still unsent) is voided, its lines dropped and its link to the claim
 *   it followed cleared (so posting the same 835 again builds it again);
 * - the remittance and its claim payments are marked withdrawn (kept, counted nowhere; its unmatched lines leave the
 *   queue); the (payer, trace) pair is free again.
 */
import { sql, type Kysely } from 'kysely';
import { EngineError } from '../core/errors';
import { withdrawRefusal, type PostedClaimFacts } from '../billing/remittance/withdraw';
import { addClaimEvent, lockClaims } from './claims';
import type { Database } from './types';

export interface WithdrawResult {
  remittanceId: string;
  traceNumber: string;
  /** Each claim restored: its status after the posting → the status it has again. */
  claims: Array<{ claimId: string; from: string; to: string }>;
  /** Claims to the next payer voided. */
  voidedClaims: string[];
  /** Unmatched lines taken off the queue. */
  unmatchedRemoved: number;
}

export async function withdrawRemittance(db: Kysely<Database>, id: string, reason: string, actor: string): Promise<WithdrawResult> {
  return db.transaction().execute(async (trx) => {
    await lockClaims(trx);
    const rem = await trx
      .selectFrom('remittances')
      .select(['id', 'trace_number', 'withdrawn_at', 'events_through'])
      .where('id', '=', id)
      .forUpdate()
      .executeTakeFirst();
    if (!rem) throw new EngineError('NOT_FOUND', `remittance ${id} not found`);
    const states = await trx
      .selectFrom('remittance_claim_states as s')
      .innerJoin('claims as c', 'c.id', 's.claim_id')
      .selectAll('s')
      .select(['c.status as current_status'])
      .where('s.remittance_id', '=', id)
      .where(({ exists, selectFrom }) =>
        exists(
          selectFrom('claim_payments as p')
            .select(sql`1`.as('one'))
            .whereRef('p.claim_id', '=', 's.claim_id')
            .where('p.remittance_id', '=', id)
            .where('p.withdrawn_at', 'is', null),
        ),
      )
      .orderBy('s.claim_id')
      .execute();
    const claimIds = states.map((s) => s.claim_id);
    const eventsThrough = rem.events_through ?? '0';
    const [laterEvents, laterPayments, followers, handMatched] = await Promise.all([
      claimIds.length === 0
        ? []
        : trx
            .selectFrom('claim_events')
            .select(['claim_id', 'action', 'to_status', 'actor'])
            .where('claim_id', 'in', claimIds)
            .where('id', '>', eventsThrough)
            // notes change nothing; later payments are checked on their own (a later remittance withdrawn leaves its
            // remit and withdraw entries behind, and the claim as this remittance left it)
            .where('action', 'not in', ['note', 'remit', 'withdraw'])
            .orderBy('id')
            .execute(),
      claimIds.length === 0
        ? []
        : trx
            .selectFrom('claim_payments as p')
            .innerJoin('remittances as r', 'r.id', 'p.remittance_id')
            .select(['p.claim_id', 'r.id', 'r.trace_number'])
            .where('p.claim_id', 'in', claimIds)
            .where('p.id', '>', (eb) =>
              eb
                .selectFrom('claim_payments as q')
                .select(sql<string>`max(q.id)`.as('m'))
                .where('q.remittance_id', '=', id),
            )
            .where('p.withdrawn_at', 'is', null)
            .orderBy('p.id')
            .execute(),
      claimIds.length === 0
        ? []
        : trx
            .selectFrom('claims')
            .select(['id', 'follows_claim_id', 'status', 'payer_id'])
            .where('follows_claim_id', 'in', claimIds)
            .execute(),
      trx
        .selectFrom('claim_payments as u')
        .innerJoin('claim_payments as m', 'm.id', 'u.matched_payment_id')
        .select(['m.claim_id', 'u.matched_by'])
        .where('u.remittance_id', '=', id)
        .where('m.withdrawn_at', 'is', null)
        .execute(),
    ]);
    const built = (s: (typeof states)[number]) =>
      followers.find((f) => String(f.follows_claim_id) === String(s.claim_id) && String(f.id) !== String(s.follower_id ?? ''));
    const facts: PostedClaimFacts[] = states.map((s) => {
      const event = laterEvents.find((e) => String(e.claim_id) === String(s.claim_id));
      const payment = laterPayments.find((p) => String(p.claim_id) === String(s.claim_id));
      const follower = built(s);
      return {
        claimId: String(s.claim_id),
        status: s.current_status,
        ...(event ? { laterEvent: { action: event.action, toStatus: event.to_status, actor: event.actor } } : {}),
        ...(payment ? { laterPayment: { remittanceId: String(payment.id), traceNumber: payment.trace_number } } : {}),
        ...(follower ? { builtFollower: { id: String(follower.id), status: follower.status, payerId: follower.payer_id } } : {}),
      };
    });
    const paidClaims = await trx
      .selectFrom('claim_payments')
      .select('claim_id')
      .distinct()
      .where('remittance_id', '=', id)
      .where('claim_id', 'is not', null)
      .where('matched_payment_id', 'is', null)
      .where('withdrawn_at', 'is', null)
      .execute();
    const refusal = withdrawRefusal({
      remittanceId: id,
      withdrawn: rem.withdrawn_at !== null,
      unrecordedClaims: paidClaims
        .map((p) => String(p.claim_id))
        .filter((c) => !states.some((s) => String(s.claim_id) === c) && !handMatched.some((h) => String(h.claim_id) === c)),
      claims: facts,
      handMatched: handMatched.filter((h) => h.claim_id !== null).map((h) => ({ claimId: String(h.claim_id), by: h.matched_by ?? null })),
    });
    if (refusal) throw new EngineError('REMITTANCE_WITHDRAW_REFUSED', refusal);

    const why = `835 trace ${rem.trace_number} (remittance ${id}) withdrawn: ${reason}`;
    const restored: WithdrawResult['claims'] = [];
    const voidedClaims: string[] = [];
    for (const s of states) {
      const follower = built(s);
      if (follower && follower.status !== 'voided') {
        await trx
          .updateTable('claims')
          .set({ status: 'voided', follows_claim_id: null, updated_at: sql`now()` })
          .where('id', '=', follower.id)
          .execute();
        await trx
          .updateTable('claim_lines')
          .set({ state: 'dropped' })
          .where('claim_id', '=', follower.id)
          .where('state', '=', 'active')
          .execute();
        await addClaimEvent(trx, String(follower.id), {
          action: 'withdraw',
          from: follower.status,
          to: 'voided',
          actor,
          reason: `${why}; this claim followed claim ${s.claim_id}`,
        });
        voidedClaims.push(String(follower.id));
      } else if (follower) {
        await trx.updateTable('claims').set({ follows_claim_id: null }).where('id', '=', follower.id).execute();
      }
      await trx
        .updateTable('claims')
        .set({
          status: s.status,
          paid_amount: s.paid_amount,
          patient_responsibility: s.patient_responsibility,
          payer_claim_number: s.payer_claim_number,
          forwarded_to: s.forwarded_to,
          submitted_at: s.submitted_at,
          adjudicated_at: s.adjudicated_at,
          updated_at: sql`now()`,
        })
        .where('id', '=', s.claim_id)
        .execute();
      for (const [lineId, paid] of Object.entries(s.line_paid)) {
        await trx
          .updateTable('claim_lines')
          .set({ paid_amount: paid })
          .where('id', '=', lineId)
          .where('claim_id', '=', s.claim_id)
          .execute();
      }
      await addClaimEvent(trx, String(s.claim_id), { action: 'withdraw', from: s.current_status, to: s.status, actor, reason: why });
      restored.push({ claimId: String(s.claim_id), from: s.current_status, to: s.status });
    }
    const unmatched = await trx
      .updateTable('claim_payments')
      .set({ withdrawn_at: sql`now()` })
      .where('remittance_id', '=', id)
      .where('withdrawn_at', 'is', null)
      .returning(['claim_id', 'matched_payment_id'])
      .execute();
    await trx
      .updateTable('remittances')
      .set({ withdrawn_at: sql`now()`, withdrawn_by: actor, withdrawn_reason: reason })
      .where('id', '=', id)
      .execute();
    return {
      remittanceId: id,
      traceNumber: rem.trace_number,
      claims: restored,
      voidedClaims,
      unmatchedRemoved: unmatched.filter((u) => u.claim_id === null && u.matched_payment_id === null).length,
    };
  });
}
