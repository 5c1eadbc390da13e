/**
 * A mapping key its schema refuses is reported with the key and the reason, at the key's line and column (not
 * "… is not valid"): a payer id with spaces in billing.yaml, a provider NPI that is not 10 digits.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ConfigError } from '../../src/core/config-file';
import { parseBillingConfigText } from '../../src/billing/config';

const text = fs.readFileSync(path.join(__dirname, '../../billing/billing.yaml'), 'utf8');

function issues(yaml: string): Array<{ line: number; col: number; reason: string }> {
  try {
    parseBillingConfigText(yaml, 'billing.yaml', {}, '/data');
  } catch (err) {
    if (err instanceof ConfigError) return err.issues.map(({ line, col, reason }) => ({ line, col, reason }));
    throw err;
  }
  throw new Error('the file loaded');
}

const lineOf = (yaml: string, startsWith: string) => yaml.split('\n').findIndex((l) => l.trimStart().startsWith(startsWith)) + 1;

describe('keys a schema refuses', () => {
  it('a payer id with spaces: the key, why, and where', () => {
    const yaml = text.replace('  SYNCOM01:\n', '  "SYN COM 01":\n    name: X\n    filingIndicator: CI\n  SYNCOM01:\n');
    expect(issues(yaml)).toEqual([
      { line: lineOf(yaml, '"SYN COM 01":'), col: 3, reason: 'key "SYN COM 01" must be a payer id: 2 to 80 letters, digits or dashes' },
    ]);
  });

  it('a provider NPI key that is not 10 digits', () => {
    const yaml = text.replace('providers:\n', 'providers:\n  "12345":\n    familyName: TESTDOCTOR\n');
    expect(issues(yaml)).toEqual([
      { line: lineOf(yaml, '"12345":'), col: 3, reason: 'key "12345" must be a 10-digit NPI (quote it)' },
    ]);
  });
});
