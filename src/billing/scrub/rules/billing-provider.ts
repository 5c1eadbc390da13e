/** The billing provider (2010AA): a name and a physical address (no PO box or lockbox) with a 9-digit ZIP. */
import type { ScrubFinding } from '../../model';
import { claimFinding } from '../finding';
import type { ScrubRule } from '../types';

/** PO Box, P.O. Box, Post Office Box, POB 12, PO BX, Lockbox, Lock Box, Drawer-less. */
const PO_BOX = /\b(?:P\.?\s*O\.?\s*(?:BOX|BX)|POST\s+OFFICE\s+BOX|POB\s*\d|LOCK\s*BOX)\b/i;

export const rule: ScrubRule = {
  id: 'billing-provider',
  severity: 'error',
  scope: 'claim',
  description: 'The billing provider has a name and a physical street address (no PO box) with city, state and a 9-digit ZIP.',
  check(claim) {
    const out: ScrubFinding[] = [];
    const { name, address } = claim.billingProvider;
    const report = (message: string) => out.push(claimFinding(rule, message));
    if ((name ?? '').trim() === '') report('billing provider name is missing');
    if ((address.line1 ?? '').trim() === '') report('billing provider street address is missing');
    for (const line of [address.line1, address.line2]) {
      if (line && PO_BOX.test(line)) {
        report(`billing provider address "${line}" is a PO box: the billing provider needs a physical address (put the PO box in pay-to)`);
      }
    }
    if ((address.city ?? '').trim() === '') report('billing provider city is missing');
    if (!/^[A-Z]{2}$/.test(address.state ?? '')) report(`billing provider state "${address.state ?? ''}" is not a two-letter state code`);
    const zip = (address.zip ?? '').trim();
    if (!/^\d{9}$/.test(zip)) {
      const hint = /^\d{5}-\d{4}$/.test(zip) ? ' (write it without the hyphen)' : '';
      report(`billing provider ZIP "${zip}" must be 9 digits (ZIP+4)${hint}`);
    }
    return out;
  },
};
