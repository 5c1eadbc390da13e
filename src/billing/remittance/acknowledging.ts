/**
 * Recording acknowledgments (docs/billing.md "Remittances and acknowledgments"), against a port the store
 * implements (src/store/claims-remittances.ts) and the unit tests implement in memory:
 * - a 999 (or 997): the batch whose GS06 (and ST02) it acknowledges → its batched claims submitted or rejected;
 * - a 277CA: each claim by CLM01 (TRN02) → accepted or rejected, with the payer claim number (REF*1K) unless the
 *   claim's payer has remittanceIds and the 277CA's NM1*PR id is not among them (a 277CA relayed by a clearinghouse
 *   may name the payer by another id, so without configuration the number is taken).
 * A GS06 or CLM01 naming nothing of ours is listed, never an error. BAD_REQUEST when the file holds no 999, 997 or 277.
 */
import { EngineError } from '../../core/errors';
import type { ClaimStatus } from '../claims/lifecycle';
import { readPayerFile } from '../claims/payer-files';
import { advance, type ClaimSteps } from './claim-steps';
import { payerRelation, type PayerDirectory } from './payer-match';

export interface AcknowledgmentPort extends ClaimSteps {
  /** The newest batch with this GS06 (leading zeros dropped), if any. */
  batchByGroupControl(groupControl: string): Promise<{ id: string; transactionSetControl: number } | undefined>;
  /** Ids of the batch's claims still `batched` (locked for update), oldest first. */
  batchedClaimIds(batchId: string): Promise<string[]>;
  claimByControlNumber(controlNumber: string): Promise<{ id: string; status: ClaimStatus; payerId: string } | undefined>;
  setPayerClaimNumber(claimId: string, payerClaimNumber: string): Promise<void>;
}

export interface AcknowledgmentUnitOfWork {
  run<T>(work: (port: AcknowledgmentPort) => Promise<T>): Promise<T>;
}

export interface AcknowledgmentSummary {
  batches: Array<{ batchId: string; accepted: boolean; claims: number }>;
  claims: Array<{ claimId: string; controlNumber: string; outcome: string; status: ClaimStatus }>;
  /** GS06 or CLM01 values that name nothing of ours. */
  unmatched: string[];
}

export async function recordAcknowledgmentFile(
  uow: AcknowledgmentUnitOfWork,
  text: string,
  actor: string,
  payers: PayerDirectory,
): Promise<AcknowledgmentSummary> {
  const file = readPayerFile(text);
  if (file.groupAcks.length + file.claimAcks.length === 0) {
    throw new EngineError('BAD_REQUEST', 'the file holds no 999, 997 or 277 transaction set');
  }
  return uow.run(async (port) => {
    const out: AcknowledgmentSummary = { batches: [], claims: [], unmatched: [] };
    for (const ack of file.groupAcks) {
      const batch = await port.batchByGroupControl(ack.groupControlNumber.replace(/^0+(?=\d)/, ''));
      if (!batch) {
        out.unmatched.push(`GS06 ${ack.groupControlNumber}`);
        continue;
      }
      const set = ack.transactionSets.find((t) => Number(t.controlNumber) === batch.transactionSetControl);
      const accepted = set ? set.accepted : ack.groupAccepted;
      const codes = [...(set?.errors ?? []), ...ack.groupErrors].map((e) => e.code);
      const what =
        `999 for batch ${batch.id}: ${accepted ? 'accepted' : 'rejected'} (${set ? `IK5 ${set.status}` : `AK9 ${ack.groupStatus}`}` +
        `${codes.length > 0 ? `; error codes ${[...new Set(codes)].join(', ')}` : ''})`;
      const claimIds = await port.batchedClaimIds(batch.id);
      for (const id of claimIds) await advance(port, id, 'batched', accepted ? 'submitted' : 'rejected', 'acknowledge', actor, what);
      out.batches.push({ batchId: batch.id, accepted, claims: claimIds.length });
    }
    for (const ack of file.claimAcks) {
      for (const c of ack.claims) {
        const claim = await port.claimByControlNumber(c.controlNumber);
        if (!claim) {
          out.unmatched.push(c.controlNumber);
          continue;
        }
        const fromOtherPayer =
          c.payerIdentifiers !== undefined &&
          (payers.get(claim.payerId)?.remittanceIds ?? []).length > 0 &&
          payerRelation(claim.payerId, { payerIdentifiers: c.payerIdentifiers }, payers) === 'other-payer';
        if (c.payerClaimNumber && !fromOtherPayer) await port.setPayerClaimNumber(claim.id, c.payerClaimNumber);
        const target: ClaimStatus | undefined = c.outcome === 'accepted' ? 'accepted' : c.outcome === 'rejected' ? 'rejected' : undefined;
        const codes = c.statuses.map((s) => `${s.category}:${s.status}`).join(', ');
        const what =
          `277CA: ${c.outcome}${codes ? ` (${codes})` : ''}` +
          (c.payerClaimNumber && fromOtherPayer
            ? `; REF*1K ${c.payerClaimNumber} not kept: ${c.payerName ?? 'its payer'} is not the claim's payer`
            : '');
        const status = await advance(port, claim.id, claim.status, target, 'acknowledge', actor, what);
        out.claims.push({ claimId: claim.id, controlNumber: c.controlNumber, outcome: c.outcome, status });
      }
    }
    return out;
  });
}
