/** HL7 XCN (a provider) → a FHIR Reference by identifier, with the name as display. Pure. */
import { compact, str } from './hl7-values';

export interface Reference {
  reference?: string;
  identifier?: { system?: string; value: string };
  display?: string;
}

export const NPI_SYSTEM = 'http://hl7.org/fhir/sid/us-npi';

/** XCN components 1..13 → Reference; an id typed NPI (XCN.13) gets the NPI system. Undefined without id and name. */
export function providerReference(xcn: readonly string[]): Reference | undefined {
  const [id = '', family = '', given = ''] = xcn;
  const type = (xcn[12] ?? '').toUpperCase();
  const display = str([given, family].filter(Boolean).join(' '));
  if (!id && !display) return undefined;
  return compact({
    identifier: id ? compact({ system: type === 'NPI' ? NPI_SYSTEM : undefined, value: id }) : undefined,
    display,
  });
}

/** A reference to a provider known only by NPI. */
export function npiReference(npi: string | null): Reference | undefined {
  return npi ? { identifier: { system: NPI_SYSTEM, value: npi } } : undefined;
}
