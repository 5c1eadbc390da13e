/**
 * billing.yaml `payers.<id>.remittanceIds`: the ids a payer's 835s carry, read into the payer table posting uses
 * (src/billing/remittance/payer-match.ts); a bad id is reported at its file:line:col.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { parseBillingConfigText } from '../../src/billing/config';
import { payerRelation, resolveRemittancePayer } from '../../src/billing/remittance/payer-match';
import { ConfigError } from '../../src/core/config-file';

const text = fs.readFileSync(path.join(__dirname, '../../billing/billing.yaml'), 'utf8');
const withIds = (ids: string) => text.replace('    filingIndicator: MB\n', `    filingIndicator: MB\n    remittanceIds: ${ids}\n`);

describe('payers.<id>.remittanceIds', () => {
  it('defaults to none; when given, posting recognises the payer by those ids', () => {
    const plain = parseBillingConfigText(text, 'billing.yaml', {}, '/data');
    expect(plain.payers.get('SYNMCR01')!.remittanceIds).toEqual([]);
    const c = parseBillingConfigText(withIds('[MCRB-J99, "1999999991"]'), 'billing.yaml', {}, '/data');
    expect(c.payers.get('SYNMCR01')!.remittanceIds).toEqual(['MCRB-J99', '1999999991']);
    expect(resolveRemittancePayer({ payerIdentifiers: ['1999999991'] }, c.payers)).toBe('SYNMCR01');
    expect(payerRelation('SYNMCR01', { payerIdentifiers: ['SYNMCR01'] }, c.payers)).toBe('other-payer');
  });

  it('an id an 835 cannot carry is a file:line:col issue', () => {
    let err: unknown;
    try {
      parseBillingConfigText(withIds('["MCR*J99"]'), 'billing.yaml', {}, '/data');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const line = withIds('["MCR*J99"]').split('\n').findIndex((l) => l.trimStart().startsWith('remittanceIds:')) + 1;
    expect((err as ConfigError).issues).toEqual([expect.objectContaining({ line, reason: expect.stringMatching(/must be an id as an 835 gives it/) })]);
  });
});
