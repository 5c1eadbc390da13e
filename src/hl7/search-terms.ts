/**
 * The values a message is found by in the console's search, read leniently from the raw text: the
 * patient identifiers (PID-3 every repetition's first component, and PID-2's, the external id of v2.3 senders),
 * the family names (PID-5 every repetition's first component, its first subcomponent where v2.5+ splits it),
 * and the Rx numbers (RXE-15 and RXD-7 of every such segment). Pure; never throws: a message whose MSH cannot be
 * read has no terms. Values are unescaped and trimmed; empty ones are left out. These are patient data: the
 * store keeps only keyed hashes of them (src/store/search-index.ts).
 */
import { unescapeHl7, type Delimiters } from './escape';
import { mshStart, readDelimiters } from './peek';

export interface SearchTerms {
  patientIds: string[];
  familyNames: string[];
  rxNumbers: string[];
}

/** Where Rx numbers are read: segment and field (the first component). */
const RX_FIELDS: ReadonlyArray<readonly [string, number]> = [
  ['RXE', 15],
  ['RXD', 7],
];

export function searchTermsOf(text: string): SearchTerms {
  const terms: SearchTerms = { patientIds: [], familyNames: [], rxNumbers: [] };
  const start = mshStart(text);
  if (start < 0) return terms;
  let d: Delimiters;
  try {
    d = readDelimiters(text, start);
  } catch {
    return terms;
  }
  const value = (raw: string | undefined) => (raw === undefined || raw === '' ? '' : unescapeHl7(raw, d).trim());
  const firstComponent = (field: string) => field.split(d.component)[0] ?? '';
  for (const line of text.slice(start).split(/\r\n|\r|\n/)) {
    const name = line.slice(0, 3);
    if (line.charAt(3) !== d.field) continue;
    const fields = line.split(d.field);
    if (name === 'PID') {
      for (const field of [fields[2] ?? '', ...(fields[3] ?? '').split(d.repetition)]) push(terms.patientIds, value(firstComponent(field)));
      for (const rep of (fields[5] ?? '').split(d.repetition)) {
        push(terms.familyNames, value(firstComponent(rep).split(d.subcomponent)[0]));
      }
    }
    for (const [segment, field] of RX_FIELDS) {
      if (name === segment) push(terms.rxNumbers, value(firstComponent(fields[field] ?? '')));
    }
  }
  return terms;
}

function push(list: string[], v: string): void {
  if (v !== '' && !list.includes(v)) list.push(v);
}
