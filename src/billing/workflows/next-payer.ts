/**
 * Claims to the next payer (coordination of benefits, docs/billing.md "Secondary and tertiary claims"), inside the
 * unit of work that posts the 835 (src/billing/remittance/posting.ts hands each claim its own payer adjudicated).
 *
 * For each claim its own payer adjudicated (CLP02 1–4), a claim to the next payer is built when:
 * - something is left after that payer: CLP05 (patient responsibility) is not zero, or a PR adjustment is;
 * - the patient has a next coverage in the coordination order (src/billing/cob/order.ts, with the configured payers)
 *   on the claim's date of service, after the coverage of the payer billed, with SBR01 S or T, and its payer is
 *   configured;
 * - no claim follows this claim yet: posting the same adjudication again, or a second 835 for the claim, builds
 *   nothing (the store also holds one follower per claim);
 * - the 835 answer accounts for every line (src/billing/cob/next-payer.ts); otherwise the reason is noted on the
 *   claim's history for billing staff, and nothing is built.
 * When the claim adjudicated corrects an earlier claim (a replacement, after a reversed charge or an operator's
 * correction), the next payer's claim built from the earlier claim's answer is out of date: unsent, it is voided in
 * place and a new one is built; sent, the new one replaces it (frequency 7, the next payer's claim number in REF*F8;
 * until that number arrives the scrubber holds it). One level: the follower of the claim corrected.
 * The new claim bills the same charges (its lines are at the next payer step, so the charge stays billed once per
 * payer), carries the earlier payers' adjudications (2320/2330/2430), the next coverage's subscriber, and is scrubbed
 * like any new claim (ready or held); the normal batch flow sends it. A forwarded claim (CLP02 19–21) never comes
 * here: the crossover payer's own 835 answers it.
 */
import { insuredParties } from '../claims/build';
import { claimControlNumber } from '../claims/control-number';
import { compareAmounts } from '../claims/money';
import { SENT_STATUSES, UNSENT_STATUSES, statusAfterScrub, transition } from '../claims/lifecycle';
import { coordinationOrder } from '../cob/order';
import { nextPayerClaim } from '../cob/next-payer';
import type { CoverageInput, PatientInput } from '../claims/inputs';
import { payerOf, type PayerConfig } from '../config';
import type { Claim, ClaimPayment } from '../model';
import type { ClaimsUnitOfWork, StoredClaim } from '../ports';
import type { NextPayerOutcome, OwnAdjudication } from '../remittance/posting';
import { noteClaim, releaseClaim, scrubReason } from './steps';
import type { ClaimsContext } from './types';

const STEP_NAMES = { S: 'secondary', T: 'tertiary' } as const;

/** Builds the claims to the next payers of `adjudications` (see the module comment); one outcome each when there is news. */
export async function nextPayerClaims(
  uow: ClaimsUnitOfWork,
  adjudications: readonly OwnAdjudication[],
  ctx: ClaimsContext,
): Promise<NextPayerOutcome[]> {
  const out: NextPayerOutcome[] = [];
  for (const a of adjudications) {
    const outcome = await nextPayerClaimFor(uow, a, ctx);
    if (outcome) out.push(outcome);
  }
  return out;
}

async function nextPayerClaimFor(uow: ClaimsUnitOfWork, a: OwnAdjudication, ctx: ClaimsContext): Promise<NextPayerOutcome | undefined> {
  const sent = await uow.claim(a.claimId);
  if (sent.frequency === '8' || !leavesBalance(a.payment)) return undefined;
  const next = await nextCoverage(uow, sent, ctx);
  if (!next) return undefined;
  const where = `835 trace ${a.traceNumber} from ${a.payerName}`;
  const note = async (reason: string): Promise<NextPayerOutcome> => {
    await noteClaim(uow, sent.id, sent.status, 'note', ctx.actor, reason);
    return { claimId: sent.id, note: reason };
  };
  if ('problem' in next) return note(`no ${next.step} claim built after ${where}: ${next.problem}`);
  const stepName = STEP_NAMES[next.responsibility];
  const existing = await uow.followerOf(sent.id);
  if (existing !== undefined) {
    return note(
      `${where} adjudicated the claim again: the ${stepName} claim ${existing} was already built from an earlier answer ` +
        'and is not built twice (correct or void it by hand if the new answer changes it)',
    );
  }
  const outdated = sent.correctsClaimId ? await outdatedFollower(uow, sent, stepName, where, ctx) : undefined;
  const [id] = await uow.nextClaimIds(1);
  const parties = insuredParties(sent.patientRef, next.patient, next.coverage, next.payer, next.responsibility);
  const built = nextPayerClaim(sent.claim, a.payment, a.paymentDate ?? ctx.now.toISOString().slice(0, 10), {
    id: id!,
    controlNumber: claimControlNumber(id!),
    payer: { id: next.payer.id, name: next.payer.name },
    subscriber: parties.subscriber,
  });
  if ('problem' in built) {
    return note(
      `no ${stepName} claim to ${next.payer.id} built after ${where}: ${built.problem}; ` +
        `bill payer ${next.payer.id} by hand once the answer is understood`,
    );
  }
  const claim: Claim = {
    ...built.claim,
    patient: { ...built.claim.patient, relationship: parties.patient.relationship },
    ...(outdated ? { frequency: '7' as const } : {}),
    ...(outdated?.payerClaimNumber ? { payerClaimNumber: outdated.payerClaimNumber } : {}),
  };
  // The replaced claim's lines are superseded first, so they do not count as earlier billing of the same services.
  if (outdated) await uow.setLineState(outdated.id, 'active', 'superseded');
  const history = await uow.claimHistory([sent.patientRef]);
  const scrubber = await ctx.scrub(uow.codeSets, [claim]);
  const findings = scrubber(claim, history);
  const status = statusAfterScrub(findings);
  await uow.insertClaim({
    status,
    correctsClaimId: outdated?.id ?? null,
    coverageId: next.coverage.id,
    claim,
    findings,
    followsClaimId: sent.id,
  });
  const what = outdated ? `${stepName} replacement (frequency 7) of claim ${outdated.id}` : `${stepName} claim`;
  await uow.addEvent(claim.id, {
    action: 'build',
    from: null,
    to: 'draft',
    actor: ctx.actor,
    reason: `${what} (SBR01 ${next.responsibility}) to ${next.payer.id} after claim ${sent.id}: ${where}`,
  });
  await uow.addEvent(claim.id, transition('draft', status, 'scrub', ctx.actor, scrubReason(findings)));
  if (outdated) {
    await noteClaim(uow, outdated.id, outdated.status, 'replace', ctx.actor, `corrected by claim ${claim.id} (frequency 7): ${where}`);
  }
  await noteClaim(uow, sent.id, sent.status, 'note', ctx.actor, `${what} ${claim.id} to ${next.payer.id} built after ${where}`);
  return { claimId: sent.id, nextClaimId: claim.id, responsibility: next.responsibility };
}

/**
 * The next payer's claim built from the answer to the claim `sent` corrects: sent to that payer, it is returned (the
 * new claim replaces it); unsent, it is voided in place (its lines released) and undefined returned, as when there
 * is none or it was voided.
 */
async function outdatedFollower(
  uow: ClaimsUnitOfWork,
  sent: StoredClaim,
  stepName: string,
  where: string,
  ctx: ClaimsContext,
): Promise<StoredClaim | undefined> {
  const followerId = await uow.followerOf(sent.correctsClaimId!);
  if (followerId === undefined) return undefined;
  const follower = await uow.claim(followerId);
  if (SENT_STATUSES.has(follower.status)) return follower;
  if (UNSENT_STATUSES.has(follower.status)) {
    const reason = `claim ${sent.correctsClaimId} was corrected by claim ${sent.id}: this ${stepName} claim is built again from ${where}`;
    await releaseClaim(uow, followerId, ctx.actor, reason);
  }
  return undefined;
}

/** Something is left for a next payer: the patient owes something after this payer (CLP05, or a PR adjustment). */
function leavesBalance(p: ClaimPayment): boolean {
  const pr = [...p.adjustments, ...p.services.flatMap((s) => s.adjustments)].filter((x) => x.group === 'PR');
  return compareAmounts(p.patientResponsibility, '0') !== 0 || pr.some((x) => compareAmounts(x.amount, '0') !== 0);
}

type NextCoverage =
  | { coverage: CoverageInput; responsibility: 'S' | 'T'; payer: Readonly<PayerConfig>; patient: PatientInput | undefined }
  | { problem: string; step: string };

/**
 * The coverage after the billed one in the coordination order on the claim's date of service; undefined when there
 * is none (or a fourth payer would be next); a problem when it cannot be billed.
 */
async function nextCoverage(uow: ClaimsUnitOfWork, sent: StoredClaim, ctx: ClaimsContext): Promise<NextCoverage | undefined> {
  const { patients, coverages } = await uow.parties([sent.patientRef]);
  const order = coordinationOrder(coverages, sent.serviceDate, (id) => payerOf(ctx.config, id));
  const billed = order.findIndex(
    (o) => (sent.coverageId !== null && o.coverage.id === sent.coverageId) || o.coverage.payerId === sent.payerId,
  );
  if (billed < 0) return undefined;
  const next = order[billed + 1];
  if (!next || (next.responsibility !== 'S' && next.responsibility !== 'T')) return undefined;
  const step = STEP_NAMES[next.responsibility];
  if (!next.coverage.payerId) return { problem: 'the next coverage in force on the date of service has no payer id', step };
  const payer = payerOf(ctx.config, next.coverage.payerId);
  if (!payer) return { problem: `the next payer ${next.coverage.payerId} is not in the billing configuration`, step };
  return { coverage: next.coverage, responsibility: next.responsibility, payer, patient: patients[0] };
}
