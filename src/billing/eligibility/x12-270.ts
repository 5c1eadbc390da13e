/**
 * The 270 eligibility inquiry (005010X279A1) writer: inquiries to one payer → one interchange (ISA/GS, GS01 HS) with
 * one transaction set. Pure.
 *
 * Loops: 2000A information source (HL 20, the payer: NM1*PR with its payer id, PI), 2000B information receiver (HL 21,
 * the billing provider: NM1*1P with its NPI, XX), then per inquiry a 2000C subscriber (HL 22: TRN, NM1*IL with the
 * member id, MI, DMG, DTP*291) and, when the patient is not the subscriber, a 2000D dependent (HL 23) under it; the
 * EQ (service types, default 30 health benefit plan coverage) and the TRN go in the loop of the patient asked about
 * (2000C for the subscriber, 2000D for a dependent). TRN*1 carries the inquiry's trace (TRN02) and "9" + the
 * provider's tax id (TRN03): the 271 sends it back as TRN*2, so its answer finds its inquiry. BHT03 is the trace of
 * the file (the 9-digit interchange control number), BHT02 13 (request). Envelopes and control numbers as the 837P
 * (src/x12/envelope.ts, the sender's x12_counters); names and ids are cleaned by the X12 writer.
 */
import { EngineError } from '../../core/errors';
import { emitInterchange, interchangeControlNumber, x12Date, x12Time } from '../../x12/envelope';
import type { SegmentSink } from '../../x12/segment';
import { segment } from '../../x12/segment';
import { segmentTextWriter } from '../../x12/writer';
import type { BillingProvider, ControlNumbers, Interchange, Payer } from '../model';
import { envelopeOf } from '../x12-837p';

export const X279A1 = '005010X279A1';

/** A person named in an inquiry (2100C subscriber or 2100D dependent). */
export interface InquiryPerson {
  familyName: string;
  givenName: string | null;
  /** YYYY-MM-DD. */
  birthDate: string | null;
  /** M, F or U. */
  sex: string | null;
}

/** One question: is this patient covered by this payer on these dates? */
export interface EligibilityInquiry {
  /** TRN02: unique among our inquiries (the check's id as text); the 271 answers with it. */
  trace: string;
  subscriber: InquiryPerson & { memberId: string };
  /** The patient when not the subscriber (2000D), with the 837P relationship code. */
  dependent?: InquiryPerson & { relationship: string };
  /** DTP*291: one date (D8) or a range (RD8), YYYY-MM-DD. */
  serviceDates: { from: string; to: string };
  /** EQ01 service type codes; default ['30']. */
  serviceTypes?: readonly string[];
}

export interface Write270Options {
  /** Written after every "~". Default "\n". */
  lineBreak?: string;
}

const d8 = (iso: string): string => iso.replaceAll('-', '');

function dateSegment(dates: { from: string; to: string }) {
  return dates.from === dates.to
    ? segment('DTP', '291', 'D8', d8(dates.from))
    : segment('DTP', '291', 'RD8', `${d8(dates.from)}-${d8(dates.to)}`);
}

function demographics(p: InquiryPerson) {
  if (!p.birthDate) return [];
  return [segment('DMG', 'D8', d8(p.birthDate), p.sex && ['M', 'F'].includes(p.sex) ? p.sex : undefined)];
}

function checkInquiry(q: EligibilityInquiry): void {
  const problem = !q.trace
    ? 'an inquiry has no trace'
    : !q.subscriber.memberId
      ? `inquiry ${q.trace} has no member id`
      : !q.subscriber.familyName
        ? `inquiry ${q.trace} has no subscriber name`
        : q.dependent && !q.dependent.familyName
          ? `inquiry ${q.trace} has no patient name`
          : !/^\d{4}-\d{2}-\d{2}$/.test(q.serviceDates.from) || !/^\d{4}-\d{2}-\d{2}$/.test(q.serviceDates.to)
            ? `inquiry ${q.trace} has no date of service`
            : undefined;
  if (problem) throw new EngineError('ELIGIBILITY_INVALID', problem);
}

/** Every segment of the 270 interchange, pushed into `out`. ELIGIBILITY_INVALID when an inquiry lacks what the TR3 requires. */
function emit270(
  inquiries: readonly EligibilityInquiry[],
  payer: Payer,
  provider: BillingProvider,
  interchange: Interchange,
  control: ControlNumbers,
  now: Date,
  out: SegmentSink,
): void {
  if (inquiries.length === 0) throw new EngineError('ELIGIBILITY_INVALID', 'a 270 needs at least one inquiry');
  inquiries.forEach(checkInquiry);
  const traceOriginator = `9${provider.taxId.replace(/\D/g, '').padStart(9, '0')}`;
  emitInterchange(
    ...envelopeOf(interchange, control, now, 'HS', X279A1),
    [
      {
        id: '270',
        controlNumber: control.transactionSet,
        implementationReference: X279A1,
        emit(body) {
          body.push(segment('BHT', '0022', '13', interchangeControlNumber(control.interchange), x12Date(now), x12Time(now)));
          body.push(segment('HL', '1', undefined, '20', '1'));
          body.push(segment('NM1', 'PR', '2', payer.name, '', '', '', '', 'PI', payer.id));
          body.push(segment('HL', '2', '1', '21', '1'));
          body.push(segment('NM1', '1P', '2', provider.name, '', '', '', '', 'XX', provider.npi));
          let hl = 2;
          for (const q of inquiries) {
            const subscriberHl = String(++hl);
            const trn = segment('TRN', '1', q.trace, traceOriginator);
            const eq = (q.serviceTypes && q.serviceTypes.length > 0 ? q.serviceTypes : ['30']).map((t) => segment('EQ', t));
            body.push(segment('HL', subscriberHl, '2', '22', q.dependent ? '1' : '0'));
            if (!q.dependent) body.push(trn);
            const s = q.subscriber;
            body.push(segment('NM1', 'IL', '1', s.familyName, s.givenName ?? '', '', '', '', 'MI', s.memberId));
            for (const seg of demographics(s)) body.push(seg);
            body.push(dateSegment(q.serviceDates));
            if (!q.dependent) {
              for (const seg of eq) body.push(seg);
              continue;
            }
            const d = q.dependent;
            body.push(segment('HL', String(++hl), subscriberHl, '23', '0'));
            body.push(trn);
            body.push(segment('NM1', '03', '1', d.familyName, d.givenName ?? ''));
            for (const seg of demographics(d)) body.push(seg);
            body.push(dateSegment(q.serviceDates));
            for (const seg of eq) body.push(seg);
          }
        },
      },
    ],
    out,
  );
}

/** The 270 text for `inquiries` to one payer: one ISA/GS/ST. Throws ELIGIBILITY_INVALID (see emit270). */
export function write270(
  inquiries: readonly EligibilityInquiry[],
  payer: Payer,
  provider: BillingProvider,
  interchange: Interchange,
  control: ControlNumbers,
  now: Date,
  options: Write270Options = {},
): string {
  const writer = segmentTextWriter({ lineBreak: options.lineBreak ?? '\n' });
  emit270(inquiries, payer, provider, interchange, control, now, writer);
  return writer.text();
}
