/**
 * Code-set loaders (DOMAIN.md §5): which parser reads which kind of file. Every loader is pure and line-oriented
 * except the YAML form of our CPT list, which is small and parsed whole (isWholeFileFormat).
 *   icd10cm  ICD-10-CM order file            ./icd10cm.ts
 *   hcpcs    CMS alpha-numeric HCPCS file    ./hcpcs.ts (needs the release's record layout)
 *   ndc      FDA NDC package.txt             ./ndc.ts
 *   cvx      CDC cvx.txt                     ./cvx.ts
 *   cpt      our own CPT list, YAML or CSV   ./cpt-local.ts
 */
import { cptLocalCsvParser } from './cpt-local';
import type { EditKind, EditParser } from './edits';
import { mceListParser } from './mce';
import { muePracticeParser } from './mue';
import { ncciPtpParser } from './ncci';
import { cvxParser } from './cvx';
import { hcpcsParser, type HcpcsLayout } from './hcpcs';
import { icd10cmOrderParser } from './icd10cm';
import { ndcPackageParser } from './ndc';
import type { CodeKind, CodeSetParser } from './types';

/** Our CPT list in YAML is parsed as a whole file (parseCptLocalYaml), not line by line. */
export function isWholeFileFormat(kind: CodeKind, fileName: string): boolean {
  return kind === 'cpt' && /\.ya?ml$/i.test(fileName);
}

export function lineParserFor(kind: CodeKind, opts: { hcpcsLayout?: HcpcsLayout } = {}): CodeSetParser {
  switch (kind) {
    case 'icd10cm':
      return icd10cmOrderParser();
    case 'hcpcs':
      if (!opts.hcpcsLayout) throw new Error('the HCPCS loader needs the record layout of the release');
      return hcpcsParser(opts.hcpcsLayout);
    case 'ndc':
      return ndcPackageParser();
    case 'cvx':
      return cvxParser();
    case 'cpt':
      return cptLocalCsvParser();
  }
}

/**
 * Payer edit tables (./edits.ts):
 *   ncci  CMS NCCI PTP edits, practitioner (ccipra-…txt)      ./ncci.ts
 *   mue   CMS MUE table, practitioner services (CSV)          ./mue.ts
 *   mce   MCE age and sex diagnosis lists (text)              ./mce.ts
 */
export function editParserFor(kind: EditKind): EditParser {
  switch (kind) {
    case 'ncci':
      return ncciPtpParser();
    case 'mue':
      return muePracticeParser();
    case 'mce':
      return mceListParser();
  }
}
