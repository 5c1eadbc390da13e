/** The payer (2010BB): a payer id the clearinghouse routes on, and a name. */
import type { ScrubFinding } from '../../model';
import { claimFinding } from '../finding';
import type { ScrubRule } from '../types';

const PAYER_ID = /^[A-Za-z0-9][A-Za-z0-9 ._-]{0,79}$/;

export const rule: ScrubRule = {
  id: 'payer-required',
  severity: 'error',
  scope: 'claim',
  description: 'The payer has an id (letters, digits, space . _ -; at most 80) and a name.',
  check(claim) {
    const out: ScrubFinding[] = [];
    const id = (claim.payer.id ?? '').trim();
    if (id === '') out.push(claimFinding(rule, 'payer id is missing'));
    else if (!PAYER_ID.test(claim.payer.id))
      out.push(claimFinding(rule, `payer id "${claim.payer.id}" is not a payer id (letters, digits, space . _ -; at most 80)`));
    if ((claim.payer.name ?? '').trim() === '') out.push(claimFinding(rule, 'payer name is missing'));
    return out;
  },
};
