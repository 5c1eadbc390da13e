/**
 * HL7 v2 values → FHIR R4 datatypes. Pure. Every function returns undefined for an empty or unusable value, so a
 * builder leaves the element out instead of sending an empty one (FHIR forbids empty elements and strings).
 */
import { hl7Date } from '../mappings/dates';
import { applyFunctions } from '../mappings/functions';

/** HL7 coding-system names (CE.3/CWE.3) → FHIR system URIs. Others: `urn:hl7v2:table:<name>` is never invented. */
const SYSTEMS: Readonly<Record<string, string>> = {
  CVX: 'http://hl7.org/fhir/sid/cvx',
  NDC: 'http://hl7.org/fhir/sid/ndc',
  N4: 'http://hl7.org/fhir/sid/ndc',
  MVX: 'http://hl7.org/fhir/sid/mvx',
  NCIT: 'http://ncimeta.nci.nih.gov',
  UCUM: 'http://unitsofmeasure.org',
  SCT: 'http://snomed.info/sct',
  SNM: 'http://snomed.info/sct',
  LN: 'http://loinc.org',
  RXNORM: 'http://www.nlm.nih.gov/research/umls/rxnorm',
  HL70162: 'http://terminology.hl7.org/CodeSystem/v2-0162',
  HL70163: 'http://terminology.hl7.org/CodeSystem/v2-0163',
  HL70064: 'http://terminology.hl7.org/CodeSystem/v2-0064',
  NIP001: 'urn:oid:2.16.840.1.114222.4.5.274',
  NIP002: 'urn:oid:2.16.840.1.114222.4.5.274',
  CPT: 'http://www.ama-assn.org/go/cpt',
  C4: 'http://www.ama-assn.org/go/cpt',
  HCPCS: 'https://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets',
  HC: 'https://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets',
  I10: 'http://hl7.org/fhir/sid/icd-10-cm',
  'ICD-10-CM': 'http://hl7.org/fhir/sid/icd-10-cm',
};

/** The FHIR system URI of an HL7 coding-system name; undefined when it is not a known public system. */
export function systemUri(name: string): string | undefined {
  return SYSTEMS[name.trim().toUpperCase()];
}

export interface Coding {
  system?: string;
  code?: string;
  display?: string;
}
export interface CodeableConcept {
  coding?: Coding[];
  text?: string;
}

function coding(code: string, display: string, system: string): Coding | undefined {
  if (code === '') return undefined;
  const c: Coding = {};
  const uri = systemUri(system);
  if (uri) c.system = uri;
  c.code = system.trim().toUpperCase() === 'NDC' || system.trim().toUpperCase() === 'N4' ? (ndc11(code) ?? code) : code;
  if (display !== '') c.display = display;
  return c;
}

/**
 * A CE/CWE (identifier, text, system, alternate identifier, text, system) → CodeableConcept with one coding per
 * triplet that has a code; text alone gives `text`. Undefined when all six are empty.
 */
export function codeableConcept(parts: readonly string[]): CodeableConcept | undefined {
  const [c1 = '', t1 = '', s1 = '', c2 = '', t2 = '', s2 = ''] = parts;
  const codings = [coding(c1, t1, s1), coding(c2, t2, s2)].filter((c): c is Coding => c !== undefined);
  if (codings.length > 0) return { coding: codings };
  const text = t1 || t2;
  return text ? { text } : undefined;
}

/** NDC in any hyphenated form → 11 digits; undefined when it is not an NDC. */
export function ndc11(value: string): string | undefined {
  try {
    return applyFunctions(['ndc11'], value) || undefined;
  } catch {
    return undefined;
  }
}

const HL7_TS = /^\d{4}(\d{2}(\d{2}(\d{2}(\d{2}(\d{2}(\.\d{1,4})?)?)?)?)?)?([+-]\d{4})?$/;

/**
 * HL7 DT/TS/DTM → FHIR dateTime. Year, year-month and date precision stay as sent (a TS with a day only is a FHIR
 * date, as in CDC guides); with a time, FHIR needs an offset: the sender's, else UTC (as the mappings' `datetime`).
 */
export function fhirDateTime(value: string): string | undefined {
  const v = value.trim();
  const m = HL7_TS.exec(v);
  if (!m) return undefined;
  const digits = v.replace(/[+-]\d{4}$/, '').replace(/\..*$/, '');
  if (digits.length === 4) return v.slice(0, 4);
  if (digits.length === 6) return /^(0[1-9]|1[0-2])$/.test(v.slice(4, 6)) ? `${v.slice(0, 4)}-${v.slice(4, 6)}` : undefined;
  if (digits.length === 8) return hl7Date(v.slice(0, 8));
  try {
    return applyFunctions(['datetime'], v);
  } catch {
    return undefined;
  }
}

/** HL7 DT/TS → FHIR date (YYYY-MM-DD). */
export function fhirDate(value: string): string | undefined {
  return hl7Date(value.trim());
}

/** A decimal text FHIR accepts as a JSON number (exact for the short decimals HL7 carries); undefined otherwise. */
export function fhirDecimal(value: string): number | undefined {
  const v = value.trim();
  if (!/^[+-]?\d+(\.\d+)?$/.test(v)) return undefined;
  const n = Number(v);
  return Number.isFinite(n) ? n : undefined;
}

/** A FHIR string: undefined for '' (FHIR has no empty strings). */
export function str(value: string | null | undefined): string | undefined {
  const v = value?.trim();
  return v ? v : undefined;
}

/** Drops undefined members (and empty arrays) so JSON carries no empty elements. Shallow. */
export function compact<T extends object>(o: T): T {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) {
    if (v === undefined || v === null) continue;
    if (Array.isArray(v) && v.length === 0) continue;
    out[k] = v;
  }
  return out as T;
}
