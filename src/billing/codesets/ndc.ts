/**
 * FDA NDC Directory `package.txt` (public; DOMAIN.md §5): tab-delimited, first line a header naming the columns
 * (PRODUCTID, PRODUCTNDC, NDCPACKAGECODE, PACKAGEDESCRIPTION, STARTMARKETINGDATE, ENDMARKETINGDATE,
 * NDC_EXCLUDE_FLAG, SAMPLE_PACKAGE). Columns are found by name, in any order; NDCPACKAGECODE and
 * PACKAGEDESCRIPTION are required, the dates and the exclude flag optional.
 *
 * NDCPACKAGECODE is the hyphenated 10-digit NDC (4-4-2, 5-3-2 or 5-4-1): the hyphens say which segment gets the
 * leading zero of the 11-digit 5-4-2 form billing needs. The conversion is the mapping language's `ndc11`
 * function (src/mappings/functions.ts), so a charge and the directory agree on every NDC.
 * A package is in force from its marketing start date through its marketing end date (YYYYMMDD; blank: open).
 * billable is false when NDC_EXCLUDE_FLAG is present and not N (assumption: the excluded-products file marks
 * its rows with a non-N flag; the main directory has N).
 */
import { MAPPING_FUNCTIONS } from '../../mappings/functions';
import { CodeSetFormatError, compactDate, type CodeSetParser } from './types';

const ndc11 = MAPPING_FUNCTIONS.ndc11!;

/** A hyphenated NDC (or 11 digits) → 11 digits; a CodeSetFormatError on `lineNumber` otherwise. */
export function packageNdc11(value: string, lineNumber: number): string {
  try {
    return ndc11(value);
  } catch (err) {
    throw new CodeSetFormatError(lineNumber, `NDCPACKAGECODE "${value.trim()}" ${(err as Error).message}`);
  }
}

const COLUMNS = {
  ndc: 'NDCPACKAGECODE',
  description: 'PACKAGEDESCRIPTION',
  start: 'STARTMARKETINGDATE',
  end: 'ENDMARKETINGDATE',
  exclude: 'NDC_EXCLUDE_FLAG',
} as const;

export function ndcPackageParser(): CodeSetParser {
  let index: Partial<Record<keyof typeof COLUMNS, number>> | undefined;
  let width = 0;
  return {
    line(text, lineNumber) {
      if (text.trim() === '') return [];
      const cells = text.split('\t');
      if (!index) {
        const names = cells.map((c) => c.trim().toUpperCase());
        index = {};
        for (const [key, name] of Object.entries(COLUMNS)) {
          const at = names.indexOf(name);
          if (at >= 0) index[key as keyof typeof COLUMNS] = at;
        }
        if (index.ndc === undefined || index.description === undefined) {
          throw new CodeSetFormatError(
            lineNumber,
            'the header (tab-delimited) must name NDCPACKAGECODE and PACKAGEDESCRIPTION: is this the FDA package.txt?',
          );
        }
        width = cells.length;
        return [];
      }
      if (cells.length !== width) {
        throw new CodeSetFormatError(lineNumber, `has ${cells.length} tab-separated columns; the header has ${width}`);
      }
      const cell = (key: keyof typeof COLUMNS): string => (index![key] === undefined ? '' : cells[index![key]!]!.trim());
      const exclude = cell('exclude').toUpperCase();
      return [
        {
          code: packageNdc11(cell('ndc'), lineNumber),
          validFrom: compactDate(cell('start'), lineNumber, 'STARTMARKETINGDATE'),
          validTo: compactDate(cell('end'), lineNumber, 'ENDMARKETINGDATE'),
          billable: exclude === '' || exclude === 'N',
          description: cell('description') || null,
        },
      ];
    },
    end() {
      if (!index) throw new CodeSetFormatError(0, 'the file is empty (no header line)');
      return [];
    },
  };
}
