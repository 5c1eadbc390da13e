/**
 * What the most common Claim Adjustment Reason Codes (CARC, CAS02 of an 835) mean, in short words for the denials
 * report. Not the full X12 list (about 300 codes, maintained by X12 and revised three times a year): a code not here
 * is shown by its number alone. Group codes (CAS01) are separate: CO contractual, PR patient, OA other, PI payer
 * initiated, CR correction/reversal.
 */
const CARC: Readonly<Record<string, string>> = {
  '1': 'deductible amount',
  '2': 'coinsurance amount',
  '3': 'co-payment amount',
  '4': 'procedure code inconsistent with the modifier, or a required modifier is missing',
  '5': 'procedure code or bill type inconsistent with the place of service',
  '6': "procedure or revenue code inconsistent with the patient's age",
  '7': "procedure or revenue code inconsistent with the patient's gender",
  '11': 'diagnosis inconsistent with the procedure',
  '15': 'authorization number missing, invalid or does not apply',
  '16': 'claim or service lacks information or has submission/billing errors',
  '18': 'exact duplicate claim or service',
  '22': 'care may be covered by another payer (coordination of benefits)',
  '23': 'impact of prior payer(s) adjudication, including payments and adjustments',
  '24': 'charges covered under a capitation agreement or managed care plan',
  '26': 'expenses incurred before coverage',
  '27': 'expenses incurred after coverage terminated',
  '29': 'the time limit for filing has expired',
  '31': 'patient cannot be identified as our insured',
  '45': 'charge exceeds fee schedule or maximum allowable amount',
  '49': 'non-covered routine service or screening',
  '50': 'non-covered service: not deemed a medical necessity by the payer',
  '59': 'processed under multiple or concurrent procedure rules',
  '96': 'non-covered charge(s)',
  '97': 'benefit included in the payment for another service already adjudicated',
  '109': 'claim or service not covered by this payer or contractor',
  '119': 'benefit maximum for this time period or occurrence has been reached',
  '151': 'payment adjusted: the payer deems the information submitted does not support this many or this frequency of services',
  '167': 'diagnosis is not covered',
  '181': 'procedure code was invalid on the date of service',
  '197': 'precertification, authorization or notification absent',
  '204': "service, equipment or drug not covered under the patient's current benefit plan",
  '242': 'services not provided by network or primary care providers',
  '253': 'sequestration: reduction of federal payment',
};

/** The meaning of a CARC, or undefined when this short table does not have it. */
export function carcMeaning(code: string): string | undefined {
  return CARC[code];
}
