/**
 * CLM01, the claim control number: 1 to 20 characters (it comes back as CLP01 and 277CA TRN02, DOMAIN.md
 * §2.2.12), and no character that could be an X12 separator.
 */
import { claimFinding } from '../finding';
import type { ScrubRule } from '../types';

const MAX_LENGTH = 20;
const SAFE_CHARACTERS = /^[A-Za-z0-9 ._/#-]+$/;

export const rule: ScrubRule = {
  id: 'control-number',
  severity: 'error',
  scope: 'claim',
  description: `The claim control number (CLM01) has 1 to ${MAX_LENGTH} characters: letters, digits, space and . _ / # -.`,
  check(claim) {
    const cn = claim.controlNumber ?? '';
    if (cn.trim() === '') return [claimFinding(rule, 'claim control number (CLM01) is missing')];
    if (cn.length > MAX_LENGTH)
      return [claimFinding(rule, `claim control number "${cn}" has ${cn.length} characters; at most ${MAX_LENGTH}`)];
    if (!SAFE_CHARACTERS.test(cn))
      return [claimFinding(rule, `claim control number "${cn}" has characters other than letters, digits, space and . _ / # -`)];
    return [];
  },
};
