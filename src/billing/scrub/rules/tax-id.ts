/** The billing provider's tax id (REF*EI / REF*SY): 9 digits. An SSN (SY) is never echoed in the message. */
import { claimFinding } from '../finding';
import type { ScrubRule } from '../types';

export const rule: ScrubRule = {
  id: 'tax-id',
  severity: 'error',
  scope: 'claim',
  description: 'The billing provider has a 9-digit tax id (EIN or SSN), digits only.',
  check(claim) {
    const { taxId, taxIdType } = claim.billingProvider;
    const value = (taxId ?? '').trim();
    const kind = taxIdType === 'SY' ? 'SSN' : 'EIN';
    if (value === '') return [claimFinding(rule, `billing provider tax id (${kind}) is missing`)];
    if (/^\d{9}$/.test(value)) return [];
    const shown = taxIdType === 'SY' ? '' : ` "${value}"`;
    const hint = /^[\d-]+$/.test(value) && value.replace(/-/g, '').length === 9 ? ' without hyphens' : '';
    return [claimFinding(rule, `billing provider tax id (${kind})${shown} must be 9 digits${hint}`)];
  },
};
