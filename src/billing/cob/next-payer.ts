/**
 * The claim to the next payer in the coordination of benefits, from the claim an earlier payer adjudicated and that
 * payer's 835 answer for it (pure).
 *
 * The next claim bills the same lines with the same charges; it names each earlier payer (2320/2330A/2330B: its
 * subscriber, id, claim number, what it paid, its claim-level adjustments, what the patient owed after it) and, per
 * line, what that payer did with the line (2430: SVD paid, line CAS, adjudication date). A tertiary claim carries the
 * primary's and the secondary's loops, in that order.
 *
 * The answer must account for every line: the 835's service lines are matched to the claim's lines by REF*6R (the
 * charge id we sent), else by code in order; each line must balance (charge = paid + its CAS) and the claim must
 * balance (charge = paid + claim CAS + every line CAS), as the clearinghouse checks the 837P. An answer that does
 * not is refused with the reason, and nothing is built: a biller looks at that 835 first.
 */
import { decimalsEqual, sumX12Decimals } from '../../core/decimal';
import type { Claim, ClaimLine, ClaimPayment, LineAdjudication, OtherPayer, Payer, ServicePayment, Subscriber } from '../model';

/** Who the next claim goes to: its payer and that payer's subscriber (payerResponsibility S or T). */
export interface NextPayer {
  /** Our id and CLM01 for the new claim. */
  id: string;
  controlNumber: string;
  payer: Payer;
  subscriber: Subscriber;
}

export type NextPayerClaim = { claim: Claim } | { problem: string };

/** CLP02 codes under which the payer adjudicated the claim itself: processed as primary, secondary, tertiary, denied. */
const ADJUDICATED = new Set(['1', '2', '3', '4']);
const FORWARDED = new Set(['19', '20', '21']);

/**
 * The claim to `next` after the payer of `sent` answered with `payment` on `adjudicationDate` (its 835's payment
 * date, YYYY-MM-DD); or why it cannot be built.
 */
export function nextPayerClaim(sent: Claim, payment: ClaimPayment, adjudicationDate: string, next: NextPayer): NextPayerClaim {
  if (FORWARDED.has(payment.status)) {
    return {
      problem: `the payer forwarded the claim to ${payment.crossoverCarrier ?? 'the next payer'} (CLP02 ${payment.status}): its 835 comes on its own`,
    };
  }
  if (!ADJUDICATED.has(payment.status)) return { problem: `CLP02 ${payment.status} is not an adjudication of the claim` };
  if (!decimalsEqual(payment.charge, sent.totalCharge)) {
    return { problem: `the 835 answers for a charge of ${payment.charge}, the claim billed ${sent.totalCharge}` };
  }
  const matched = matchServices(sent.lines, payment.services);
  if ('problem' in matched) return matched;
  const payerId = sent.payer.id;
  const lines: ClaimLine[] = [];
  for (const line of sent.lines) {
    const service = matched.get(line.lineNumber);
    if (!service) {
      lines.push(line);
      continue;
    }
    const adjudication: LineAdjudication = {
      payerId,
      paidAmount: service.paid,
      code: service.code,
      modifiers: service.modifiers,
      paidUnits: service.unitsPaid ?? line.units,
      adjustments: service.adjustments,
      adjudicationDate,
    };
    if (!decimalsEqual(line.chargeAmount, sumX12Decimals([service.paid, ...service.adjustments.map((a) => a.amount)]))) {
      return {
        problem: `line ${line.lineNumber}: the payer's paid amount and adjustments do not add up to the line's charge ${line.chargeAmount}`,
      };
    }
    lines.push({ ...line, adjudications: [...(line.adjudications ?? []), adjudication] });
  }
  const other: OtherPayer = {
    responsibility: sent.subscriber.payerResponsibility,
    relationship: sent.patient.relationship,
    ...(sent.subscriber.groupNumber ? { groupNumber: sent.subscriber.groupNumber } : {}),
    ...(sent.subscriber.groupName ? { groupName: sent.subscriber.groupName } : {}),
    filingIndicator: sent.subscriber.filingIndicator,
    claimAdjustments: payment.adjustments,
    paidAmount: payment.paid,
    remainingPatientLiability: payment.patientResponsibility,
    subscriber: {
      familyName: sent.subscriber.familyName,
      memberId: sent.subscriber.memberId,
      ...(sent.subscriber.givenName ? { givenName: sent.subscriber.givenName } : {}),
      ...(sent.subscriber.address ? { address: sent.subscriber.address } : {}),
    },
    payer: sent.payer,
    adjudicationDate,
    ...(payment.payerClaimNumber ? { payerClaimNumber: payment.payerClaimNumber } : {}),
  };
  const lineAdjustments = payment.services.flatMap((s) => s.adjustments.map((a) => a.amount));
  const accounted = sumX12Decimals([payment.paid, ...payment.adjustments.map((a) => a.amount), ...lineAdjustments]);
  if (!decimalsEqual(sent.totalCharge, accounted)) {
    return {
      problem: `the 835 does not account for the claim's charge ${sent.totalCharge}: paid ${payment.paid} and adjustments add up to ${accounted}`,
    };
  }
  const { payerClaimNumber: _previousPayersNumber, ...rest } = sent;
  return {
    claim: {
      ...rest,
      id: next.id,
      controlNumber: next.controlNumber,
      frequency: '1',
      payer: next.payer,
      subscriber: next.subscriber,
      lines,
      otherPayers: [...(sent.otherPayers ?? []), other],
    },
  };
}

/**
 * Each 835 service line's claim line: by REF*6R (the charge id we sent), else the first line not yet matched whose
 * code is the service's submitted code (SVC06) or code. No service lines at all: a claim-level answer (empty map).
 */
function matchServices(
  lines: readonly ClaimLine[],
  services: readonly ServicePayment[],
): Map<number, ServicePayment> | { problem: string } {
  const out = new Map<number, ServicePayment>();
  if (services.length === 0) return out;
  const free = new Set(lines.map((l) => l.lineNumber));
  const take = (line: ClaimLine | undefined, service: ServicePayment): boolean => {
    if (!line || !free.has(line.lineNumber)) return false;
    free.delete(line.lineNumber);
    out.set(line.lineNumber, service);
    return true;
  };
  const byControl = services.filter((s) => s.lineControlNumber !== undefined);
  for (const s of byControl) {
    if (
      !take(
        lines.find((l) => l.chargeId === s.lineControlNumber),
        s,
      )
    )
      return { problem: `an 835 service line names REF*6R ${s.lineControlNumber}, which is no line of the claim` };
  }
  for (const s of services.filter((x) => x.lineControlNumber === undefined)) {
    const code = s.submittedCode ?? s.code;
    if (
      !take(
        lines.find((l) => free.has(l.lineNumber) && l.code === code),
        s,
      )
    )
      return { problem: `an 835 service line for ${code} matches no line of the claim` };
  }
  if (free.size > 0) return { problem: `the 835 answers no service line for claim line ${[...free].join(', ')}` };
  return out;
}
