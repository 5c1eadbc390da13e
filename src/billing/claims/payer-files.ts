/**
 * Payer files as a whole (pure): X12 text → the remittances (835), group acknowledgments (999/997) and claim
 * acknowledgments (277CA) of every transaction set in it, read by src/billing/remittance. An 835 file is taken
 * or refused as a whole: readRemittanceFile throws REMITTANCE_UNBALANCED listing every failing balancing
 * equation of every set, so nothing of a file that does not add up is recorded.
 */
import { EngineError } from '../../core/errors';
import { readInterchanges } from '../../x12/reader';
import type { Remittance } from '../model';
import { balance835, read277CA, read835, read999, type ClaimAcknowledgment, type FunctionalGroupAck } from '../remittance';

export interface PayerFile {
  remittances: Remittance[];
  groupAcks: FunctionalGroupAck[];
  claimAcks: ClaimAcknowledgment[];
  /** ST01 of sets this reader does not know (listed, not an error). */
  ignored: string[];
}

export function readPayerFile(text: string): PayerFile {
  const out: PayerFile = { remittances: [], groupAcks: [], claimAcks: [], ignored: [] };
  for (const interchange of readInterchanges(text)) {
    for (const group of interchange.groups) {
      for (const ts of group.transactionSets) {
        const type = ts.st.elements[0]?.[0]?.[0] ?? '';
        if (type === '835') out.remittances.push(read835(ts));
        else if (type === '999' || type === '997') out.groupAcks.push(read999(ts));
        else if (type === '277') out.claimAcks.push(read277CA(ts));
        else out.ignored.push(type);
      }
    }
  }
  return out;
}

/** Every 835 of `text`, each balanced; BAD_REQUEST when there is none, REMITTANCE_UNBALANCED when one does not add up. */
export function readRemittanceFile(text: string): Remittance[] {
  const { remittances } = readPayerFile(text);
  if (remittances.length === 0) throw new EngineError('BAD_REQUEST', 'the file holds no 835 transaction set');
  const reasons = remittances.flatMap((r) => balance835(r).map((reason) => `trace ${r.traceNumber}: ${reason}`));
  if (reasons.length > 0) {
    throw new EngineError('REMITTANCE_UNBALANCED', `the 835 does not balance and was not recorded: ${reasons.join('; ')}`);
  }
  return remittances;
}
