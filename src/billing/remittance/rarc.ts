/**
 * What the most common Remittance Advice Remark Codes (RARC: LQ*HE, MOA and MIA of an 835) mean, in short words for
 * the denials report. Not the full list (over a thousand codes, maintained by CMS and revised three times a year): a
 * code not here is shown by its code alone. An RARC explains a CARC further; it never stands for an adjustment itself.
 */
const RARC: Readonly<Record<string, string>> = {
  M15: 'separately billed services or tests were bundled: they are part of another service',
  M20: 'the HCPCS code is missing or incomplete',
  M51: 'procedure code missing, incomplete or invalid',
  MA04: 'secondary payment cannot be considered without the primary payer information',
  MA130: 'the claim has incomplete or invalid information and cannot be appealed: correct it and submit a new claim',
  N4: 'the prior insurer payment or explanation of benefits is missing, incomplete or invalid',
  N20: 'service not payable with another service on the same day',
  N130: "see the plan's benefit rules (consult plan documents)",
  N290: 'the rendering provider identifier is missing, incomplete or invalid',
  N362: 'the days or units of service exceed the maximum the payer accepts',
  N425: 'statutorily excluded service(s)',
  N522: 'duplicate of a claim processed, or to be processed, as a crossover claim',
  N657: 'should be billed with the code that fits the service given',
};

/** The meaning of an RARC, or undefined when this short table does not have it. */
export function rarcMeaning(code: string): string | undefined {
  return RARC[code];
}
