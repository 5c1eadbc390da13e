/**
 * Building claims from unclaimed charges (docs/billing.md "Building claims"), in one unit of work: corrections
 * for reversed charges first (release, replace, void, drop), then new claims, each scrubbed to held or ready; then
 * the held corrections whose payer claim number has since arrived are scrubbed again.
 */
import { buildClaims, type ClaimDraft, type UnclaimedCharge } from '../claims/build';
import { planCorrections } from '../claims/corrections';
import { holdLateCharges } from '../claims/late-charges';
import { codesToPrice, type Price } from '../claims/pricing';
import type { BillingConfig } from '../config';
import { billedServiceOf, isIntendedRepeat } from '../scrub/billed-service';
import type { PayerRules } from '../scrub/payer-rules';
import { encounterKey, type ClaimsReads, type ClaimsPort, type ClaimsUnitOfWork } from '../ports';
import { insertDrafts, liveClaim, noteClaim, rebuildClaim, releaseClaim, rescrub, summary } from './steps';
import type { BuildSummary, ClaimSummary, ClaimsContext } from './types';

export async function build(store: ClaimsPort, ctx: ClaimsContext): Promise<BuildSummary> {
  return store.transaction(async (uow) => {
    const released: string[] = [];
    const drafts: ClaimDraft[] = [];
    const affected = [];
    for (const c of await uow.claimsWithReversedCharges()) affected.push(await liveClaim(uow, c, 'active'));
    for (const plan of planCorrections(affected)) {
      if (plan.kind === 'release') {
        await releaseClaim(uow, plan.claimId, ctx.actor, plan.reason);
        released.push(plan.claimId);
      } else if (plan.kind === 'drop' || plan.kind === 'await') {
        await uow.setLineState(plan.claimId, 'active', 'dropped', plan.chargeIds);
        const c = await uow.claim(plan.claimId);
        await noteClaim(uow, plan.claimId, c.status, 'note', ctx.actor, plan.reason);
      } else {
        if (plan.replacesCorrectionId) await releaseClaim(uow, plan.replacesCorrectionId, ctx.actor, plan.reason);
        drafts.push(plan.draft);
      }
    }

    const charges = await uow.claimableCharges();
    const { patients, coverages } = await uow.parties([...new Set(charges.map((c) => c.patientRef))]);
    const providers = await uow.providers(charges);
    const feeSchedule = await uow.feeSchedule(codesToPrice(charges));
    const built = await withLateChargesHeld(
      uow,
      buildClaims({ charges, patients, coverages, config: ctx.config, payerRules: ctx.payerRules, providers, feeSchedule }),
    );
    drafts.push(...built.drafts);

    const created = await insertDrafts(uow, drafts, ctx);
    await uow.recordPrices(billedPrices(built));
    const rescrubbed = await rescrubWaitingCorrections(uow, ctx);
    return { created, held: built.held, excluded: built.excluded, released, rescrubbed };
  });
}

/**
 * An unclaimed charge as billing staff see it: why, and which service it is (patient, date of service, code, the
 * amount when the feed sent one) with the message it came from.
 */
export interface UnclaimedChargeView extends UnclaimedCharge {
  patientRef?: string;
  serviceDate?: string;
  code?: string;
  /** Null for a charge the feed sent without a price (the fee schedule prices it at build). */
  chargeAmount?: string | null;
}

/** What a build would leave unclaimed now, and how many charges it would claim (nothing is written). */
export async function unclaimed(
  store: ClaimsPort,
  config: BillingConfig,
  payerRules?: PayerRules,
): Promise<{ claimable: number; held: UnclaimedChargeView[]; excluded: UnclaimedChargeView[] }> {
  return store.read(async (reads) => {
    const charges = await reads.claimableCharges();
    const { patients, coverages } = await reads.parties([...new Set(charges.map((c) => c.patientRef))]);
    const providers = await reads.providers(charges);
    const feeSchedule = await reads.feeSchedule(codesToPrice(charges));
    const built = await withLateChargesHeld(
      reads,
      buildClaims({ charges, patients, coverages, config, payerRules, providers, feeSchedule }),
    );
    const byId = new Map(charges.map((c) => [c.id, c]));
    const view = (u: UnclaimedCharge): UnclaimedChargeView => {
      const c = byId.get(u.chargeId);
      if (!c) return u;
      const messageId = u.messageId ?? c.messageId;
      return {
        ...u,
        patientRef: c.patientRef,
        serviceDate: c.serviceDate,
        code: c.code,
        chargeAmount: c.unpriced ? null : c.chargeAmount,
        ...(messageId ? { messageId } : {}),
      };
    };
    return {
      claimable: built.drafts.reduce((n, d) => n + d.claim.lines.length, 0),
      held: built.held.map(view),
      excluded: built.excluded.map(view),
    };
  });
}

/**
 * A new claim for an encounter (patient, payer, date of service) a sent claim already bills is not built: its
 * charges are held, naming the claim to replace (src/billing/claims/late-charges.ts). Except a resend: a claim with
 * a line for a service the payer already has (same patient, payer, date, code, modifiers, rendering NPI, no repeat
 * modifier) is built, so the duplicate-service rule holds it and an operator decides (override, or void it).
 */
async function withLateChargesHeld<B extends ReturnType<typeof buildClaims>>(reads: ClaimsReads, built: B): Promise<B> {
  const patients = [...new Set(built.drafts.map((d) => d.claim.patient.patientRef))];
  const sent = await reads.sentEncounters(patients);
  const history = await reads.claimHistory(patients);
  const resends = (d: ClaimDraft) => d.claim.lines.some((l) => !isIntendedRepeat(l) && history.priorLines(billedServiceOf(d.claim, l)) > 0);
  const billedOn = built.drafts.map((d) => {
    const claimId = sent.get(encounterKey(d.claim.patient.patientRef, d.claim.payer.id, d.claim.lines[0]!.serviceDate));
    return claimId !== undefined && !resends(d) ? claimId : undefined;
  });
  const split = holdLateCharges(built.drafts, billedOn);
  return { ...built, drafts: split.drafts, held: [...built.held, ...split.held] };
}

/** The fee-schedule prices of the charges the drafts still bill (a late charge held since is priced again later). */
export function billedPrices(built: { drafts: readonly ClaimDraft[]; priced: readonly Price[] }): Price[] {
  const billed = new Set(built.drafts.flatMap((d) => d.claim.lines.map((l) => l.chargeId)));
  return built.priced.filter((p) => billed.has(p.chargeId));
}

/** Held corrections whose original's payer claim number has arrived since: scrubbed again with it. */
async function rescrubWaitingCorrections(uow: ClaimsUnitOfWork, ctx: ClaimsContext): Promise<ClaimSummary[]> {
  const out: ClaimSummary[] = [];
  for (const c of await uow.correctionsAwaitingNumber()) {
    const rebuilt = await rebuildClaim(uow, c, ctx.config, ctx.payerRules);
    await rescrub(uow, c, rebuilt, ctx, 'correct', 'the payer claim number of the corrected claim arrived');
    out.push(await summary(uow, c.id));
  }
  return out;
}
