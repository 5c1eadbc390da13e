/**
 * Eligibility workflows (docs/billing.md "Eligibility (270/271)"): asking payers whether patients are covered (270) and
 * applying their answers (271). The decisions are pure (src/billing/eligibility); this module reads and writes through
 * the eligibility port in one unit of work per call (src/store/eligibility.ts on Postgres).
 *
 * - `inquiries`: for every patient with unclaimed active charges (or the patients given), one inquiry per coverage of
 *   a configured payer in force on one of the charges' dates (today for a patient given without charges), asking
 *   about the first to the last of those dates; one 270 per payer. A coverage without a member id or subscriber
 *   name is skipped with the reason. Every inquiry is recorded (eligibility_checks) with the file (eligibility_files).
 * - `postEligibilityResponses`: every 271 answer of the text whose TRN names a recorded inquiry is decided
 *   (decideEligibility) and applied: coverage end date, held charges, member id, confirmed priorities, notes on unsent
 *   claims; the inquiry row keeps the outcome and what changed. Answers naming no inquiry of ours are counted, not
 *   applied. A text without a 271 is PAYER_FILE_INVALID; one whose answers all name unknown inquiries is
 *   ELIGIBILITY_INVALID (and nothing is recorded).
 */
import { remoteFileName } from '../../clearinghouse/config';
import { EngineError } from '../../core/errors';
import { readInterchanges } from '../../x12/reader';
import { elementValue } from '../../x12/segment';
import { inForceOn } from '../cob/order';
import type { BillingConfig } from '../config';
import { decideEligibility, type EligibilityOutcome } from '../eligibility/decide';
import type { EligibilityPort, NewEligibilityCheck, NewEligibilityFile } from '../eligibility/ports';
import { read271, type EligibilityAnswer } from '../eligibility/read-271';
import { write270, type EligibilityInquiry } from '../eligibility/x12-270';
import { interchangeFor } from './service';

export interface InquiryFile {
  id: string;
  payerId: string;
  fileName: string;
  interchangeControl: string;
  x12: string;
  checkIds: string[];
}

export interface InquiryRun {
  files: InquiryFile[];
  /** Coverages not asked about, and why (no patient data). */
  skipped: Array<{ coverageId: string; reason: string }>;
}

export interface AppliedAnswer {
  checkId: string;
  patientRef: string;
  coverageId: string;
  outcome: EligibilityOutcome;
  summary: string;
  coverageEnded: { coverageId: string; endDate: string } | null;
  memberIdChanged: { coverageId: string } | null;
  reordered: { primaryCoverageId: string; secondCoverageId: string } | null;
  heldCharges: string[];
  notedClaims: string[];
}

export interface EligibilityPosted {
  fileId: string;
  answers: AppliedAnswer[];
  /** Answers whose TRN names no inquiry of ours (or that carry none). */
  unmatched: number;
  /** AAA rejections of a 271 that holds no patient loop (the whole inquiry rejected), as codes and words. */
  rejections: string[];
}

const isoDay = (d: Date): string => d.toISOString().slice(0, 10);
const traceOf = (checkId: string): string => `RXE${checkId}`;

/** The 270s for the unclaimed charges' patients, or for `patientRefs`. CONFLICT when billing is not configured. */
export async function eligibilityInquiries(
  port: EligibilityPort,
  config: BillingConfig,
  actor: string,
  now: Date,
  patientRefs?: readonly string[],
): Promise<InquiryRun> {
  return port.transaction(async (uow) => {
    const charges = await uow.unclaimedCharges(patientRefs);
    const datesOf = new Map<string, string[]>();
    for (const c of charges) datesOf.set(c.patientRef, [...(datesOf.get(c.patientRef) ?? []), c.serviceDate]);
    for (const ref of patientRefs ?? []) if (!datesOf.has(ref)) datesOf.set(ref, [isoDay(now)]);
    const refs = [...datesOf.keys()];
    const { patients, coverages } = await uow.parties(refs);
    const skipped: InquiryRun['skipped'] = [];
    const byPayer = new Map<
      string,
      Array<{ inquiry: Omit<EligibilityInquiry, 'trace'>; check: Omit<NewEligibilityCheck, 'id' | 'trace' | 'inquiryFileId'> }>
    >();
    for (const ref of refs) {
      const dates = [...new Set(datesOf.get(ref))].sort();
      const patient = patients.find((p) => p.patientRef === ref);
      for (const c of coverages.filter((v) => v.patientRef === ref)) {
        const covered = dates.filter((d) => inForceOn(c, d));
        if (covered.length === 0) continue;
        const payer = c.payerId === null ? undefined : config.payers.get(c.payerId);
        if (!payer) {
          skipped.push({ coverageId: c.id, reason: 'its payer is not configured in billing.yaml' });
          continue;
        }
        const self = c.relationship === null || c.relationship === '18';
        const subscriberName = self ? patient?.familyName : c.subscriberFamilyName;
        if (!c.memberId || !subscriberName || (!self && !patient?.familyName)) {
          skipped.push({ coverageId: c.id, reason: !c.memberId ? 'no member id' : 'no subscriber or patient name' });
          continue;
        }
        const serviceDates = { from: covered[0]!, to: covered[covered.length - 1]! };
        const subscriber = self
          ? {
              familyName: subscriberName,
              givenName: patient?.givenName ?? null,
              birthDate: patient?.birthDate ?? null,
              sex: patient?.sex ?? null,
            }
          : {
              familyName: subscriberName,
              givenName: c.subscriberGivenName,
              birthDate: c.subscriberBirthDate,
              sex: c.subscriberSex,
            };
        const inquiry: Omit<EligibilityInquiry, 'trace'> = {
          subscriber: { ...subscriber, memberId: c.memberId },
          ...(self
            ? {}
            : {
                dependent: {
                  familyName: patient!.familyName!,
                  givenName: patient!.givenName,
                  birthDate: patient!.birthDate,
                  sex: patient!.sex,
                  relationship: c.relationship!,
                },
              }),
          serviceDates,
        };
        const check = {
          patientRef: ref,
          coverageId: c.id,
          payerId: payer.id,
          payerName: payer.name,
          memberId: c.memberId,
          serviceFrom: serviceDates.from,
          serviceTo: serviceDates.to,
          actor,
        };
        byPayer.set(payer.id, [...(byPayer.get(payer.id) ?? []), { inquiry, check }]);
      }
    }
    const files: InquiryFile[] = [];
    for (const [payerId, items] of [...byPayer].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      const payer = config.payers.get(payerId)!;
      const ids = await uow.nextCheckIds(items.length);
      const control = await uow.nextControlNumbers(config.interchange.senderId);
      const x12 = write270(
        items.map((it, i) => ({ ...it.inquiry, trace: traceOf(ids[i]!) })),
        { id: payer.id, name: payer.name },
        config.billingProvider,
        interchangeFor(config, payerId),
        control,
        now,
      );
      const interchangeControl = String(control.interchange).padStart(9, '0');
      const fileName = `270-${payerId}-${interchangeControl}.x12`;
      const upload = uploadOf(config, payerId, control.interchange, now);
      const fileId = await uow.insertFile({
        kind: '270',
        payerId,
        interchangeControl,
        fileName,
        x12,
        actor,
        ...(upload ? { upload } : {}),
      });
      await uow.insertChecks(items.map((it, i) => ({ ...it.check, id: ids[i]!, trace: traceOf(ids[i]!), inquiryFileId: fileId })));
      files.push({ id: fileId, payerId, fileName, interchangeControl, x12, checkIds: ids });
    }
    return { files, skipped };
  });
}

/**
 * The upload of a payer's 270 to its clearinghouse (billing.yaml `payers.<id>.clearinghouse` or
 * `defaultClearinghouse`), named by its `eligibilityFileNamePattern`; none without one or when it is disabled (an
 * inquiry is only worth sending now: it is not kept waiting for the clearinghouse to be enabled).
 */
function uploadOf(config: BillingConfig, payerId: string, isa13: number, at: Date): NewEligibilityFile['upload'] {
  const name = config.payers.get(payerId)?.clearinghouse;
  const ch = name === undefined ? undefined : config.clearinghouses.get(name);
  if (!ch?.enabled) return undefined;
  const submitterId = config.interchange.senderId;
  return {
    clearinghouse: ch.name,
    remoteName: (fileId) => remoteFileName(ch.eligibilityFileNamePattern, { submitterId, fileId, payerId, isa13, at }),
  };
}

/** Every 271 answer in `text` (any number of interchanges and transaction sets). */
function answersOf(text: string): { answers: EligibilityAnswer[]; rejections: string[] } {
  const answers: EligibilityAnswer[] = [];
  const rejections: string[] = [];
  let sets = 0;
  for (const ic of readInterchanges(text)) {
    for (const group of ic.groups) {
      for (const ts of group.transactionSets) {
        if (elementValue(ts.st, 1) !== '271') continue;
        sets++;
        const read = read271(ts);
        answers.push(...read.answers);
        rejections.push(...read.rejections.map((r) => `${r.reason} ${r.reasonText}`));
      }
    }
  }
  if (sets === 0) throw new EngineError('PAYER_FILE_INVALID', 'the file holds no 271 transaction set');
  return { answers, rejections };
}

/**
 * Applies the 271 answers in `text` (see the module comment); the clearinghouse pickup calls it for inbound 271
 * files, POST /api/eligibility for a posted one. `actor` is recorded with every change.
 */
export async function postEligibilityResponses(port: EligibilityPort, text: string, actor: string, now: Date): Promise<EligibilityPosted> {
  const { answers, rejections } = answersOf(text);
  return port.transaction(async (uow) => {
    const inquiries = await uow.inquiriesByTrace(answers.flatMap((a) => (a.trace ? [a.trace] : [])));
    const matched = answers.filter((a) => a.trace && inquiries.has(a.trace));
    if (answers.length > 0 && matched.length === 0) {
      throw new EngineError('ELIGIBILITY_INVALID', 'no answer of the 271 names an inquiry of ours (TRN*2)');
    }
    const fileId = await uow.insertFile({ kind: '271', payerId: null, interchangeControl: null, fileName: null, x12: text, actor });
    const applied: AppliedAnswer[] = [];
    for (const answer of matched) {
      const inquiry = inquiries.get(answer.trace!)!;
      const [{ coverages }, charges, claims] = await Promise.all([
        uow.parties([inquiry.patientRef]),
        uow.unclaimedCharges([inquiry.patientRef]),
        uow.unsentClaims(inquiry.patientRef),
      ]);
      const decision = decideEligibility(answer, inquiry, coverages, charges, claims, isoDay(now));
      if (decision.endCoverage) await uow.endCoverage(decision.endCoverage.coverageId, decision.endCoverage.endDate);
      const held = decision.hold.chargeIds.length > 0 ? await uow.holdCharges(decision.hold.chargeIds, decision.hold.reason) : [];
      if (decision.memberId) await uow.setMemberId(decision.memberId.coverageId, decision.memberId.to);
      if (decision.reorder) await uow.confirmPriorities(inquiry.patientRef, decision.reorder.priorities);
      const noted = new Set<string>();
      for (const n of decision.claimNotes) {
        const claim = claims.find((c) => c.id === n.claimId)!;
        await uow.noteClaim(n.claimId, claim.status, n.note, actor);
        noted.add(n.claimId);
      }
      await uow.recordAnswer(inquiry.id, {
        responseFileId: fileId,
        outcome: decision.outcome,
        summary: decision.summary,
        changes: decision,
        actor,
      });
      applied.push({
        checkId: inquiry.id,
        patientRef: inquiry.patientRef,
        coverageId: inquiry.coverageId,
        outcome: decision.outcome,
        summary: decision.summary,
        coverageEnded: decision.endCoverage ? { coverageId: decision.endCoverage.coverageId, endDate: decision.endCoverage.endDate } : null,
        memberIdChanged: decision.memberId ? { coverageId: decision.memberId.coverageId } : null,
        reordered: decision.reorder
          ? { primaryCoverageId: decision.reorder.primaryCoverageId, secondCoverageId: inquiry.coverageId }
          : null,
        heldCharges: held,
        notedClaims: [...noted],
      });
    }
    return { fileId, answers: applied, unmatched: answers.length - matched.length, rejections };
  });
}

/**
 * Releases charges an eligibility answer held (after the patient's coverage was fixed: a new coverage from the ADT
 * feed, or the payer confirmed the dates): they become active and the next build claims them to the coverage in force.
 * Charges held for another reason (the mapping's) are left alone: they are released by replaying their message.
 */
export async function releaseEligibilityHolds(port: EligibilityPort, chargeIds: readonly string[]): Promise<{ released: string[] }> {
  return port.transaction(async (uow) => ({ released: await uow.releaseHeld(chargeIds) }));
}
