/**
 * The steps the claim workflows share, each inside the caller's unit of work: moving a claim along the lifecycle
 * with its event, inserting scrubbed drafts, rebuilding and scrubbing a stored claim again, releasing and
 * restoring lines.
 */
import { EngineError } from '../../core/errors';
import { claimFromCharges, routeCharge, type ClaimDraft } from '../claims/build';
import { providerDirectory } from '../providers/directory';
import { NO_PAYER_RULES, type PayerRules } from '../scrub/payer-rules';
import { claimControlNumber } from '../claims/control-number';
import type { LiveClaim } from '../claims/corrections';
import { applyEdits } from '../claims/edits';
import { UNSENT_STATUSES, statusAfterScrub, transition, type ClaimAction, type ClaimStatus } from '../claims/lifecycle';
import type { BillingConfig } from '../config';
import type { Claim, ScrubFinding } from '../model';
import type { ClaimsUnitOfWork, ClaimEdits, LineState, StoredClaim } from '../ports';
import type { ClaimHistory } from '../scrub/types';
import type { ClaimSummary, ClaimsContext, Scrubber } from './types';

/** Moves a claim along the lifecycle (CONFLICT when not allowed) and records the event. */
export async function moveClaim(
  uow: ClaimsUnitOfWork,
  claimId: string,
  from: ClaimStatus,
  to: ClaimStatus,
  action: ClaimAction,
  actor: string,
  reason?: string,
  extra: { submittedAt?: Date } = {},
): Promise<void> {
  const event = transition(from, to, action, actor, reason);
  await uow.updateClaim(claimId, { status: to, ...extra });
  await uow.addEvent(claimId, event);
}

/** An event that records something without a status change (from = to). */
export async function noteClaim(
  uow: ClaimsUnitOfWork,
  claimId: string,
  status: ClaimStatus,
  action: ClaimAction,
  actor: string,
  reason: string,
): Promise<void> {
  await uow.addEvent(claimId, { action, from: status, to: status, actor, reason });
}

export function summaryOf(c: StoredClaim): ClaimSummary {
  return {
    id: c.id,
    controlNumber: c.controlNumber,
    status: c.status,
    frequency: c.frequency,
    payerId: c.payerId,
    lines: c.claim.lines.length,
    totalCharge: c.totalCharge,
    findings: c.findings.length,
  };
}

export async function summary(uow: ClaimsUnitOfWork, id: string): Promise<ClaimSummary> {
  return summaryOf(await uow.claim(id));
}

/** A stored claim with the current status of each charge on its lines in `state` (and its original, if a correction). */
export async function liveClaim(uow: ClaimsUnitOfWork, c: StoredClaim, state: LineState): Promise<LiveClaim> {
  const live: LiveClaim = {
    id: c.id,
    status: c.status,
    coverageId: c.coverageId,
    claim: c.claim,
    lines: await uow.lineCharges(c.id, state),
    ...(c.payerClaimNumber ? { payerClaimNumber: c.payerClaimNumber } : {}),
    ...(c.followsClaimId !== undefined ? { followsClaimId: c.followsClaimId } : {}),
  };
  if (c.correctsClaimId && UNSENT_STATUSES.has(live.status)) {
    live.original = await liveClaim(uow, await uow.claim(c.correctsClaimId), 'superseded');
  }
  return live;
}

export function scrubReason(findings: readonly ScrubFinding[]): string {
  const count = (s: string) => findings.filter((f) => f.severity === s).length;
  const errors = count('error');
  const rules = [...new Set(findings.filter((f) => f.severity === 'error').map((f) => f.ruleId))];
  return (
    `${errors} error${errors === 1 ? '' : 's'}, ${count('warning')} warning${count('warning') === 1 ? '' : 's'}` +
    (rules.length > 0 ? ` (${rules.join(', ')})` : '')
  );
}

function scrubAll(claim: Claim, buildFindings: readonly ScrubFinding[], history: ClaimHistory, scrubber: Scrubber): ScrubFinding[] {
  return [...buildFindings, ...scrubber(claim, history)];
}

/**
 * Inserts drafts with fresh ids and control numbers, scrubbed: built (→ draft) then scrubbed (→ held | ready). A
 * correction's snapshot already holds its original's edits (it is never rebuilt from charges), so it starts without.
 */
export async function insertDrafts(
  uow: ClaimsUnitOfWork,
  drafts: readonly ClaimDraft[],
  ctx: ClaimsContext,
  why?: string,
): Promise<ClaimSummary[]> {
  if (drafts.length === 0) return [];
  const ids = await uow.nextClaimIds(drafts.length);
  // A correction takes over its original's charges: the original's lines are superseded first, so they neither
  // count as earlier billing of the same services (duplicate check) nor block the new lines.
  for (const d of drafts) {
    if (d.correctsClaimId) await uow.setLineState(d.correctsClaimId, 'active', 'superseded');
  }
  const history = await uow.claimHistory([...new Set(drafts.map((d) => d.claim.patient.patientRef))]);
  const claims = drafts.map((d, i): Claim => {
    const id = ids[i]!;
    return { id, controlNumber: claimControlNumber(id), ...d.claim };
  });
  const scrubber = await ctx.scrub(uow.codeSets, claims);
  const out: ClaimSummary[] = [];
  for (const [i, draft] of drafts.entries()) {
    const claim = claims[i]!;
    const id = claim.id;
    const findings = scrubAll(claim, draft.findings, history, scrubber);
    const status = statusAfterScrub(findings);
    await uow.insertClaim({ status, correctsClaimId: draft.correctsClaimId ?? null, coverageId: draft.coverageId, claim, findings });
    const built = draft.correctsClaimId
      ? `${claim.frequency === '7' ? 'replacement' : 'void'} (frequency ${claim.frequency}) of claim ${draft.correctsClaimId}${why ? `: ${why}` : ''}`
      : `built from ${claim.lines.length} charge${claim.lines.length === 1 ? '' : 's'}`;
    await uow.addEvent(id, { action: 'build', from: null, to: 'draft', actor: ctx.actor, reason: built });
    await uow.addEvent(id, transition('draft', status, 'scrub', ctx.actor, scrubReason(findings)));
    if (draft.correctsClaimId) {
      const original = await uow.claim(draft.correctsClaimId);
      await noteClaim(
        uow,
        draft.correctsClaimId,
        original.status,
        'replace',
        ctx.actor,
        `corrected by claim ${id} (frequency ${claim.frequency})${why ? `: ${why}` : ''}`,
      );
    }
    out.push(await summary(uow, id));
  }
  return out;
}

/** Voids an unsent claim because one of its charges was reversed: its lines are released for the next claim. */
export async function releaseClaim(uow: ClaimsUnitOfWork, claimId: string, actor: string, reason: string): Promise<void> {
  const c = await uow.claim(claimId);
  await moveClaim(uow, claimId, c.status, 'voided', 'void', actor, reason);
  await uow.setLineState(claimId, 'active', 'released');
}

/** A correction was voided by an operator: the original bills its charges again, except reversed ones (dropped). */
export async function restoreOriginal(uow: ClaimsUnitOfWork, originalId: string, correctionId: string, actor: string): Promise<void> {
  await uow.restoreSuperseded(originalId);
  const original = await uow.claim(originalId);
  await noteClaim(
    uow,
    originalId,
    original.status,
    'note',
    actor,
    `correction ${correctionId} voided: the payer keeps this claim as it was sent`,
  );
}

export interface Rebuilt {
  claim: Claim;
  findings: ScrubFinding[];
  coverageId: string | null;
}

/**
 * A claim rebuilt from its own charges with today's data, the operator's edits applied again (see correct). A
 * replacement or void keeps its lines and takes its original's payer claim number if it arrived; a claim to the next
 * payer keeps its snapshot (the earlier payer's adjudication is not in the charges).
 */
export async function rebuildClaim(
  uow: ClaimsUnitOfWork,
  c: StoredClaim,
  config: BillingConfig,
  payerRules: PayerRules = NO_PAYER_RULES,
): Promise<Rebuilt> {
  const stored = c.claim;
  // A replacement or void, and a claim to the next payer (it carries an earlier payer's adjudication, not just charges).
  if (c.frequency !== '1' || c.followsClaimId !== undefined) {
    const original = c.correctsClaimId ? await uow.claim(c.correctsClaimId) : undefined;
    const number = original?.payerClaimNumber ?? c.payerClaimNumber ?? undefined;
    const claim = applyEdits({ ...stored, ...(number ? { payerClaimNumber: number } : {}) }, c.edits);
    return { claim, findings: [], coverageId: c.coverageId };
  }
  const lines = await uow.lineCharges(c.id, 'active');
  const chargeMap = await uow.chargesById(lines.map((l) => l.chargeId));
  const charges = lines.map((l) => chargeMap.get(l.chargeId)!);
  if (charges.length === 0 || charges.some((ch) => ch.status !== 'active')) {
    throw new EngineError(
      'CONFLICT',
      `a charge of claim ${c.id} was reversed: run a build (POST /api/claims/build), which replaces the claim`,
    );
  }
  const { patients, coverages } = await uow.parties([c.patientRef]);
  const routed = routeCharge(charges[0]!, coverages, config);
  if ('reason' in routed) {
    const finding: ScrubFinding = { ruleId: 'claim-route', severity: 'error', scope: 'claim', message: routed.message };
    return { claim: applyEdits(stored, c.edits), findings: [finding], coverageId: c.coverageId };
  }
  const providers = providerDirectory(config.providers, await uow.providers(charges));
  const built = claimFromCharges(charges, patients[0], routed, config, payerRules, providers);
  const claim = applyEdits({ id: c.id, controlNumber: c.controlNumber, ...built.claim }, c.edits);
  return { claim, findings: built.findings, coverageId: routed.coverage.id };
}

/** Scrubs a stored claim again: status → draft → held | ready, with the new snapshot; any override is cleared. */
export async function rescrub(
  uow: ClaimsUnitOfWork,
  c: StoredClaim,
  rebuilt: Rebuilt,
  ctx: ClaimsContext,
  action: ClaimAction,
  reason: string,
  edits?: ClaimEdits,
): Promise<void> {
  const history = await uow.claimHistory([rebuilt.claim.patient.patientRef]);
  const findings = scrubAll(rebuilt.claim, rebuilt.findings, history, await ctx.scrub(uow.codeSets, [rebuilt.claim]));
  const to = statusAfterScrub(findings);
  await uow.updateClaim(c.id, {
    claim: rebuilt.claim,
    coverageId: rebuilt.coverageId,
    findings,
    override: null,
    ...(edits ? { edits } : {}),
  });
  if (c.status !== 'draft') await moveClaim(uow, c.id, c.status, 'draft', action, ctx.actor, reason);
  await moveClaim(uow, c.id, 'draft', to, 'scrub', ctx.actor, scrubReason(findings));
}
