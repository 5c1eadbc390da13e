/**
 * read271: one 271 eligibility response (005010X279A1) → one answer per patient asked about. Pure.
 *
 * The HL hierarchy is followed by HL03: 20 information source (the payer, NM1*PR), 21 information receiver,
 * 22 subscriber, 23 dependent. A subscriber or dependent loop is one answer: TRN*2 (TRN02 = the trace of our 270,
 * src/billing/eligibility/x12-270.ts) names the inquiry; NM1*IL NM109 is the member id the payer knows (it may differ
 * from the one asked about: a corrected id, Medicare's MBI); DTP at the 2100 level and after each EB (2110) give plan
 * and eligibility dates (291 plan, 307 eligibility, 346/347 plan begin/end, 356/357 eligibility begin/end; D8 or RD8);
 * EB01 says what the payer answers (1–5 active coverage, 6–8 inactive, R other or additional payer, whose 2120 NM1
 * names it between LS and LE); AAA says the request was rejected (AAA03 reason: 72 invalid member id, 75 subscriber
 * not found, …), at the answer's level or above it (payer, receiver), which then applies to every answer beneath.
 *
 * Errors: PAYER_FILE_INVALID naming the segment position and element (never a value) when a date is malformed or the
 * transaction set is not a 271.
 */
import { elementRepetitions } from '../../x12/segment';
import { ccyymmddToIso, el, invalid, locate, type Located, type ReadableTransactionSet } from '../remittance/segments';

/** EB01 codes (X12 code list 1390) the reader gives a meaning. */
export const ACTIVE_EB01 = new Set(['1', '2', '3', '4', '5']);
export const INACTIVE_EB01 = new Set(['6', '7', '8']);

/**
 * EB04 insurance types of a Medicare Secondary Payer answer (EB*R from Medicare): the payer named pays before
 * Medicare. 12 working aged, 13 end-stage renal disease, 14 no-fault, 15 workers' compensation, 41 black lung,
 * 42 veterans, 43 disabled beneficiary under 65 with a large group plan, 47 other liability.
 */
export const MSP_INSURANCE_TYPES = new Set(['12', '13', '14', '15', '41', '42', '43', '47']);

/** AAA03 reject reasons (code list 901) a biller meets most, in plain words; other codes are shown as given. */
export const AAA_REASONS: Readonly<Record<string, string>> = {
  '15': 'required application data missing',
  '41': 'authorization/access restrictions',
  '42': 'unable to respond at current time',
  '43': 'invalid/missing provider identification',
  '45': 'invalid/missing provider specialty',
  '47': 'invalid/missing provider state',
  '48': 'invalid/missing referring provider identification number',
  '50': 'provider ineligible for inquiries',
  '51': 'provider not on file',
  '52': 'service dates not within provider plan enrollment',
  '56': 'inappropriate date',
  '57': 'invalid/missing date(s) of service',
  '58': 'invalid/missing date of birth',
  '60': 'date of birth follows date(s) of service',
  '61': 'date of death precedes date(s) of service',
  '62': 'date of service not within allowable inquiry period',
  '63': 'date of service in future',
  '64': 'invalid/missing patient id',
  '65': 'invalid/missing patient name',
  '66': 'invalid/missing patient gender code',
  '67': 'patient not found',
  '68': 'duplicate patient id number',
  '71': 'patient birth date does not match that for the patient on the database',
  '72': 'invalid/missing subscriber/insured id',
  '73': 'invalid/missing subscriber/insured name',
  '74': 'invalid/missing subscriber/insured gender code',
  '75': 'subscriber/insured not found',
  '76': 'duplicate subscriber/insured id number',
  '78': 'subscriber/insured not in group/plan identified',
  '79': 'invalid participant identification',
  '80': 'no response received - transaction terminated',
  '97': 'invalid or missing provider address',
  T4: 'payer name or identifier missing',
};

export interface PlanDate {
  /** DTP01: 291 plan, 307 eligibility, 346 plan begin, 347 plan end, 356 eligibility begin, 357 eligibility end, … */
  qualifier: string;
  /** YYYY-MM-DD; for RD8 the first day. */
  from: string;
  /** YYYY-MM-DD; for RD8 the last day, else equal to `from`. */
  to: string;
}

export interface Rejection {
  /** Where the AAA stood: the payer (2000A/2100A), the receiver (2100B), or the patient's own loop. */
  level: 'source' | 'receiver' | 'subscriber' | 'dependent';
  /** AAA01: Y the request was valid but could not be answered, N it was not valid. */
  validRequest: string;
  /** AAA03 reject reason code. */
  reason: string;
  /** AAA03 in words (AAA_REASONS), or the code. */
  reasonText: string;
  /** AAA04 follow-up action: C correct and resubmit, N do not resubmit, R resubmit, … */
  followUp: string;
}

export interface OtherPayer {
  /** 2120 NM101: PRP primary payer, SEP secondary, TTP tertiary, PR payer, … */
  entity: string;
  name?: string;
  /** NM109 (PI payer id, or another qualifier's id). */
  id?: string;
}

export interface Benefit {
  /** EB01. */
  code: string;
  /** EB03 service type codes. */
  serviceTypes: string[];
  /** EB04 insurance type code. */
  insuranceType?: string;
  /** EB05 plan coverage description. */
  planDescription?: string;
  /** DTP after the EB (2110). */
  dates: PlanDate[];
  /** 2120 NM1 (for EB*R: the other payer). */
  otherPayers: OtherPayer[];
}

/** What one payer answered about one patient. */
export interface EligibilityAnswer {
  /** TRN*2 TRN02: the trace of our inquiry; undefined when the payer sent none. */
  trace?: string;
  level: 'subscriber' | 'dependent';
  payer: { name?: string; id?: string };
  /** 2100C NM1*IL NM109: the member id the payer knows. */
  memberId?: string;
  /** 2100C/2100D DTP. */
  dates: PlanDate[];
  benefits: Benefit[];
  /** AAA at this answer's level or above it. */
  rejections: Rejection[];
}

export interface Eligibility271 {
  answers: EligibilityAnswer[];
  /** AAA at the payer or receiver level of a 271 that holds no patient loop (the whole inquiry was rejected). */
  rejections: Rejection[];
}

function planDate(at: Located): PlanDate {
  const format = el(at.segment, 2);
  const value = el(at.segment, 3);
  const qualifier = el(at.segment, 1);
  if (format === 'D8') {
    const d = ccyymmddToIso(value);
    if (!d) throw invalid(at, 3, 'is not a CCYYMMDD date');
    return { qualifier, from: d, to: d };
  }
  if (format === 'RD8') {
    const [a, b] = value.split('-');
    const from = a === undefined ? undefined : ccyymmddToIso(a);
    const to = b === undefined ? undefined : ccyymmddToIso(b);
    if (!from || !to) throw invalid(at, 3, 'is not a CCYYMMDD-CCYYMMDD range');
    return { qualifier, from, to };
  }
  throw invalid(at, 2, 'is not D8 or RD8');
}

function rejection(at: Located, level: Rejection['level']): Rejection {
  const reason = el(at.segment, 3);
  return { level, validRequest: el(at.segment, 1), reason, reasonText: AAA_REASONS[reason] ?? reason, followUp: el(at.segment, 4) };
}

/** Reads one 271 transaction set (see the module comment). */
export function read271(ts: ReadableTransactionSet): Eligibility271 {
  const answers: EligibilityAnswer[] = [];
  const above: Rejection[] = [];
  let payer: EligibilityAnswer['payer'] = {};
  let level: 'source' | 'receiver' | 'subscriber' | 'dependent' = 'source';
  let answer: EligibilityAnswer | undefined;
  let subscriberMemberId: string | undefined;
  let benefit: Benefit | undefined;
  let inLs = false;
  for (const at of locate(ts, '271')) {
    const s = at.segment;
    switch (s.id) {
      case 'HL': {
        const code = el(s, 3);
        benefit = undefined;
        inLs = false;
        if (code === '20') {
          level = 'source';
          payer = {};
          answer = undefined;
        } else if (code === '21') {
          level = 'receiver';
          answer = undefined;
        } else if (code === '22' || code === '23') {
          level = code === '22' ? 'subscriber' : 'dependent';
          if (code === '22') subscriberMemberId = undefined;
          answer = {
            level,
            payer: { ...payer },
            ...(code === '23' && subscriberMemberId ? { memberId: subscriberMemberId } : {}),
            dates: [],
            benefits: [],
            rejections: above.filter((r) => r.level === 'source' || r.level === 'receiver'),
          };
          answers.push(answer);
        }
        break;
      }
      case 'TRN':
        if (answer && el(s, 1) === '2' && el(s, 2)) answer.trace = el(s, 2);
        break;
      case 'NM1': {
        const entity = el(s, 1);
        const name = [el(s, 3), el(s, 4)].filter(Boolean).join(', ') || undefined;
        const id = el(s, 9) || undefined;
        if (inLs && benefit) {
          benefit.otherPayers.push({ entity, ...(name ? { name } : {}), ...(id ? { id } : {}) });
        } else if (level === 'source' && entity === 'PR') {
          payer = { ...(el(s, 3) ? { name: el(s, 3) } : {}), ...(id ? { id } : {}) };
        } else if (answer && level === 'subscriber' && entity === 'IL' && id) {
          answer.memberId = id;
          subscriberMemberId = id;
        }
        break;
      }
      case 'AAA': {
        const r = rejection(at, level);
        if (answer) answer.rejections.push(r);
        else above.push(r);
        break;
      }
      case 'DTP': {
        const d = planDate(at);
        if (benefit) benefit.dates.push(d);
        else if (answer) answer.dates.push(d);
        break;
      }
      case 'EB': {
        if (!answer) break;
        const serviceTypes = elementRepetitions(s, 3)
          .map((rep) => (rep[0] ?? '').trim())
          .filter(Boolean);
        benefit = {
          code: el(s, 1),
          serviceTypes,
          ...(el(s, 4) ? { insuranceType: el(s, 4) } : {}),
          ...(el(s, 5) ? { planDescription: el(s, 5) } : {}),
          dates: [],
          otherPayers: [],
        };
        answer.benefits.push(benefit);
        inLs = false;
        break;
      }
      case 'LS':
        inLs = true;
        break;
      case 'LE':
        inLs = false;
        break;
      default:
        break;
    }
  }
  return { answers, rejections: answers.length === 0 ? above : [] };
}
