/**
 * Code tables the scrub rules read (DOMAIN.md §3, §4): code numbers and our own short glosses only, never CPT
 * descriptors. These are not payer-specific (payer-specific data lives in billing/payer-rules/*.yaml). The
 * lists marked SAMPLE are the codes a community pharmacy commonly bills, not complete public lists: extend
 * them as the pharmacy bills more codes.
 */

/**
 * SAMPLE: CLIA-waived test codes a pharmacy runs (the CMS waived-test list is the authority). They need the
 * QW modifier, except those on CMS's "no QW needed" list below.
 */
export const CLIA_WAIVED_TESTS: ReadonlySet<string> = new Set([
  '80061', // lipid panel
  '82465', // total cholesterol
  '82947', // glucose, quantitative
  '83036', // hemoglobin A1c
  '83718', // HDL cholesterol
  '84478', // triglycerides
  '85610', // prothrombin time (INR)
  '87426', // SARS-CoV antigen, immunoassay
  '87428', // SARS-CoV and influenza A/B antigen
  '87804', // influenza antigen
  '87807', // RSV antigen
  '87811', // SARS-CoV-2 antigen
  '87880', // strep A antigen
  // waived, but on the no-QW list:
  '81002',
  '81025',
  '82270',
  '82272',
  '82962',
  '83026',
  '84830',
  '85013',
  '85651',
]);

/** CMS: waived tests that are billed without QW (DOMAIN.md §3). */
export const NO_QW_NEEDED: ReadonlySet<string> = new Set(['81002', '81025', '82270', '82272', '82962', '83026', '84830', '85013', '85651']);

/** Add-on code → the primary codes one of which must be billed on the same date of service. */
export const ADD_ON_PRIMARIES: Readonly<Record<string, readonly string[]>> = {
  '99607': ['99605', '99606'], // MTM each extra 15 min
  '90472': ['90471', '90473'], // each additional vaccine (injection)
  '90474': ['90473', '90471'], // each additional vaccine (intranasal/oral)
  M0201: ['G0008', 'G0009', 'G0010', '90480'], // Medicare in-home vaccine administration
};

/** Initial-service codes of which at most one unit in total may be billed per date of service. */
export const INITIAL_CODE_GROUPS: ReadonlyArray<{ codes: readonly string[]; additional: string }> = [
  { codes: ['90471', '90473'], additional: '90472 or 90474' },
  { codes: ['99605', '99606'], additional: '99607' },
];

export type VaccineGroup = 'FLU' | 'PNEUMO' | 'HEPB' | 'COVID' | 'OTHER';

/** Vaccine administration codes and which products they pair with. */
export const VACCINE_ADMIN: Readonly<Record<string, { pairsWith: 'COVID' | 'NON_COVID'; medicareGroup?: VaccineGroup }>> = {
  '90471': { pairsWith: 'NON_COVID' },
  '90472': { pairsWith: 'NON_COVID' },
  '90473': { pairsWith: 'NON_COVID' },
  '90474': { pairsWith: 'NON_COVID' },
  G0008: { pairsWith: 'NON_COVID', medicareGroup: 'FLU' },
  G0009: { pairsWith: 'NON_COVID', medicareGroup: 'PNEUMO' },
  G0010: { pairsWith: 'NON_COVID', medicareGroup: 'HEPB' },
  '90480': { pairsWith: 'COVID' },
};

/** The CPT "first/additional" administration codes Medicare does not pay for flu, pneumococcal and hep B. */
export const CPT_VACCINE_ADMIN: ReadonlySet<string> = new Set(['90471', '90472', '90473', '90474']);

/** Medicare's administration code per vaccine group (one per product). */
export const MEDICARE_ADMIN_FOR_GROUP: Readonly<Partial<Record<VaccineGroup, string>>> = {
  FLU: 'G0008',
  PNEUMO: 'G0009',
  HEPB: 'G0010',
};

/** SAMPLE: vaccine product codes → group. A line with serviceKind vaccine-product not listed here is OTHER. */
export const VACCINE_PRODUCTS: Readonly<Record<string, VaccineGroup>> = {
  ...groupOf('FLU', [
    '90630',
    '90653',
    '90654',
    '90655',
    '90656',
    '90657',
    '90658',
    '90660',
    '90661',
    '90662',
    '90672',
    '90673',
    '90674',
    '90682',
    '90685',
    '90686',
    '90687',
    '90688',
    '90694',
    '90756',
    'Q2035',
    'Q2036',
    'Q2037',
    'Q2038',
    'Q2039',
  ]),
  ...groupOf('PNEUMO', ['90670', '90671', '90677', '90684', '90732']),
  ...groupOf('HEPB', ['90739', '90740', '90743', '90744', '90746', '90747', '90759']),
  ...groupOf('COVID', ['91304', '91318', '91319', '91320', '91321', '91322']),
  ...groupOf('OTHER', [
    '90619',
    '90620',
    '90621',
    '90632',
    '90636',
    '90651',
    '90678',
    '90679',
    '90707',
    '90714',
    '90715',
    '90716',
    '90734',
    '90750',
  ]),
};

/**
 * Vaccine products licensed for part of the age range only: the ages (whole years on the date of service) in the
 * FDA prescribing information of the product the code describes. Not payer-specific, so ours rather than a
 * payer rule; not in the MCE lists either (those are diagnoses). SAMPLE: extend as the pharmacy bills more.
 */
export const PRODUCT_AGES: Readonly<Record<string, { from?: number; to?: number; product: string }>> = {
  '90662': { from: 65, product: 'high-dose influenza vaccine' },
  '90685': { to: 2, product: 'influenza vaccine, 0.25 mL dose for 6 through 35 months' },
  '90687': { to: 2, product: 'influenza vaccine, 0.25 mL dose for 6 through 35 months' },
};

function groupOf(group: VaccineGroup, codes: readonly string[]): Record<string, VaccineGroup> {
  return Object.fromEntries(codes.map((c) => [c, group]));
}

/** CMS place-of-service codes (public). */
export const PLACES_OF_SERVICE: ReadonlySet<string> = new Set([
  '01',
  '02',
  '03',
  '04',
  '05',
  '06',
  '07',
  '08',
  '09',
  '10',
  '11',
  '12',
  '13',
  '14',
  '15',
  '16',
  '17',
  '18',
  '19',
  '20',
  '21',
  '22',
  '23',
  '24',
  '25',
  '26',
  '27',
  '31',
  '32',
  '33',
  '34',
  '41',
  '42',
  '49',
  '50',
  '51',
  '52',
  '53',
  '54',
  '55',
  '56',
  '57',
  '58',
  '60',
  '61',
  '62',
  '65',
  '66',
  '71',
  '72',
  '81',
  '99',
]);

/** SBR09 claim filing indicator codes (837P 005010). */
export const FILING_INDICATOR_CODES = [
  '11',
  '12',
  '13',
  '14',
  '15',
  '16',
  '17',
  'AM',
  'BL',
  'CH',
  'CI',
  'DS',
  'FI',
  'HM',
  'LM',
  'MA',
  'MB',
  'MC',
  'OF',
  'TV',
  'VA',
  'WC',
  'ZZ',
] as const;

/** The same codes, for lookups. */
export const FILING_INDICATORS: ReadonlySet<string> = new Set(FILING_INDICATOR_CODES);

/** Patient relationship to the subscriber: 18 self (SBR02), else PAT01. */
export const RELATIONSHIP_CODES: ReadonlySet<string> = new Set(['18', '01', '19', '20', '21', '39', '40', '53', 'G8']);

/** SAMPLE: NUCC taxonomy codes pharmacies and pharmacists bill under (check others against the NUCC list). */
export const KNOWN_TAXONOMIES: ReadonlySet<string> = new Set([
  '333600000X', // pharmacy
  '3336C0002X', // clinic pharmacy
  '3336C0003X', // community/retail pharmacy
  '3336C0004X', // compounding pharmacy
  '3336H0001X', // home infusion therapy pharmacy
  '3336I0012X', // institutional pharmacy
  '3336L0003X', // long term care pharmacy
  '3336M0002X', // mail order pharmacy
  '3336N0007X', // nuclear pharmacy
  '3336S0011X', // specialty pharmacy
  '183500000X', // pharmacist
  '1835P1300X', // pharmacist, pharmacotherapy
  '1835G0303X', // pharmacist, geriatric
  '1835P0018X', // pharmacist clinician
]);

/** CTP05-01 units of measure for NDC quantities. */
export const NDC_UNITS: ReadonlySet<string> = new Set(['F2', 'GR', 'ME', 'ML', 'UN']);

/** Modifiers that are valid only on some codes (a modifier not listed here is not restricted by code). */
export const MODIFIER_APPLIES_TO: Readonly<Record<string, { applies(code: string): boolean; to: string }>> = {
  QW: { applies: (code) => CLIA_WAIVED_TESTS.has(code), to: 'CLIA-waived test codes' },
  '25': { applies: isEvaluationAndManagement, to: 'evaluation and management codes (99202-99499)' },
  SL: {
    applies: (code) =>
      Object.prototype.hasOwnProperty.call(VACCINE_PRODUCTS, code) || Object.prototype.hasOwnProperty.call(VACCINE_ADMIN, code),
    to: 'vaccine product and administration codes',
  },
};

function isEvaluationAndManagement(code: string): boolean {
  if (!/^\d{5}$/.test(code)) return false;
  const n = Number(code);
  return n >= 99202 && n <= 99499;
}

/** A line's vaccine group when it bills a vaccine product (by code, or by service kind: then OTHER if unknown). */
export function vaccineGroupOf(line: { code: string; serviceKind: string }): VaccineGroup | undefined {
  const known = Object.prototype.hasOwnProperty.call(VACCINE_PRODUCTS, line.code) ? VACCINE_PRODUCTS[line.code] : undefined;
  return known ?? (line.serviceKind === 'vaccine-product' ? 'OTHER' : undefined);
}
