/**
 * Applies a message's patient merges (ADT^A40, src/mappings/records.ts MergeRecord) in the message's own
 * transaction, after its patients and coverages and before its charges. What moves and what stays is decided by
 * src/billing/claims/patient-merge.ts; this module reads and writes the rows:
 *
 * - the prior patient's row is kept with merged_into = the survivor (patients already merged into the prior one
 *   follow to the survivor, so chains stay one step); from then on the triggers of migration 019 write every
 *   charge and coverage for the prior id under the survivor;
 * - its charges (every status) move to the survivor (patient_ref and patient row);
 * - its coverages move, except one the survivor already has: charges linked to it are linked to the survivor's;
 * - its unsent original claims are voided and their lines released (the next build claims the charges under the
 *   survivor); sent claims and unsent corrections stay as they are, with a note in their history.
 *
 * Claim changes take the claims lock (src/store/claims.ts), as every claim-changing operation does, so a merge
 * never interleaves with a build or a batch. A merge already applied moves nothing; a contradicting one throws
 * PATIENT_MERGE_CONFLICT (nothing of the message is written).
 */
import { sql, type Transaction } from 'kysely';
import { EngineError } from '../core/errors';
import { planMergedClaims, planMergedCoverages } from '../billing/claims/patient-merge';
import type { MergeRecord } from '../mappings/records';
import { lockClaims, moveClaim, noteClaim } from './claims';
import type { Database } from './types';

type Trx = Transaction<Database>;

/** Who the claim events of a merge name. */
export const MERGE_ACTOR = 'patient-merge';

/** What one merge did: counts and claim ids only (no patient data), for the message event and the API. */
export interface MergeOutcome {
  alreadyMerged: boolean;
  charges: number;
  coveragesMoved: number;
  coveragesDuplicate: number;
  /** Unsent claims voided and released to be built again under the survivor. */
  claimsReleased: string[];
  /** Sent claims left as sent (the payer has them under the prior id). */
  claimsSentKept: string[];
  /** Unsent corrections of sent claims, left with the claim they correct. */
  correctionsKept: string[];
}

export async function applyMerges(trx: Trx, messageId: string, merges: readonly MergeRecord[]): Promise<MergeOutcome[]> {
  const out: MergeOutcome[] = [];
  if (merges.length === 0) return out;
  await lockClaims(trx);
  for (const m of merges) out.push(await applyMerge(trx, messageId, m));
  return out;
}

/**
 * Locks the two patients' rows (in key order, as the pipeline's upserts lock them, so the two never wait on each
 * other in a cycle) and returns where each was merged into (null: not merged, or no row).
 */
async function lockPatients(trx: Trx, refs: readonly string[]): Promise<Map<string, string | null>> {
  const rows = await trx
    .selectFrom('patients')
    .select(['patient_ref', 'merged_into'])
    .where('patient_ref', 'in', [...refs])
    .orderBy('patient_ref')
    .forUpdate()
    .execute();
  return new Map(rows.map((r) => [r.patient_ref, r.merged_into ?? null]));
}

async function applyMerge(trx: Trx, messageId: string, m: MergeRecord): Promise<MergeOutcome> {
  const outcome: MergeOutcome = {
    alreadyMerged: false,
    charges: 0,
    coveragesMoved: 0,
    coveragesDuplicate: 0,
    claimsReleased: [],
    claimsSentKept: [],
    correctionsKept: [],
  };
  const prior = m.priorPatientRef;
  const merged = await lockPatients(trx, [m.patientRef, prior]);
  // The survivor as it stands: a survivor merged away earlier lives on as the patient it was merged into.
  const survivor = merged.get(m.patientRef) ?? m.patientRef;
  const priorInto = merged.get(prior) ?? null;
  if (survivor === prior) {
    if (m.patientRef === prior) throw new EngineError('PATIENT_MERGE_CONFLICT', 'the surviving patient and the prior patient are the same');
    throw new EngineError('PATIENT_MERGE_CONFLICT', 'the surviving patient was merged into the prior patient earlier');
  }
  if (priorInto !== null) {
    if (priorInto === survivor) return { ...outcome, alreadyMerged: true };
    throw new EngineError('PATIENT_MERGE_CONFLICT', 'the prior patient was merged into another patient earlier');
  }

  // Both rows exist from here on: the survivor's (so charges link to a row) and the prior's (to carry the pointer).
  await trx
    .insertInto('patients')
    .values([survivor, prior].map((ref) => ({ patient_ref: ref, as_of: m.asOf, source_key: m.sourceKey, message_id: messageId })))
    .onConflict((oc) => oc.column('patient_ref').doNothing())
    .execute();
  await trx
    .updateTable('patients')
    .set({ merged_into: survivor, merged_at: sql`now()`, merged_by_message_id: messageId, updated_at: sql`now()` })
    .where((eb) => eb.or([eb('patient_ref', '=', prior), eb('merged_into', '=', prior)]))
    .execute();
  const survivorId = (await trx.selectFrom('patients').select('id').where('patient_ref', '=', survivor).executeTakeFirstOrThrow()).id;

  // Coverages: move, or re-point the charges of a duplicate to the survivor's row.
  const coverages = await trx
    .selectFrom('coverages')
    .select(['id', 'patient_ref', 'plan_id', 'payer_id', 'member_id'])
    .where('patient_ref', 'in', [prior, survivor])
    .orderBy('id')
    .forUpdate()
    .execute();
  const of = (ref: string) =>
    coverages
      .filter((c) => c.patient_ref === ref)
      .map((c) => ({ id: String(c.id), planId: c.plan_id, payerId: c.payer_id, memberId: c.member_id }));
  const plan = planMergedCoverages(of(prior), of(survivor));
  if (plan.move.length > 0) {
    await trx
      .updateTable('coverages')
      .set({ patient_ref: survivor, updated_at: sql`now()` })
      .where('id', 'in', plan.move)
      .execute();
  }
  for (const [from, to] of plan.duplicateOf) {
    await trx.updateTable('charges').set({ coverage_id: to }).where('coverage_id', '=', from).execute();
  }
  outcome.coveragesMoved = plan.move.length;
  outcome.coveragesDuplicate = plan.duplicateOf.size;

  // Charges: every one of the prior patient's, whatever its status.
  const moved = await trx
    .updateTable('charges')
    .set({ patient_ref: survivor, patient_id: survivorId })
    .where('patient_ref', '=', prior)
    .returning('id')
    .execute();
  outcome.charges = moved.length;

  // Claims: unsent originals released, the rest kept and annotated.
  const claims = await trx
    .selectFrom('claims')
    .select(['id', 'status', 'frequency', 'follows_claim_id'])
    .where('patient_ref', '=', prior)
    .orderBy('id')
    .forUpdate()
    .execute();
  const steps = planMergedClaims(
    claims.map((c) => ({
      id: String(c.id),
      status: c.status,
      frequency: c.frequency,
      followsClaimId: c.follows_claim_id === null ? null : String(c.follows_claim_id),
    })),
  );
  for (const step of steps) {
    if (step.kind === 'release') {
      await moveClaim(trx, step.claimId, step.status, 'voided', 'void', MERGE_ACTOR, step.reason);
      await trx
        .updateTable('claim_lines')
        .set({ state: 'released' })
        .where('claim_id', '=', step.claimId)
        .where('state', '=', 'active')
        .execute();
      outcome.claimsReleased.push(step.claimId);
    } else {
      await noteClaim(trx, step.claimId, step.status, 'note', MERGE_ACTOR, step.reason);
      (step.sent ? outcome.claimsSentKept : outcome.correctionsKept).push(step.claimId);
    }
  }
  return outcome;
}

/** The message event's words for what the merges did: counts and claim ids, never patient data. */
export function describeMerges(outcomes: readonly MergeOutcome[]): string {
  return outcomes
    .map((o) => {
      if (o.alreadyMerged) return 'merge: already applied, nothing moved';
      const ids = (xs: readonly string[]) => (xs.length > 0 ? ` (claim${xs.length === 1 ? '' : 's'} ${xs.join(', ')})` : '');
      return (
        `merge: ${o.charges} charges, ${o.coveragesMoved} coverages moved` +
        (o.coveragesDuplicate > 0 ? `, ${o.coveragesDuplicate} coverages already the survivor's` : '') +
        `; ${o.claimsReleased.length} unsent claims released${ids(o.claimsReleased)}` +
        `, ${o.claimsSentKept.length} sent claims kept${ids(o.claimsSentKept)}` +
        (o.correctionsKept.length > 0 ? `, ${o.correctionsKept.length} unsent corrections kept${ids(o.correctionsKept)}` : '')
      );
    })
    .join('; ');
}
