/**
 * The 999/997 and 277CA files as received, and what each said about each claim (src/billing/claims/ack-detail.ts):
 * kept after src/store/claims-remittances.ts recordAcknowledgments has moved the claims, in one transaction of
 * their own, so GET /api/claims/:id shows which segment or element the clearinghouse refused and why, and the raw
 * file stays available (GET /api/acknowledgments/:id/x12).
 */
import type { Kysely, Transaction } from 'kysely';
import { claimDetailOf277, claimDetailOf999, placeSetErrors, type ClaimAckDetail } from '../billing/claims/ack-detail';
import { readPayerFile } from '../billing/claims/payer-files';
import type { AcknowledgmentSummary } from './claims-remittances';
import type { Database } from './types';

/** Keeps `text` and the per-claim detail of the claims `summary` says it answered; the acknowledgment's id. */
export async function keepAcknowledgment(
  db: Kysely<Database>,
  text: string,
  actor: string,
  summary: AcknowledgmentSummary,
): Promise<string> {
  return db.transaction().execute((trx) => keepAcknowledgmentIn(trx, text, actor, summary));
}

/** keepAcknowledgment inside a transaction of the caller's (the clearinghouse pickup posts and keeps a file in one). */
export async function keepAcknowledgmentIn(
  trx: Transaction<Database>,
  text: string,
  actor: string,
  summary: AcknowledgmentSummary,
): Promise<string> {
  const file = readPayerFile(text);
  const kind = [...new Set([...file.groupAcks.map(() => '999'), ...file.claimAcks.map(() => '277CA')])].join('+');
  {
    const ack = await trx.insertInto('acknowledgments').values({ kind, x12: text, actor }).returning('id').executeTakeFirstOrThrow();
    const rows: Array<{ claimId: string; detail: ClaimAckDetail }> = [];
    for (const b of summary.batches) {
      const batch = await trx
        .selectFrom('claim_batches')
        .select(['x12', 'group_control', 'transaction_set_control'])
        .where('id', '=', b.batchId)
        .executeTakeFirstOrThrow();
      const group = file.groupAcks.find((g) => Number(g.groupControlNumber) === Number(batch.group_control));
      if (!group) continue;
      const set = group.transactionSets.find((t) => Number(t.controlNumber) === Number(batch.transaction_set_control));
      const placed = placeSetErrors(batch.x12, String(batch.transaction_set_control), set?.errors ?? []);
      const claims = await trx
        .selectFrom('claims')
        .select(['id', 'control_number'])
        .where('batch_id', '=', b.batchId)
        .orderBy('id')
        .execute();
      for (const c of claims) {
        rows.push({
          claimId: String(c.id),
          detail: claimDetailOf999(set, group.groupStatus, b.accepted, placed, c.control_number, group.groupErrors),
        });
      }
    }
    for (const answered of summary.claims) {
      const status = file.claimAcks.flatMap((a) => a.claims).find((c) => c.controlNumber === answered.controlNumber);
      if (status) rows.push({ claimId: answered.claimId, detail: claimDetailOf277(status) });
    }
    if (rows.length > 0) {
      await trx
        .insertInto('claim_acknowledgments')
        .values(
          rows.map((r) => ({
            acknowledgment_id: String(ack.id),
            claim_id: r.claimId,
            outcome: r.detail.outcome,
            detail: JSON.stringify(r.detail),
          })),
        )
        .execute();
    }
    return String(ack.id);
  }
}

/** What the acknowledgments said about a claim, oldest first. */
export async function claimAcknowledgments(db: Kysely<Database>, claimId: string) {
  const rows = await db
    .selectFrom('claim_acknowledgments as ca')
    .innerJoin('acknowledgments as a', 'a.id', 'ca.acknowledgment_id')
    .select(['a.id', 'a.kind', 'a.received_at', 'ca.outcome', 'ca.detail'])
    .where('ca.claim_id', '=', claimId)
    .orderBy('ca.id')
    .execute();
  return rows.map((r) => ({ ...r.detail, acknowledgmentId: String(r.id), receivedAt: r.received_at, outcome: r.outcome }));
}

export async function acknowledgmentX12(db: Kysely<Database>, id: string): Promise<{ kind: string; x12: string } | undefined> {
  return db.selectFrom('acknowledgments').select(['kind', 'x12']).where('id', '=', id).executeTakeFirst();
}
