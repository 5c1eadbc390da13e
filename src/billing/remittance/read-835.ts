/**
 * read835: one 835 transaction set (005010X221A1, DOMAIN.md §2.3) → the billing model's Remittance.
 * Reads BPR (handling, amount, method, date), TRN02, 1000A payer (N1*PR, REF*2U or N1 XV id), 1000B payee
 * (N1*PE, NPI when N103 = XX), the payer's identifiers (N1*PR N104, REF*2U, TRN03), every CLP (with NM1*TT, the
 * crossover carrier) with its CAS (claim level) and SVC with DTM*472/150/151, CAS and
 * REF*6R and LQ*HE remark codes (line level), the claim's remark codes in MOA (MOA03–07) and MIA (MIA05, MIA20–23),
 * and PLB. Amounts come back as exact 2-decimal strings, dates as YYYY-MM-DD; a BPR16
 * that is not a calendar date leaves paymentDate undefined (other malformed dates are refused).
 * It does not check balancing (balance835 does). Throws PAYER_FILE_INVALID when a segment the model needs is
 * missing or an amount, date or CAS group is malformed. Pure.
 */
import type { Adjustment, ClaimPayment, ProviderAdjustment, Remittance, ServicePayment } from '../model';
import {
  ccyymmddToIso,
  components,
  date8,
  el,
  invalid,
  locate,
  missingSegment,
  money,
  quantity,
  required,
  type Located,
  type ReadableTransactionSet,
} from './segments';

const CAS_GROUPS = new Set<Adjustment['group']>(['CO', 'PR', 'OA', 'PI', 'CR']);
/** CAS02/03/04, then up to five more triplets (CAS05–CAS19). */
const CAS_TRIPLETS = 6;
/** PLB03/04 up to PLB13/14. */
const PLB_PAIRS = 6;
/** The elements of MOA and MIA that carry claim-level remark codes (RARC). */
const MOA_REMARKS = [3, 4, 5, 6, 7];
const MIA_REMARKS = [5, 20, 21, 22, 23];

interface ServiceDraft {
  service: ServicePayment;
  dateOfService?: string;
  periodStart?: string;
}

export function read835(ts: ReadableTransactionSet): Remittance {
  const segments = locate(ts, '835');
  let bpr: Located | undefined;
  let traceNumber: string | undefined;
  let payerName: string | undefined;
  let payerId: string | undefined;
  let payeeName: string | undefined;
  let payeeNpi: string | undefined;
  const identifiers: string[] = [];
  const identify = (id: string): void => {
    if (id !== '' && !identifiers.includes(id)) identifiers.push(id);
  };
  let originatingCompany = '';
  const claims: ClaimPayment[] = [];
  const providerAdjustments: ProviderAdjustment[] = [];

  let loop: 'header' | 'payer' | 'payee' | 'claims' | 'plb' = 'header';
  let claim: ClaimPayment | undefined;
  let service: ServiceDraft | undefined;
  const closeService = (): void => {
    if (!service) return;
    const date = service.dateOfService ?? service.periodStart;
    if (date !== undefined) service.service.serviceDate = date;
    service = undefined;
  };

  for (const at of segments) {
    const seg = at.segment;
    switch (seg.id) {
      case 'BPR':
        bpr = at;
        break;
      case 'TRN':
        if (loop === 'header') {
          traceNumber = required(at, 2, 'the check or EFT trace number');
          originatingCompany = el(seg, 3);
        }
        break;
      case 'N1': {
        closeService();
        claim = undefined;
        const entity = el(seg, 1);
        if (entity === 'PR') {
          loop = 'payer';
          payerName = el(seg, 2);
          if (el(seg, 3) === 'XV' && el(seg, 4) !== '') payerId ??= el(seg, 4);
          identify(el(seg, 4));
        } else if (entity === 'PE') {
          loop = 'payee';
          payeeName = el(seg, 2) || undefined;
          if (el(seg, 3) === 'XX' && el(seg, 4) !== '') payeeNpi = el(seg, 4);
        } else {
          loop = 'header';
        }
        break;
      }
      case 'REF':
        if (loop === 'payer' && el(seg, 1) === '2U') {
          payerId = required(at, 2, 'the payer id');
          identify(payerId);
        } else if (service && el(seg, 1) === '6R') service.service.lineControlNumber = required(at, 2, 'the line item control number');
        break;
      case 'LX':
        closeService();
        claim = undefined;
        loop = 'claims';
        break;
      case 'CLP':
        closeService();
        loop = 'claims';
        claim = readClp(at);
        claims.push(claim);
        break;
      case 'CAS': {
        const adjustments = readCas(at);
        if (service) service.service.adjustments.push(...adjustments);
        else if (claim) claim.adjustments.push(...adjustments);
        else throw invalid(at, 1, 'is outside a claim (CAS must follow a CLP or an SVC)');
        break;
      }
      case 'NM1':
        if (claim && !service && el(seg, 1) === 'TT') {
          const name = el(seg, 3);
          const id = el(seg, 9);
          const carrier = [name, id].filter((v) => v !== '').join(' ');
          if (carrier !== '') claim.crossoverCarrier = carrier;
        }
        break;
      case 'SVC':
        closeService();
        if (!claim) throw invalid(at, 1, 'is outside a claim (SVC must follow a CLP)');
        service = { service: readSvc(at) };
        claim.services.push(service.service);
        break;
      case 'LQ':
        // LQ01 HE: a remark code (RARC); RX (an NCPDP reject reason) is not a RARC and is not kept.
        if (service && el(seg, 1) === 'HE') addRemarks(service.service, [required(at, 2, 'the remark code')]);
        break;
      case 'MOA':
      case 'MIA':
        if (claim) {
          const positions = seg.id === 'MOA' ? MOA_REMARKS : MIA_REMARKS;
          addRemarks(
            claim,
            positions.map((n) => el(seg, n)),
          );
        }
        break;
      case 'DTM':
        if (service) {
          const qualifier = el(seg, 1);
          if (qualifier === '472') service.dateOfService = date8(at, 2);
          else if (qualifier === '150') service.periodStart = date8(at, 2);
          else if (qualifier === '151') date8(at, 2); // the period end: checked, not kept (the model has one date)
        }
        break;
      case 'PLB':
        closeService();
        claim = undefined;
        loop = 'plb';
        providerAdjustments.push(...readPlb(at));
        break;
      default:
        break;
    }
  }
  closeService();

  if (!bpr) throw missingSegment('835', 'BPR', 'the payment');
  if (traceNumber === undefined) throw missingSegment('835', 'TRN', 'the check or EFT trace number');
  if (payerName === undefined) throw missingSegment('835', 'N1*PR', 'the payer');

  const remittance: Remittance = {
    traceNumber,
    paymentAmount: money(bpr, 2),
    handling: required(bpr, 1, 'the transaction handling code'),
    paymentMethod: required(bpr, 4, 'the payment method'),
    payerName,
    claims,
    providerAdjustments,
  };
  // BPR16 is left out rather than refused when it is not a calendar date (the public IG example managed-care.835
  // carries 20002316): the money and the claims are still right, only days-to-payment cannot be computed.
  const paymentDate = ccyymmddToIso(el(bpr.segment, 16));
  if (paymentDate !== undefined) remittance.paymentDate = paymentDate;
  if (payerId !== undefined) remittance.payerId = payerId;
  identify(originatingCompany);
  if (identifiers.length > 0) remittance.payerIdentifiers = identifiers;
  if (payeeName !== undefined) remittance.payeeName = payeeName;
  if (payeeNpi !== undefined) remittance.payeeNpi = payeeNpi;
  return remittance;
}

/** Appends the non-empty codes not yet on the payment (remarks stays absent while there are none). */
function addRemarks(payment: { remarks?: string[] }, codes: readonly string[]): void {
  for (const code of codes) {
    if (code === '' || payment.remarks?.includes(code)) continue;
    (payment.remarks ??= []).push(code);
  }
}

function readClp(at: Located): ClaimPayment {
  const claim: ClaimPayment = {
    controlNumber: required(at, 1, 'the claim control number'),
    status: required(at, 2, 'the claim status'),
    charge: money(at, 3),
    paid: money(at, 4),
    patientResponsibility: money(at, 5, '0.00'),
    adjustments: [],
    services: [],
  };
  const payerClaimNumber = el(at.segment, 7);
  if (payerClaimNumber !== '') claim.payerClaimNumber = payerClaimNumber;
  return claim;
}

/** CAS01 group, then reason/amount/quantity triplets; empty triplets are skipped. */
function readCas(at: Located): Adjustment[] {
  const group = el(at.segment, 1);
  if (!CAS_GROUPS.has(group as Adjustment['group'])) throw invalid(at, 1, 'is not an adjustment group (CO, PR, OA, PI, CR)');
  const out: Adjustment[] = [];
  for (let t = 0; t < CAS_TRIPLETS; t++) {
    const n = 2 + t * 3;
    const reason = el(at.segment, n);
    if (reason === '') {
      if (el(at.segment, n + 1) !== '') throw invalid(at, n, 'is empty but its amount is not');
      continue;
    }
    const adjustment: Adjustment = { group: group as Adjustment['group'], reason, amount: money(at, n + 1) };
    const qty = quantity(at, n + 2);
    if (qty !== undefined) adjustment.quantity = qty;
    out.push(adjustment);
  }
  if (out.length === 0) throw invalid(at, 2, 'is empty (a CAS needs at least one reason and amount)');
  return out;
}

/** SVC01 qualifier:code:mod1..mod4, SVC02 charge, SVC03 paid, SVC05 units paid, SVC06 code as submitted. */
function readSvc(at: Located): ServicePayment {
  required(at, 1, 'the procedure');
  const procedure = components(at.segment, 1);
  const service: ServicePayment = {
    code: procedure[1] ?? '',
    modifiers: procedure.slice(2, 6).filter((m) => m !== ''),
    charge: money(at, 2),
    paid: money(at, 3),
    adjustments: [],
  };
  const units = quantity(at, 5);
  if (units !== undefined) service.unitsPaid = units;
  const submitted = components(at.segment, 6)[1];
  if (submitted) service.submittedCode = submitted;
  return service;
}

/** PLB01 provider id and PLB02 fiscal period date (checked), then reason:reference + amount pairs. */
function readPlb(at: Located): ProviderAdjustment[] {
  required(at, 1, 'the provider identifier');
  date8(at, 2);
  const out: ProviderAdjustment[] = [];
  for (let p = 0; p < PLB_PAIRS; p++) {
    const n = 3 + p * 2;
    const [reason = '', reference = ''] = components(at.segment, n);
    if (reason === '') {
      if (el(at.segment, n + 1) !== '') throw invalid(at, n, 'is empty but its amount is not');
      continue;
    }
    const adjustment: ProviderAdjustment = { reason, amount: money(at, n + 1) };
    if (reference !== '') adjustment.reference = reference;
    out.push(adjustment);
  }
  if (out.length === 0) throw invalid(at, 3, 'is empty (a PLB needs at least one reason and amount)');
  return out;
}
