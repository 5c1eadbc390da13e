/** billing/billing.yaml: the shipped file loads; problems are reported as file:line:col in plain words. */
import fs from 'node:fs';
import path from 'node:path';
import { ConfigError } from '../../src/core/config-file';
import { loadBillingConfig, parseBillingConfigText, routeFor } from '../../src/billing/config';

const SHIPPED = path.join(__dirname, '../../billing/billing.yaml');
const text = fs.readFileSync(SHIPPED, 'utf8');

function issues(yaml: string): Array<{ line: number; col: number; reason: string }> {
  try {
    parseBillingConfigText(yaml, 'billing.yaml', {}, '/data');
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).issues.map(({ line, col, reason }) => ({ line, col, reason }));
  }
  throw new Error('expected a ConfigError');
}

/** The shipped text with one line replaced (matched by its start). */
function edit(startsWith: string, replacement: string): string {
  const lines = text.split('\n');
  const i = lines.findIndex((l) => l.trimStart().startsWith(startsWith));
  if (i < 0) throw new Error(`no line starts with ${startsWith}`);
  lines[i] = replacement;
  return lines.join('\n');
}

const lineOf = (startsWith: string) => text.split('\n').findIndex((l) => l.trimStart().startsWith(startsWith)) + 1;

describe('billing configuration', () => {
  it('loads the shipped file: provider, interchange, payers with routes, outbox under DATA_DIR', () => {
    const c = loadBillingConfig(SHIPPED, {}, '/var/rxb');
    expect(c.billingProvider).toMatchObject({ npi: '1234567893', taxIdType: 'EI', address: { zip: '100010001' }, cliaNumber: '12D3456789' });
    expect(c.interchange).toEqual({
      senderId: 'SUBMITTERID', senderQualifier: 'ZZ', receiverId: 'RECEIVERID', receiverQualifier: 'ZZ',
      submitterName: 'EXAMPLE COMMUNITY PHARMACY', submitterContactName: 'BILLING DESK', submitterPhone: '5555550100',
      receiverName: 'EXAMPLE CLEARINGHOUSE', usage: 'T',
    });
    expect(c.outboxDir).toBe(path.join('/var/rxb', 'outbox'));
    expect(c.placeOfService).toBe('01');
    const medicare = c.payers.get('SYNMCR01')!;
    expect(medicare).toMatchObject({ name: 'SYNTHETIC MEDICARE PART B', filingIndicator: 'MB', route: '837P' });
    expect(routeFor(medicare, 'immunization-admin')).toBe('837P');
    expect(routeFor(medicare, 'dispense')).toBe('ncpdp');
    expect(routeFor(c.payers.get('SYNPBM01')!, 'vaccine-product')).toBe('ncpdp');
    expect(c.providers.get('1245319599')).toEqual({ npi: '1245319599', familyName: 'SAMPLE', givenName: 'PHARMACIST', taxonomy: '183500000X' });
    expect(Object.isFrozen(c.billingProvider.address)).toBe(true);
  });

  it('reads which code sets each payer requires; without the key, ICD-10-CM for every payer', () => {
    const c = loadBillingConfig(SHIPPED, {}, '/var/rxb');
    expect(c.requiredCodeSets).toEqual({ default: ['icd10cm'], payers: { SYNMCR01: ['icd10cm', 'ncci', 'mue'] } });
    const start = lineOf('requiredCodeSets:');
    const without = text.split('\n').filter((_, i) => i + 1 < start || i + 1 > start + 3).join('\n');
    expect(parseBillingConfigText(without, 'billing.yaml', {}, '/data').requiredCodeSets).toEqual({ default: ['icd10cm'], payers: {} });
  });

  it('refuses an unknown code set and a payer requiredCodeSets names that is not in payers, at their lines', () => {
    expect(issues(edit('default: [icd10cm]', '  default: [icd10cm, icd9]'))).toEqual([
      { line: lineOf('default: [icd10cm]'), col: 22, reason: 'default[1] must be a code set the scrubber can require: icd10cm, ncci, mue, mce' },
    ]);
    expect(issues(text.replace('SYNMCR01: [icd10cm, ncci, mue]', 'SYNXXX01: [mce]'))).toEqual([
      { line: lineOf('SYNMCR01: [icd10cm'), col: 15, reason: 'requiredCodeSets names payer SYNXXX01, which is not in payers' },
    ]);
  });

  it('reads the environment (usage) and resolves outboxDir against the file folder', () => {
    const c = parseBillingConfigText(`${text}\noutboxDir: out/837\n`, '/etc/rxb/billing.yaml', { RXBRIDGE_X12_USAGE: 'P' }, '/data');
    expect(c.interchange.usage).toBe('P');
    expect(c.outboxDir).toBe('/etc/rxb/out/837');
  });

  it('refuses a billing provider NPI that fails its check digit, at its line', () => {
    expect(issues(edit('npi:', '  npi: "1234567890"'))).toEqual([
      { line: lineOf('npi:'), col: 8, reason: 'npi fails its check digit (80840 Luhn)' },
    ]);
  });

  it('refuses a 5-digit billing provider ZIP and a PO box', () => {
    const yaml = edit('zip:', '    zip: "10001"').replace('line1: 100 MAIN ST', 'line1: PO BOX 12');
    expect(issues(yaml)).toEqual([
      expect.objectContaining({ line: lineOf('line1:'), reason: expect.stringMatching(/not a PO box/) }),
      expect.objectContaining({ line: lineOf('zip:'), reason: 'zip must be 9 digits (ZIP+4) for the billing provider' }),
    ]);
    expect(issues(text.replace('line1: 100 MAIN ST', 'line1: P.O. Box 12'))).toEqual([
      expect.objectContaining({ line: lineOf('line1:'), reason: expect.stringMatching(/not a PO box/) }),
    ]);
  });

  it('names unknown keys, bad routes and X12 separators in text', () => {
    const yaml = text
      .replace('    route: ncpdp', '    route: fax')
      .replace('  name: EXAMPLE CLEARINGHOUSE', '  name: EXAMPLE*CLEARINGHOUSE')
      .replace('usage: ', 'usage_: ');
    const found = issues(yaml);
    expect(found).toEqual(expect.arrayContaining([
      expect.objectContaining({ reason: 'route must be 837P or ncpdp' }),
      expect.objectContaining({ reason: 'name must be text without * ~ : ^ or | (X12 separators)' }),
      expect.objectContaining({ reason: expect.stringMatching(/^unknown key "usage_"/) }),
    ]));
    expect(found.every((i) => i.line > 0 && i.col > 0)).toBe(true);
  });

  it('refuses an empty payer table and a provider without a name', () => {
    const noPayers = text.slice(0, text.indexOf('payers:')) + 'payers: {}\n';
    expect(issues(noPayers)).toEqual([expect.objectContaining({ reason: 'payers needs at least one payer' })]);
    const badProvider = text.replace('    familyName: SAMPLE\n    givenName: PHARMACIST\n', '    givenName: PHARMACIST\n');
    expect(issues(badProvider)).toEqual([expect.objectContaining({ reason: 'a provider needs familyName or organizationName' })]);
  });
});
