/**
 * Which payer an 835 comes from, and what role its CLP plays for one of our claims (DOMAIN.md §2.3 "Posting
 * truths"; docs/billing.md "Remittances and acknowledgments"). Pure.
 *
 * An 835 names its payer by N1*PR N104, REF*2U and TRN03 (Remittance.payerIdentifiers). A configured payer
 * (billing.yaml `payers.<id>`) is that 835's payer when one of those ids is in its `remittanceIds`; a payer
 * without `remittanceIds` is recognised by its own payer id among them. For one claim the 835 is then:
 *   claim-payer   the claim's payer sent it;
 *   other-payer   it is recognisably someone else: the claim's payer has `remittanceIds` and none matched, or the
 *                 ids resolve to another configured payer;
 *   unidentified  neither can be told (the claim's payer has no `remittanceIds` and the ids name no configured payer).
 *
 * The CLP's role, from that relation and CLP02:
 *   claim-payer                          → claim-payer: its adjudication moves the claim and gives its CLP07;
 *   not the claim's payer, CLP02 2 or 3  → secondary / tertiary: recorded with its own payment row, never moving
 *                                          the claim's status nor replacing its payer claim number;
 *   not the claim's payer, CLP02 22      → secondary: a crossover payer taking its payment back;
 *   unidentified, any other CLP02        → claim-payer (an unknown id answering our CLM01 as primary: configure
 *                                          `remittanceIds` to tell a crossover payer apart); also CLP02 2 or 3
 *                                          on a claim billed as secondary or tertiary (SBR01 S or T) to match;
 *   other-payer, any other CLP02         → other-payer: recorded, the claim unchanged (and the reason noted).
 */
import type { Remittance } from '../model';

export type PayerRelation = 'claim-payer' | 'other-payer' | 'unidentified';
export type PayerRole = 'claim-payer' | 'secondary' | 'tertiary' | 'other-payer';
export const PAYER_ROLES: readonly PayerRole[] = ['claim-payer', 'secondary', 'tertiary', 'other-payer'];

/** What posting needs of a configured payer. */
export interface KnownPayer {
  /** Ids its 835s use (N1*PR N104, REF*2U, TRN03); empty or absent: its payer id is compared instead. */
  readonly remittanceIds?: readonly string[];
}

export type PayerDirectory = ReadonlyMap<string, Readonly<KnownPayer>>;

type RemittancePayer = Pick<Remittance, 'payerId' | 'payerIdentifiers'>;

/** The 835's ids: payerIdentifiers, else the payer id alone (an older reading). */
export function identifiersOf(rem: RemittancePayer): string[] {
  if (rem.payerIdentifiers && rem.payerIdentifiers.length > 0) return [...rem.payerIdentifiers];
  return rem.payerId ? [rem.payerId] : [];
}

function sends(payerId: string, payer: Readonly<KnownPayer> | undefined, ids: readonly string[]): boolean {
  const own = payer?.remittanceIds ?? [];
  return own.length > 0 ? own.some((id) => ids.includes(id)) : ids.includes(payerId);
}

/** The configured payer that sent the 835 (its remittanceIds first, then its own id), or undefined. */
export function resolveRemittancePayer(rem: RemittancePayer, payers: PayerDirectory): string | undefined {
  const ids = identifiersOf(rem);
  if (ids.length === 0) return undefined;
  for (const [id, p] of payers) if ((p.remittanceIds ?? []).some((r) => ids.includes(r))) return id;
  for (const [id, p] of payers) if ((p.remittanceIds ?? []).length === 0 && ids.includes(id)) return id;
  return undefined;
}

/** How the 835's payer stands to a claim billed to `claimPayerId` (see the module comment). */
export function payerRelation(claimPayerId: string, rem: RemittancePayer, payers: PayerDirectory): PayerRelation {
  const ids = identifiersOf(rem);
  const configured = payers.get(claimPayerId);
  if (sends(claimPayerId, configured, ids)) return 'claim-payer';
  if ((configured?.remittanceIds ?? []).length > 0) return 'other-payer';
  const resolved = resolveRemittancePayer(rem, payers);
  return resolved !== undefined && resolved !== claimPayerId ? 'other-payer' : 'unidentified';
}

/**
 * The role of a CLP (CLP02 `status`) for the claim (see the module comment). `billedAs` is the claim's SBR01: on a
 * claim billed to its payer as secondary (S) or tertiary (T), an unidentified 835 answering CLP02 2 or 3 to match is
 * that payer's own answer, not a crossover.
 */
export function payerRole(relation: PayerRelation, status: string, billedAs?: 'P' | 'S' | 'T'): PayerRole {
  if (relation === 'claim-payer') return 'claim-payer';
  if (relation === 'unidentified' && ((status === '2' && billedAs === 'S') || (status === '3' && billedAs === 'T'))) return 'claim-payer';
  if (status === '2') return 'secondary';
  if (status === '3') return 'tertiary';
  if (status === '22') return 'secondary';
  return relation === 'unidentified' ? 'claim-payer' : 'other-payer';
}

/** CLP02 19, 20, 21: processed as primary/secondary/tertiary and forwarded to the next payer (a crossover). */
export function isForwarded(status: string): boolean {
  return status === '19' || status === '20' || status === '21';
}
