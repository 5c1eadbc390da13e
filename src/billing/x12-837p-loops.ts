/**
 * The segments of each 837P (005010X222A1) loop, one builder per loop (DOMAIN §2.1). Pure: claim data in,
 * segments out. The builders trust a validated claim (see x12-837p-validate.ts) and format values the way
 * the TR3 wants them: ICD-10 without its dot, D8 dates, X12 R decimals ("25.00" → "25"), digits-only ZIPs,
 * tax ids and phone numbers. Free text is cleaned of separators by the writer.
 */
import type { X12Segment } from '../x12/segment';
import { segment } from '../x12/segment';
import { formatX12Decimal } from '../core/decimal';
import type {
  Address,
  Adjustment,
  BillingProvider,
  Claim,
  ClaimLine,
  Interchange,
  LineAdjudication,
  OtherPayer,
  Patient,
  Payer,
  ProviderRef,
  Subscriber,
} from './model';

/** YYYY-MM-DD → CCYYMMDD. */
export function d8(date: string): string {
  return date.replace(/-/g, '');
}

export function digitsOnly(text: string): string {
  return text.replace(/\D/g, '');
}

/** An ICD-10-CM code as the HI segment carries it: no dot, upper case. */
export function hiCode(code: string): string {
  return code.replace(/\./g, '').trim().toUpperCase();
}

function addressSegments(address: Address | undefined): X12Segment[] {
  if (!address) return [];
  return [segment('N3', address.line1, address.line2), segment('N4', address.city, address.state, digitsOnly(address.zip))];
}

function demographics(birthDate: string | undefined, sex: string | undefined): X12Segment[] {
  if (!birthDate) return [];
  return [segment('DMG', 'D8', d8(birthDate), sex)];
}

/** NM1 for a provider by NPI: a person (NM102 = 1) when a family name is known, else an organisation. */
function providerName(entity: string, p: ProviderRef): X12Segment {
  if (p.familyName) return segment('NM1', entity, '1', p.familyName, p.givenName, undefined, undefined, undefined, 'XX', p.npi);
  return segment('NM1', entity, '2', p.organizationName, undefined, undefined, undefined, undefined, 'XX', p.npi);
}

/** BHT, 1000A submitter (NM1*41 + PER*IC) and 1000B receiver (NM1*40). */
export function headerSegments(interchange: Interchange, reference: string, date: string, time: string): X12Segment[] {
  return [
    segment('BHT', '0019', '00', reference, date, time, 'CH'),
    segment('NM1', '41', '2', interchange.submitterName, undefined, undefined, undefined, undefined, '46', interchange.senderId),
    segment('PER', 'IC', interchange.submitterContactName, 'TE', digitsOnly(interchange.submitterPhone)),
    segment('NM1', '40', '2', interchange.receiverName, undefined, undefined, undefined, undefined, '46', interchange.receiverId),
  ];
}

/** 2000A (after its HL) and 2010AA: PRV*BI, NM1*85, N3, N4 (9-digit ZIP), REF*EI/SY. */
export function billingProviderSegments(p: BillingProvider): X12Segment[] {
  return [
    segment('PRV', 'BI', 'PXC', p.taxonomy),
    segment('NM1', '85', '2', p.name, undefined, undefined, undefined, undefined, 'XX', p.npi),
    ...addressSegments(p.address),
    segment('REF', p.taxIdType, digitsOnly(p.taxId)),
  ];
}

/**
 * 2000B SBR (SBR03 group number, else SBR04 group name: never both), 2010BA (NM1*IL, and N3/N4/DMG only when the subscriber is the patient: the TR3 says "do not
 * send" otherwise) and 2010BB (NM1*PR). When the subscriber is the patient, the patient's address and
 * demographics fill in what the subscriber record lacks.
 */
export function subscriberSegments(s: Subscriber, payer: Payer, patient: Patient): X12Segment[] {
  const self = patient.relationship === '18';
  return [
    // SBR04 (group name) only when SBR03 (group number) is absent: the TR3 forbids both.
    segment(
      'SBR',
      s.payerResponsibility,
      self ? '18' : undefined,
      s.groupNumber,
      s.groupNumber ? undefined : s.groupName,
      undefined,
      undefined,
      undefined,
      undefined,
      s.filingIndicator,
    ),
    segment('NM1', 'IL', '1', s.familyName, s.givenName, undefined, undefined, undefined, 'MI', s.memberId),
    ...(self ? addressSegments(s.address ?? patient.address) : []),
    ...(self ? demographics(s.birthDate ?? patient.birthDate, s.sex ?? patient.sex) : []),
    segment('NM1', 'PR', '2', payer.name, undefined, undefined, undefined, undefined, 'PI', payer.id),
  ];
}

/** 2000C PAT (relationship) and 2010CA NM1*QC, N3, N4, DMG: the patient when not the subscriber. */
export function patientSegments(p: Patient): X12Segment[] {
  return [
    segment('PAT', p.relationship),
    segment('NM1', 'QC', '1', p.familyName, p.givenName),
    ...addressSegments(p.address),
    ...demographics(p.birthDate, p.sex),
  ];
}

/** Whether the claim needs REF*X4: a CLIA number is configured and a line is a point-of-care test. */
function needsClia(claim: Claim): boolean {
  return Boolean(claim.billingProvider.cliaNumber) && claim.lines.some((l) => l.serviceKind === 'poc-test');
}

/** The NPI the claim's services are rendered under: 2310B when it differs from the billing provider. */
export function claimRendering(claim: Claim): ProviderRef | undefined {
  const r = claim.renderingProvider;
  return r && r.npi !== claim.billingProvider.npi ? r : undefined;
}

/** 2300 CLM, REF*G1, REF*F8, REF*X4, HI (ABK then ABF), 2310B rendering (NM1*82 + PRV*PE), then 2320/2330 per other payer. */
export function claimSegments(claim: Claim): X12Segment[] {
  const out: X12Segment[] = [
    segment(
      'CLM',
      claim.controlNumber,
      formatX12Decimal(claim.totalCharge),
      undefined,
      undefined,
      [claim.placeOfService, 'B', claim.frequency],
      'Y',
      'A',
      'Y',
      'Y',
    ),
  ];
  if (claim.priorAuthorization) out.push(segment('REF', 'G1', claim.priorAuthorization));
  if (claim.frequency !== '1') out.push(segment('REF', 'F8', claim.payerClaimNumber));
  if (needsClia(claim)) out.push(segment('REF', 'X4', claim.billingProvider.cliaNumber));
  out.push(segment('HI', ...claim.diagnoses.map((code, i) => [i === 0 ? 'ABK' : 'ABF', hiCode(code)])));
  const rendering = claimRendering(claim);
  if (rendering) {
    out.push(providerName('82', rendering));
    if (rendering.taxonomy) out.push(segment('PRV', 'PE', 'PXC', rendering.taxonomy));
  }
  for (const other of claim.otherPayers ?? []) out.push(...otherPayerSegments(other));
  return out;
}

/** At most 6 reason/amount/quantity triplets per CAS segment (CAS02–CAS19). */
const CAS_TRIPLETS = 6;

/**
 * CAS segments for adjustments: one per group code in order of first appearance, a seventh reason of a group starting
 * another CAS of that group. Amounts in X12 R form; a quantity only where one was given.
 */
export function casSegments(adjustments: readonly Adjustment[]): X12Segment[] {
  const byGroup = new Map<string, Adjustment[]>();
  for (const a of adjustments) byGroup.set(a.group, [...(byGroup.get(a.group) ?? []), a]);
  const out: X12Segment[] = [];
  for (const [group, list] of byGroup) {
    for (let i = 0; i < list.length; i += CAS_TRIPLETS) {
      const triplets = list
        .slice(i, i + CAS_TRIPLETS)
        .flatMap((a) => [a.reason, formatX12Decimal(a.amount), a.quantity && formatX12Decimal(a.quantity)]);
      out.push(segment('CAS', group, ...triplets));
    }
  }
  return out;
}

/**
 * 2320 (SBR, CAS, AMT*D, AMT*EAF, OI), 2330A (NM1*IL, N3/N4) and 2330B (NM1*PR, DTP*573, REF*F8): one earlier
 * payer of a secondary or tertiary claim. OI03 and OI06 say Y as CLM08 and CLM09 do.
 */
export function otherPayerSegments(o: OtherPayer): X12Segment[] {
  return [
    segment(
      'SBR',
      o.responsibility,
      o.relationship,
      o.groupNumber,
      o.groupNumber ? undefined : o.groupName,
      undefined,
      undefined,
      undefined,
      undefined,
      o.filingIndicator,
    ),
    ...casSegments(o.claimAdjustments),
    segment('AMT', 'D', formatX12Decimal(o.paidAmount)),
    ...(o.remainingPatientLiability !== undefined ? [segment('AMT', 'EAF', formatX12Decimal(o.remainingPatientLiability))] : []),
    segment('OI', undefined, undefined, 'Y', undefined, undefined, 'Y'),
    segment(
      'NM1',
      'IL',
      '1',
      o.subscriber.familyName,
      o.subscriber.givenName,
      undefined,
      undefined,
      undefined,
      'MI',
      o.subscriber.memberId,
    ),
    ...addressSegments(o.subscriber.address),
    segment('NM1', 'PR', '2', o.payer.name, undefined, undefined, undefined, undefined, 'PI', o.payer.id),
    segment('DTP', '573', 'D8', d8(o.adjudicationDate)),
    ...(o.payerClaimNumber ? [segment('REF', 'F8', o.payerClaimNumber)] : []),
  ];
}

/** 2430 SVD, CAS, DTP*573: how one earlier payer adjudicated the line. */
export function lineAdjudicationSegments(a: LineAdjudication): X12Segment[] {
  return [
    segment('SVD', a.payerId, formatX12Decimal(a.paidAmount), ['HC', a.code, ...a.modifiers], undefined, formatX12Decimal(a.paidUnits)),
    ...casSegments(a.adjustments),
    segment('DTP', '573', 'D8', d8(a.adjudicationDate)),
  ];
}

/**
 * 2400 LX, SV1, DTP*472, REF*6R (the charge id as line item control number, echoed in the 835), 2410
 * LIN/CTP/REF*XZ when the line has an NDC, 2420A rendering when it differs from the claim's, 2420E ordering, 2430
 * per earlier payer's adjudication.
 */
export function lineSegments(claim: Claim, line: ClaimLine, index: number): X12Segment[] {
  const pos = line.placeOfService && line.placeOfService !== claim.placeOfService ? line.placeOfService : undefined;
  const out: X12Segment[] = [
    segment('LX', String(index + 1)),
    segment(
      'SV1',
      ['HC', line.code, ...line.modifiers],
      formatX12Decimal(line.chargeAmount),
      'UN',
      formatX12Decimal(line.units),
      pos,
      undefined,
      line.diagnosisPointers.map(String),
    ),
    segment('DTP', '472', 'D8', d8(line.serviceDate)),
    segment('REF', '6R', line.chargeId),
  ];
  if (line.ndc) {
    out.push(
      segment('LIN', undefined, 'N4', line.ndc),
      segment('CTP', undefined, undefined, undefined, formatX12Decimal(line.ndcQuantity ?? ''), [line.ndcUnit]),
    );
    if (line.rxNumber) out.push(segment('REF', 'XZ', line.rxNumber));
  }
  const claimNpi = (claimRendering(claim) ?? claim.billingProvider).npi;
  if (line.renderingProvider && line.renderingProvider.npi !== claimNpi) {
    out.push(providerName('82', line.renderingProvider));
    if (line.renderingProvider.taxonomy) out.push(segment('PRV', 'PE', 'PXC', line.renderingProvider.taxonomy));
  }
  if (line.orderingProvider) {
    const o = line.orderingProvider;
    out.push(segment('NM1', 'DK', '1', o.familyName ?? o.organizationName, o.givenName, undefined, undefined, undefined, 'XX', o.npi));
  }
  for (const a of line.adjudications ?? []) out.push(...lineAdjudicationSegments(a));
  return out;
}
