/**
 * Provider files (pure): a CSV in the NPPES data dissemination layout (npidata_pfile_*.csv: "NPI",
 * "Entity Type Code", "Provider Last Name (Legal Name)", "Provider First Name",
 * "Provider Organization Name (Legal Business Name)", "Healthcare Provider Taxonomy Code_1".."_15" with
 * "Healthcare Provider Primary Taxonomy Switch_1".."_15", "NPI Deactivation Date", "NPI Reactivation Date", dates
 * MM/DD/YYYY; every other column is ignored), or a small layout of our own: npi,familyName,givenName,
 * organizationName,taxonomy[,deactivatedOn] (dates YYYY-MM-DD). The header line says which; header names are
 * matched without regard to case or surrounding spaces.
 *
 * Fed line by line (a quoted field may span lines); each record is a provider or a rejection with its line and
 * reason, so one bad row never stops an import and is never dropped silently. Rejected: an NPI failing its check
 * digit; no name (unless the row records a deactivation: NPPES publishes deactivated NPIs as the NPI and the date
 * only); a name holding an X12 separator; a taxonomy that is not a NUCC code; an unreadable date. The primary
 * taxonomy is the one whose switch is Y, else the first given. Runs of white space in names become one space;
 * organisation names are cut to 60 characters
 * (NM103), family names to 60 and given names to 35.
 */
import { npiProblem } from '../npi';
import type { ImportedProvider } from './directory';

export type ProviderLayout = 'nppes' | 'simple';

export interface ProviderRecord extends ImportedProvider {
  /** 1 person, 2 organisation (NPPES Entity Type Code), when known. */
  entityType?: '1' | '2';
  /** The line the record starts on (1-based). */
  line: number;
}

export type ProviderRow = { ok: true; record: ProviderRecord } | { ok: false; line: number; reason: string };

/** A file that cannot be read as a provider file at all (no or unknown header, unterminated quote). */
export class ProviderFileError extends Error {
  constructor(
    readonly line: number,
    readonly reason: string,
  ) {
    super(`line ${line}: ${reason}`);
    this.name = 'ProviderFileError';
  }
}

export const NPPES_COLUMNS = {
  npi: 'NPI',
  entityType: 'Entity Type Code',
  familyName: 'Provider Last Name (Legal Name)',
  givenName: 'Provider First Name',
  organizationName: 'Provider Organization Name (Legal Business Name)',
  deactivatedOn: 'NPI Deactivation Date',
  reactivatedOn: 'NPI Reactivation Date',
  taxonomy: (i: number) => `Healthcare Provider Taxonomy Code_${i}`,
  primarySwitch: (i: number) => `Healthcare Provider Primary Taxonomy Switch_${i}`,
} as const;

export const SIMPLE_COLUMNS = ['npi', 'familyName', 'givenName', 'organizationName', 'taxonomy', 'deactivatedOn'] as const;

const NPPES_TAXONOMY_SLOTS = 15;
const TAXONOMY = /^[0-9A-Z]{9}X$/;
const X12_SEPARATORS = /[*~:^|]/;

/** The fields of one CSV record (RFC 4180: commas, double quotes, "" inside quotes). */
export function splitCsvRecord(text: string): string[] {
  const fields: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      fields.push(field);
      field = '';
    } else field += ch;
  }
  fields.push(field);
  return fields;
}

/** Whether a record's text so far leaves a quoted field open (its next line continues it). */
function openQuote(text: string): boolean {
  let quotes = 0;
  for (let i = 0; i < text.length; i++) if (text[i] === '"') quotes++;
  return quotes % 2 === 1;
}

type Mapper = (fields: readonly string[], line: number) => ProviderRow;

/** Reads a provider file line by line: `line()` for each line, `end()` once after the last. */
export class ProviderFileReader {
  private mapper: Mapper | undefined;
  private pending: { text: string; line: number } | undefined;
  layout: ProviderLayout | undefined;

  line(text: string, number: number): ProviderRow[] {
    if (this.pending) {
      this.pending.text += `\n${text}`;
    } else {
      if (text.trim() === '') return [];
      this.pending = { text, line: number };
    }
    if (openQuote(this.pending.text)) return [];
    const record = this.pending;
    this.pending = undefined;
    const fields = splitCsvRecord(record.text);
    if (!this.mapper) {
      this.header(fields, record.line);
      return [];
    }
    return [this.mapper(fields, record.line)];
  }

  end(): ProviderRow[] {
    if (this.pending) throw new ProviderFileError(this.pending.line, 'a quoted field is never closed');
    if (!this.mapper) throw new ProviderFileError(1, 'the file is empty: expected a header line');
    return [];
  }

  private header(fields: readonly string[], line: number): void {
    const names = fields.map((f) => f.trim().toLowerCase());
    const at = (name: string) => names.indexOf(name.toLowerCase());
    if (at(NPPES_COLUMNS.npi) >= 0 && at(NPPES_COLUMNS.entityType) >= 0) {
      this.layout = 'nppes';
      this.mapper = nppesMapper(at);
      return;
    }
    if (at('npi') >= 0 && (at('familyName') >= 0 || at('organizationName') >= 0)) {
      this.layout = 'simple';
      this.mapper = simpleMapper(at);
      return;
    }
    throw new ProviderFileError(
      line,
      `not a provider file header: expected the NPPES layout ("${NPPES_COLUMNS.npi}", "${NPPES_COLUMNS.entityType}", ` +
        `"${NPPES_COLUMNS.familyName}", …) or ${SIMPLE_COLUMNS.join(',')}`,
    );
  }
}

function nppesMapper(at: (name: string) => number): Mapper {
  const col = {
    npi: at(NPPES_COLUMNS.npi),
    entityType: at(NPPES_COLUMNS.entityType),
    familyName: at(NPPES_COLUMNS.familyName),
    givenName: at(NPPES_COLUMNS.givenName),
    organizationName: at(NPPES_COLUMNS.organizationName),
    deactivatedOn: at(NPPES_COLUMNS.deactivatedOn),
    reactivatedOn: at(NPPES_COLUMNS.reactivatedOn),
  };
  const slots: Array<{ code: number; primary: number }> = [];
  for (let i = 1; i <= NPPES_TAXONOMY_SLOTS; i++) {
    const code = at(NPPES_COLUMNS.taxonomy(i));
    if (code >= 0) slots.push({ code, primary: at(NPPES_COLUMNS.primarySwitch(i)) });
  }
  return (fields, line) => {
    const get = (i: number) => (i >= 0 ? (fields[i] ?? '').trim() : '');
    const taxonomies = slots
      .map((s) => ({ code: get(s.code).toUpperCase(), primary: get(s.primary).toUpperCase() === 'Y' }))
      .filter((t) => t.code !== '');
    const entity = get(col.entityType);
    const person = entity !== '2';
    return toRecord(
      line,
      {
        npi: get(col.npi),
        entityType: entity === '1' || entity === '2' ? entity : undefined,
        familyName: person ? get(col.familyName) : '',
        givenName: person ? get(col.givenName) : '',
        organizationName: entity === '2' || (entity === '' && get(col.familyName) === '') ? get(col.organizationName) : '',
        taxonomy: (taxonomies.find((t) => t.primary) ?? taxonomies[0])?.code ?? '',
        deactivatedOn: get(col.deactivatedOn),
        reactivatedOn: get(col.reactivatedOn),
      },
      usDate,
    );
  };
}

function simpleMapper(at: (name: string) => number): Mapper {
  const cols = Object.fromEntries(SIMPLE_COLUMNS.map((c) => [c, at(c)])) as Record<(typeof SIMPLE_COLUMNS)[number], number>;
  return (fields, line) => {
    const get = (i: number) => (i >= 0 ? (fields[i] ?? '').trim() : '');
    return toRecord(
      line,
      {
        npi: get(cols.npi),
        familyName: get(cols.familyName),
        givenName: get(cols.givenName),
        organizationName: get(cols.organizationName),
        taxonomy: get(cols.taxonomy).toUpperCase(),
        deactivatedOn: get(cols.deactivatedOn),
        reactivatedOn: '',
      },
      isoDate,
    );
  };
}

interface RawRow {
  npi: string;
  entityType?: '1' | '2';
  familyName: string;
  givenName: string;
  organizationName: string;
  taxonomy: string;
  deactivatedOn: string;
  reactivatedOn: string;
}

function toRecord(line: number, raw: RawRow, readDate: (text: string) => string | undefined): ProviderRow {
  const reject = (reason: string): ProviderRow => ({ ok: false, line, reason });
  if (raw.npi === '') return reject('no NPI');
  const why = npiProblem(raw.npi);
  if (why) return reject(`NPI ${raw.npi} ${why}`);
  const dates: Partial<Record<'deactivatedOn' | 'reactivatedOn', string>> = {};
  for (const key of ['deactivatedOn', 'reactivatedOn'] as const) {
    if (raw[key] === '') continue;
    const date = readDate(raw[key]);
    if (!date)
      return reject(`NPI ${raw.npi}: ${key === 'deactivatedOn' ? 'deactivation' : 'reactivation'} date "${raw[key]}" is not a date`);
    dates[key] = date;
  }
  const oneLine = (text: string) => text.replace(/\s+/g, ' ').trim();
  const names = { familyName: oneLine(raw.familyName), givenName: oneLine(raw.givenName), organizationName: oneLine(raw.organizationName) };
  if (!names.familyName && !names.organizationName && !dates.deactivatedOn) {
    return reject(`NPI ${raw.npi} has no name (neither a last name nor an organization name)`);
  }
  if (Object.values(names).some((n) => X12_SEPARATORS.test(n)))
    return reject(`NPI ${raw.npi}: the name holds an X12 separator (* ~ : ^ |)`);
  if (raw.taxonomy && !TAXONOMY.test(raw.taxonomy)) return reject(`NPI ${raw.npi}: taxonomy "${raw.taxonomy}" is not a NUCC taxonomy code`);
  const record: ProviderRecord = { npi: raw.npi, line };
  if (raw.entityType) record.entityType = raw.entityType;
  if (names.familyName) record.familyName = names.familyName.slice(0, 60);
  if (names.givenName && names.familyName) record.givenName = names.givenName.slice(0, 35);
  if (names.organizationName && !names.familyName) record.organizationName = names.organizationName.slice(0, 60);
  if (raw.taxonomy) record.taxonomy = raw.taxonomy;
  Object.assign(record, dates);
  return { ok: true, record };
}

/** NPPES dates: MM/DD/YYYY → YYYY-MM-DD (also accepts YYYY-MM-DD). */
function usDate(text: string): string | undefined {
  const m = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec(text);
  return m ? isoDate(`${m[3]}-${m[1]!.padStart(2, '0')}-${m[2]!.padStart(2, '0')}`) : isoDate(text);
}

function isoDate(text: string): string | undefined {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) return undefined;
  const d = new Date(`${text}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === text ? text : undefined;
}
