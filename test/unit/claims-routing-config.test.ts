/**
 * Routing by code and code list (billing.yaml codeLists, payers.<id>.routeByCode / routeByCodeList): the most
 * specific route wins (code > code list > service kind > payer route); a list that does not exist, an unquoted
 * code and a code two lists route two ways are file:line:col problems.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ConfigError } from '../../src/core/config-file';
import { lineRoute, parseBillingConfigText, routeFor } from '../../src/billing/config';

const text = fs.readFileSync(path.join(__dirname, '../../billing/billing.yaml'), 'utf8');
const parse = (yaml: string) => parseBillingConfigText(yaml, 'billing.yaml', {}, '/data');

function issues(yaml: string): Array<{ line: number; reason: string }> {
  try {
    parse(yaml);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).issues.map(({ line, reason }) => ({ line, reason }));
  }
  throw new Error('expected a ConfigError');
}

/** The shipped file with SYNCOM01's entry given extra keys (indented under it). */
const commercialWith = (extra: string) => text.replace(
  '  SYNCOM01:\n    name: SYNTHETIC COMMERCIAL HEALTH PLAN\n',
  `  SYNCOM01:\n    name: SYNTHETIC COMMERCIAL HEALTH PLAN\n${extra}`,
);

describe('routing by code', () => {
  it('the shipped Medicare payer sends its Part D vaccines to NCPDP and keeps flu on the 837P', () => {
    const medicare = parse(text).payers.get('SYNMCR01')!;
    expect(lineRoute(medicare, { code: '90750', serviceKind: 'vaccine-product' })).toEqual({ route: 'ncpdp', by: 'code-list', list: 'medicarePartDVaccines' });
    expect(lineRoute(medicare, { code: '90686', serviceKind: 'vaccine-product' })).toEqual({ route: '837P', by: 'payer' });
    expect(lineRoute(medicare, { code: '00006494300', serviceKind: 'dispense' })).toEqual({ route: 'ncpdp', by: 'service-kind' });
    expect(routeFor(parse(text).payers.get('SYNCOM01')!, 'vaccine-product', '90750')).toBe('837P');
  });

  it('code beats code list beats service kind beats the payer route', () => {
    const c = parse(`${commercialWith([
      '    routeByCode:',
      '      "90715": 837P',
      '      G0008: ncpdp',
      '    routeByCodeList:',
      '      medicarePartDVaccines: ncpdp',
    ].join('\n') + '\n')}`).payers.get('SYNCOM01')!;
    expect(lineRoute(c, { code: '90715', serviceKind: 'vaccine-product' })).toEqual({ route: '837P', by: 'code' });
    expect(lineRoute(c, { code: 'g0008', serviceKind: 'immunization-admin' })).toEqual({ route: 'ncpdp', by: 'code' });
    expect(lineRoute(c, { code: '90750', serviceKind: 'vaccine-product' })).toMatchObject({ route: 'ncpdp', by: 'code-list' });
    expect(lineRoute(c, { code: '00006494300', serviceKind: 'dispense' })).toEqual({ route: 'ncpdp', by: 'service-kind' });
    expect(lineRoute(c, { code: '99606', serviceKind: 'mtm' })).toEqual({ route: '837P', by: 'payer' });
  });

  it('a list a payer names must exist; codes must be quoted CPT/HCPCS; two lists may not route one code two ways', () => {
    const unknown = commercialWith('    routeByCodeList:\n      partDVaccines: ncpdp\n');
    expect(issues(unknown)).toEqual([expect.objectContaining({ reason: expect.stringContaining('code list "partDVaccines" is not in codeLists') })]);
    const line = unknown.split('\n').findIndex((l) => l.includes('partDVaccines: ncpdp')) + 1;
    expect(issues(unknown)[0]!.line).toBe(line);

    expect(issues(text.replace('codeLists:\n', 'codeLists:\n  bare: [90750]\n'))).toEqual([
      expect.objectContaining({ reason: expect.stringContaining('must be a quoted CPT or HCPCS code') }),
    ]);
    expect(issues(commercialWith('    routeByCode:\n      "NOTACODE": ncpdp\n'))).toEqual([
      expect.objectContaining({ reason: expect.stringContaining('routeByCode key "NOTACODE" must be a CPT or HCPCS code') }),
    ]);

    const twoWays = text.replace('codeLists:\n', 'codeLists:\n  zosterOnly: ["90750"]\n')
      .replace('      medicarePartDVaccines: ncpdp', '      medicarePartDVaccines: ncpdp\n      zosterOnly: 837P');
    expect(issues(twoWays)).toEqual([expect.objectContaining({
      reason: expect.stringContaining('code 90750 is in code lists "medicarePartDVaccines" (ncpdp) and "zosterOnly" (837P)'),
    })]);
    // routeByCode settles it.
    const settled = twoWays.replace('      zosterOnly: 837P', '      zosterOnly: 837P\n    routeByCode:\n      "90750": 837P');
    expect(lineRoute(parse(settled).payers.get('SYNMCR01')!, { code: '90750', serviceKind: 'vaccine-product' })).toEqual({ route: '837P', by: 'code' });
  });
});
