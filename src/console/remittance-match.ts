/**
 * How the console matches an unmatched remittance claim by hand (docs/billing.md "Remittances and
 * acknowledgments"): reading the claim an operator typed (its id, `#id`, or a claim link `#/claims/id`) and the
 * one-line result of POST /api/remittances/unmatched/:id/match. Pure, no DOM.
 */

import type { MatchResult } from '../admin/wire/claims';
import { isRowId } from '../core/row-id';

export type { MatchResult };

/** The claim id in what an operator typed: "123", "#123" or a claim link ending in /claims/123; undefined otherwise. */
export function claimIdFrom(input: string): string | undefined {
  const text = input.trim();
  const candidate = (/^#?(\d+)$/.exec(text) ?? /\/claims\/(\d+)\/?$/.exec(text))?.[1];
  return candidate !== undefined && isRowId(candidate) ? candidate : undefined;
}

const ROLE_WORDS: Readonly<Record<MatchResult['role'], string>> = {
  'claim-payer': "as the claim's payer",
  secondary: 'as the secondary (crossover) payer',
  tertiary: 'as the tertiary payer',
  'other-payer': "from another payer (the claim's status is unchanged)",
};

/** "Posted to claim #12 (RX0000000C) as the claim's payer: paid, 45.00 paid; the claim is now paid." */
export function matchResultText(r: MatchResult, money: (amount: string) => string): string {
  return `Posted to claim #${r.claimId} (${r.controlNumber}) ${ROLE_WORDS[r.role]}: ${r.outcome}, ${money(r.paid)} paid; the claim is now ${r.status}.`;
}
