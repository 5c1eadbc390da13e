/**
 * Moving a claim along the lifecycle as an acknowledgment or remittance implies (src/billing/claims/lifecycle.ts
 * impliedPath): each step recorded, or a note saying why the claim stays. Pure decisions over a port.
 */
import { impliedPath, type ClaimStatus } from '../claims/lifecycle';

export type StepAction = 'remit' | 'acknowledge';

/** What the store does for one claim step (part of the posting and acknowledgment ports). */
export interface ClaimSteps {
  /** One lifecycle step (the store refuses what the lifecycle does not allow), recorded as a claim event. */
  moveClaim(
    claimId: string,
    from: ClaimStatus,
    to: ClaimStatus,
    action: StepAction,
    actor: string,
    reason: string,
    adjudicated: boolean,
  ): Promise<void>;
  /** A claim event without a status change. */
  noteClaim(claimId: string, status: ClaimStatus, action: StepAction, actor: string, reason: string): Promise<void>;
}

/**
 * Steps a claim to `target` through impliedPath (each step before the target says what implied it), or notes why
 * it stays (no target, already there, not reachable); returns its status after. An 835 marks the target step
 * adjudicated.
 */
export async function advance(
  steps: ClaimSteps,
  claimId: string,
  from: ClaimStatus,
  target: ClaimStatus | undefined,
  action: StepAction,
  actor: string,
  what: string,
): Promise<ClaimStatus> {
  const path = target === undefined ? undefined : impliedPath(from, target);
  if (!target || !path || path.length === 0) {
    const why = !target
      ? 'status unchanged'
      : path?.length === 0
        ? `already ${target}`
        : `a ${from} claim cannot become ${target}; status unchanged`;
    await steps.noteClaim(claimId, from, action, actor, `${what} (${why})`);
    return from;
  }
  let at = from;
  for (const step of path) {
    await steps.moveClaim(
      claimId,
      at,
      step,
      action,
      actor,
      step === target ? what : `implied by ${what}`,
      action === 'remit' && step === target,
    );
    at = step;
  }
  return at;
}
