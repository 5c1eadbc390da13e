/**
 * Batching (docs/billing.md "Batches"): one 837P per payer from its batchable claims (ready, and no error finding
 * unless overridden), each payer in its own unit of work: control numbers drawn, file staged in the outbox, batch
 * row, claims batched. The staged file is moved into place only after the unit of work commits, and removed when
 * it fails, so the outbox never shows a file whose batch does not exist. Ready claims the writer refuses are moved
 * to held with the reason.
 */
import { EngineError } from '../../core/errors';
import { isBatchable } from '../claims/lifecycle';
import { sumAmounts } from '../claims/money';
import type { Claim, ScrubFinding } from '../model';
import { remoteFileName } from '../../clearinghouse/config';
import type { ClaimsPort, ClaimsUnitOfWork, NewBatch, Outbox, StagedFile, StoredClaim } from '../ports';
import { moveClaim } from './steps';
import type { BatchRun, BatchSummary, ClaimsContext, X12Writer } from './types';

/** `payerId` limits the run to one payer. */
export async function createBatches(
  store: ClaimsPort,
  ctx: ClaimsContext,
  writer: X12Writer,
  outbox: Outbox,
  payerId?: string,
): Promise<BatchRun> {
  const payers = await store.read((reads) => reads.readyPayers(payerId));
  const run: BatchRun = { batches: [], held: [] };
  for (const payer of payers) {
    const { batch, held } = await batchPayer(store, payer, ctx, writer, outbox);
    if (batch) run.batches.push(batch);
    run.held.push(...held);
  }
  return run;
}

/** The 837P file name of a batch. */
export function batchFileName(payerId: string, interchange: number): string {
  return `837P-${payerId.replace(/[^A-Za-z0-9-]/g, '_')}-${String(interchange).padStart(9, '0')}.x12`;
}

export async function batchPayer(
  store: ClaimsPort,
  payerId: string,
  ctx: ClaimsContext,
  writer: X12Writer,
  outbox: Outbox,
): Promise<{ batch?: BatchSummary; held: BatchRun['held'] }> {
  let staged: StagedFile | undefined;
  let result: { batch?: BatchSummary; held: BatchRun['held'] };
  try {
    result = await store.transaction(async (uow) => {
      const held: BatchRun['held'] = [];
      const claims: Claim[] = [];
      for (const c of await uow.readyClaims(payerId)) {
        if (!isBatchable({ status: 'ready', findings: c.findings, overridden: c.overridden })) continue;
        try {
          writer.check(c.claim);
          claims.push(c.claim);
        } catch (err) {
          const reason = err instanceof EngineError ? err.message : 'the 837P writer refused the claim';
          await holdForWriter(uow, c, reason, ctx.actor);
          held.push({ claimId: c.id, reason });
        }
      }
      if (claims.length === 0) return { held };

      const senderId = ctx.config.interchange.senderId;
      const control = await uow.nextControlNumbers(senderId);
      const text = writer.write(claims, control, ctx.now);
      const fileName = batchFileName(payerId, control.interchange);
      staged = await outbox.stage(fileName, text);
      const totalCharge = sumAmounts(claims.map((c) => c.totalCharge));
      const upload = uploadOf(ctx, payerId, control.interchange);
      const batchId = await uow.insertBatch({
        ...(upload ? { upload } : {}),
        payerId,
        senderId,
        control,
        usage: ctx.config.interchange.usage,
        claimCount: claims.length,
        totalCharge,
        fileName,
        x12: text,
        actor: ctx.actor,
      });
      for (const claim of claims) {
        await uow.updateClaim(claim.id, { batchId });
        await moveClaim(
          uow,
          claim.id,
          'ready',
          'batched',
          'batch',
          ctx.actor,
          `batch ${batchId}, file ${fileName} (ISA13 ${control.interchange}, GS06 ${control.group}, ST02 ${control.transactionSet})`,
          { submittedAt: ctx.now },
        );
      }
      const batch: BatchSummary = {
        id: batchId,
        payerId,
        fileName,
        interchangeControl: control.interchange,
        groupControl: control.group,
        transactionSetControl: control.transactionSet,
        claimIds: claims.map((c) => c.id),
        totalCharge,
        written: false,
      };
      return { batch, held };
    });
  } catch (err) {
    await staged?.abort().catch(() => undefined);
    throw err;
  }
  if (result.batch && staged)
    result.batch.written = await staged.commit().then(
      () => true,
      () => false,
    );
  return result;
}

/** The upload of a payer's batch to its clearinghouse (billing.yaml), named as that clearinghouse asks; none without one. */
function uploadOf(ctx: ClaimsContext, payerId: string, isa13: number): NewBatch['upload'] {
  const name = ctx.config.payers.get(payerId)?.clearinghouse;
  const ch = name === undefined ? undefined : ctx.config.clearinghouses.get(name);
  if (!ch) return undefined;
  const submitterId = ctx.config.interchange.senderId;
  const at = ctx.now;
  return {
    clearinghouse: ch.name,
    remoteName: (batchId) => remoteFileName(ch.fileNamePattern, { submitterId, batchId, payerId, isa13, at }),
  };
}

/** A ready claim the 837P writer refused: held with the writer's reason as an error finding. */
async function holdForWriter(uow: ClaimsUnitOfWork, c: StoredClaim, reason: string, actor: string): Promise<void> {
  const findings: ScrubFinding[] = [...c.findings, { ruleId: 'x12-writer', severity: 'error', scope: 'claim', message: reason }];
  await uow.updateClaim(c.id, { findings, override: null });
  await moveClaim(uow, c.id, 'ready', 'held', 'batch', actor, `the 837P writer refused it: ${reason}`);
}
