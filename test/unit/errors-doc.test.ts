/**
 * docs/errors.md and ERROR_CATALOGUE (src/core/errors.ts) must not drift apart: the summary table lists every
 * catalogue code once with the catalogue's retryable / HL7 0357 / HTTP values, every code has its own
 * `### \`CODE\`` section, and the page names no error code the catalogue does not have.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ERROR_CATALOGUE, type ErrorCode } from '../../src/core/errors';

const DOC_PATH = path.join(__dirname, '../../docs/errors.md');
const doc = fs.readFileSync(DOC_PATH, 'utf8');
const catalogueCodes = Object.keys(ERROR_CATALOGUE).sort();

/** Backticked words that look like error codes (capitals with at least one underscore, or one capital word). */
const CODE_LIKE = /`([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*)`/g;
/**
 * Backticked all-capital words on the page that are not error codes (environment variables, HL7 values).
 * Keep this list short: anything here is exempt from the drift check.
 */
const NOT_CODES = new Set([
  'ERROR_CATALOGUE', 'DATA_DIR', 'REDIS_URL', 'DATABASE_URL', 'RXBRIDGE_ADMIN_TOKEN', 'UTF8', 'ASCII', 'CP1252',
]);

interface TableRow { code: string; retryable: string; hl7: string; http: string }

function summaryRows(text: string): TableRow[] {
  const section = text.split(/^## /m).find((s) => s.startsWith('Summary'));
  if (!section) throw new Error('docs/errors.md has no "## Summary" section');
  const rows: TableRow[] = [];
  for (const line of section.split('\n')) {
    const m = /^\|\s*`([A-Z0-9_]+)`\s*\|\s*([^|]*?)\s*\|\s*([^|]*?)\s*\|\s*([^|]*?)\s*\|/.exec(line);
    if (m) rows.push({ code: m[1]!, retryable: m[2]!, hl7: m[3]!, http: m[4]! });
  }
  return rows;
}

function sectionCodes(text: string): string[] {
  return [...text.matchAll(/^### `([^`]+)`\s*$/gm)].map((m) => m[1]!);
}

describe('docs/errors.md matches ERROR_CATALOGUE', () => {
  const rows = summaryRows(doc);

  it('the summary table lists every catalogue code exactly once, and nothing else', () => {
    const codes = rows.map((r) => r.code);
    expect(new Set(codes).size).toBe(codes.length);
    expect([...codes].sort()).toEqual(catalogueCodes);
  });

  it.each(catalogueCodes)('%s has the catalogue values in the summary table', (code) => {
    const spec = ERROR_CATALOGUE[code as ErrorCode];
    const row = rows.find((r) => r.code === code);
    expect(row).toBeDefined();
    expect({ retryable: row!.retryable, hl7: row!.hl7, http: row!.http }).toEqual({
      retryable: spec.retryable ? 'yes' : 'no',
      hl7: spec.hl7,
      http: String(spec.http),
    });
  });

  it('every catalogue code has exactly one section, and every section is a catalogue code', () => {
    const sections = sectionCodes(doc);
    expect(new Set(sections).size).toBe(sections.length);
    expect([...sections].sort()).toEqual(catalogueCodes);
  });

  it('every code named anywhere on the page is in the catalogue', () => {
    const unknown = [...doc.matchAll(CODE_LIKE)]
      .map((m) => m[1]!)
      .filter((word) => word.includes('_') || word.length > 3) // short words (AR, CE, ERR…) are HL7 values
      .filter((word) => !NOT_CODES.has(word) && !Object.hasOwn(ERROR_CATALOGUE, word));
    expect([...new Set(unknown)]).toEqual([]);
  });

  it('the drift checks would notice a missing or an invented code', () => {
    const withoutFirst = doc.replace(/^\| `FRAME_NO_MSH` .*\n/m, '').replace(/^### `FRAME_NO_MSH`\s*$/m, '');
    expect(summaryRows(withoutFirst).map((r) => r.code).sort()).not.toEqual(catalogueCodes);
    expect(sectionCodes(withoutFirst).sort()).not.toEqual(catalogueCodes);
    const invented = `${doc}\n### \`NO_SUCH_CODE\`\n`;
    expect(sectionCodes(invented).sort()).not.toEqual(catalogueCodes);
  });
});
