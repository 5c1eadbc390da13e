/**
 * What an operator does to one claim (docs/billing.md "Reviewing a held claim"), each in one unit of work:
 * override, void, correct, close, edit, replace (a sent claim with late charges).
 */
import { EngineError } from '../../core/errors';
import { buildClaims } from '../claims/build';
import { voidOf } from '../claims/corrections';
import { replacementWithLateCharges } from '../claims/late-charges';
import { codesToPrice } from '../claims/pricing';
import { applyEdits, describeEdit, mergeEdits, normalizeEdits, type ClaimEditRequest } from '../claims/edits';
import { SENT_STATUSES, UNSENT_STATUSES, checkOverride } from '../claims/lifecycle';
import type { ClaimsPort } from '../ports';
import { insertDrafts, liveClaim, moveClaim, rebuildClaim, rescrub, restoreOriginal, summary } from './steps';
import type { ClaimSummary, ClaimsContext } from './types';

/** A held claim goes to ready with the operator's reason (audited); its findings stay on it. */
export async function override(store: ClaimsPort, id: string, reason: string, actor: string): Promise<ClaimSummary> {
  return store.transaction(async (uow) => {
    const c = await uow.claim(id);
    checkOverride(c.status, reason);
    const findings = c.findings.filter((f) => f.severity === 'error').map((f) => f.ruleId);
    await uow.updateClaim(id, { override: { reason: reason.trim(), by: actor } });
    await moveClaim(
      uow,
      id,
      'held',
      'ready',
      'override',
      actor,
      `overridden: ${reason.trim()} (error findings: ${[...new Set(findings)].join(', ') || 'none'})`,
    );
    return summary(uow, id);
  });
}

/**
 * Voids a claim. Not sent yet: voided in place, its charges dropped (never claimed again); a correction voided
 * gives its original claim back its lines. Sent: a void claim (frequency 8) is built and scrubbed, and returned.
 */
export async function voidClaim(
  store: ClaimsPort,
  id: string,
  reason: string,
  ctx: ClaimsContext,
): Promise<{ voided: ClaimSummary; voidClaim?: ClaimSummary }> {
  if (reason.trim().length < 3) throw new EngineError('BAD_REQUEST', 'a void needs a reason');
  return store.transaction(async (uow) => {
    const c = await uow.claim(id);
    if (UNSENT_STATUSES.has(c.status)) {
      await moveClaim(uow, id, c.status, 'voided', 'void', ctx.actor, reason.trim());
      await uow.setLineState(id, 'active', 'dropped');
      if (c.correctsClaimId) await restoreOriginal(uow, c.correctsClaimId, id, ctx.actor);
      return { voided: await summary(uow, id) };
    }
    if (!SENT_STATUSES.has(c.status)) throw new EngineError('CONFLICT', `a ${c.status} claim cannot be voided`);
    const pending = await uow.unsentCorrectionOf(id);
    if (pending)
      throw new EngineError('CONFLICT', `claim ${id} already has an unsent correction (claim ${pending}); void or send that first`);
    const live = await liveClaim(uow, c, 'active');
    const [created] = await insertDrafts(uow, [voidOf(live)], ctx, `void requested: ${reason.trim()}`);
    return { voided: await summary(uow, id), voidClaim: created };
  });
}

/**
 * Corrects a held, ready or rejected claim: rebuilt from its charges with today's patient, coverage and
 * configuration and the operator's edits (a correction takes its original's payer claim number if it arrived),
 * then scrubbed again.
 */
export async function correct(store: ClaimsPort, id: string, ctx: ClaimsContext): Promise<ClaimSummary> {
  return store.transaction(async (uow) => {
    const c = await uow.claim(id);
    if (!['held', 'ready', 'rejected', 'draft'].includes(c.status)) {
      throw new EngineError(
        'CONFLICT',
        `a ${c.status} claim cannot be corrected${SENT_STATUSES.has(c.status) ? ' (void it, or let a reversal replace it)' : ''}`,
      );
    }
    const rebuilt = await rebuildClaim(uow, c, ctx.config, ctx.payerRules);
    await rescrub(uow, c, rebuilt, ctx, 'correct', 'corrected and scrubbed again');
    return summary(uow, id);
  });
}

/** Closes an adjudicated claim (paid, partial or denied): nothing more is expected. */
export async function close(store: ClaimsPort, id: string, reason: string, actor: string): Promise<ClaimSummary> {
  return store.transaction(async (uow) => {
    const c = await uow.claim(id);
    await moveClaim(uow, id, c.status, 'closed', 'close', actor, reason.trim() || 'closed');
    return summary(uow, id);
  });
}

/** A claim an operator may edit: not sent yet, or rejected by the clearinghouse or payer before adjudication. */
export const EDITABLE_STATUSES: readonly string[] = ['held', 'ready', 'rejected'];

/**
 * Edits a held, ready or rejected claim's diagnoses, place of service, or a line's modifiers and units: the edit
 * is kept with the claim (a later correct or rebuild applies it again), the claim is rebuilt and scrubbed again
 * (→ held | ready), and the history records each change before → after. BAD_REQUEST when the edit is malformed or
 * changes nothing; CONFLICT for a claim already sent (void or replace it instead).
 */
export async function editClaim(
  store: ClaimsPort,
  id: string,
  edit: ClaimEditRequest,
  ctx: ClaimsContext,
): Promise<ClaimSummary & { changes: string[] }> {
  return store.transaction(async (uow) => {
    const c = await uow.claim(id);
    if (!EDITABLE_STATUSES.includes(c.status)) {
      throw new EngineError(
        'CONFLICT',
        `a ${c.status} claim cannot be edited${SENT_STATUSES.has(c.status) ? ' (it was sent: void it or replace it)' : ''}`,
      );
    }
    const normalized = normalizeEdits(c.claim, edit);
    const changes = describeEdit(c.claim, applyEdits(c.claim, normalized));
    if (changes.length === 0) throw new EngineError('BAD_REQUEST', `the edit changes nothing on claim ${id}`);
    const edits = mergeEdits(c.edits, normalized);
    const rebuilt = await rebuildClaim(uow, { ...c, edits }, ctx.config, ctx.payerRules);
    await rescrub(uow, c, rebuilt, ctx, 'edit', `edited: ${changes.join('; ')}`, edits);
    return { ...(await summary(uow, id)), changes };
  });
}

/**
 * Replaces a sent claim with late charges: the unclaimed charges of its encounter (same patient, payer and date of
 * service) and its own lines go on a replacement claim (frequency 7) naming the payer's claim number, scrubbed
 * (held until that number is known). CONFLICT when there is no late charge, the claim is a void, a charge on it
 * was reversed (a build corrects that), or an unsent correction exists.
 */
export async function replaceClaim(
  store: ClaimsPort,
  id: string,
  ctx: ClaimsContext,
): Promise<{ replaced: ClaimSummary; replacement: ClaimSummary; addedCharges: string[] }> {
  return store.transaction(async (uow) => {
    const c = await uow.claim(id);
    if (!SENT_STATUSES.has(c.status)) {
      throw new EngineError(
        'CONFLICT',
        `a ${c.status} claim was not sent: ${UNSENT_STATUSES.has(c.status) ? 'build or correct it instead' : 'nothing to replace'}`,
      );
    }
    if (c.frequency === '8') throw new EngineError('CONFLICT', `claim ${id} is a void claim: it cannot be replaced`);
    const pending = await uow.unsentCorrectionOf(id);
    if (pending)
      throw new EngineError('CONFLICT', `claim ${id} already has an unsent correction (claim ${pending}); void or send that first`);
    const live = await liveClaim(uow, c, 'active');
    if (live.lines.some((l) => l.chargeStatus !== 'active')) {
      throw new EngineError(
        'CONFLICT',
        `a charge of claim ${id} was reversed: run a build (POST /api/claims/build), which replaces the claim`,
      );
    }
    const charges = (await uow.claimableCharges()).filter((ch) => ch.patientRef === c.patientRef && ch.serviceDate === c.serviceDate);
    const { patients, coverages } = await uow.parties([c.patientRef]);
    const feeSchedule = await uow.feeSchedule(codesToPrice(charges));
    const built = buildClaims({ charges, patients, coverages, config: ctx.config, feeSchedule });
    const late = built.drafts.filter((d) => d.claim.payer.id === c.payerId);
    if (late.length === 0) {
      throw new EngineError(
        'CONFLICT',
        `no unclaimed charge for claim ${id}'s encounter (same patient, payer and date of service ${c.serviceDate})`,
      );
    }
    const added = late.flatMap((d) => d.claim.lines.map((l) => l.chargeId));
    const draft = replacementWithLateCharges(live, late);
    const [replacement] = await insertDrafts(uow, [draft], ctx, `late charge${added.length === 1 ? '' : 's'} ${added.join(', ')} added`);
    await uow.recordPrices(built.priced.filter((p) => added.includes(p.chargeId)));
    return { replaced: await summary(uow, id), replacement: replacement!, addedCharges: added };
  });
}
