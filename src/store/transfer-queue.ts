/**
 * Queues a file for the clearinghouse exchange (src/store/clearinghouse.ts uploads it): one clearinghouse_transfers
 * row, inserted in the caller's transaction with the file it uploads, so a file is never written without its
 * transfer or the reverse. `of` names the file: an 837P batch or a 270 (exactly one, as the table's check requires).
 */
import type { Transaction } from 'kysely';
import type { Database } from './types';

export interface TransferRequest {
  clearinghouse: string;
  /** The name the clearinghouse asked for, from the new file's id. */
  remoteName: (id: string) => string;
}

export async function queueTransfer(
  trx: Transaction<Database>,
  of: { batchId: string } | { eligibilityFileId: string },
  request: TransferRequest,
  x12: string,
): Promise<void> {
  const [file, id] = 'batchId' in of ? (['batch_id', of.batchId] as const) : (['eligibility_file_id', of.eligibilityFileId] as const);
  await trx
    .insertInto('clearinghouse_transfers')
    .values({
      [file]: id,
      clearinghouse: request.clearinghouse,
      remote_name: request.remoteName(id),
      size: Buffer.byteLength(x12, 'utf8'),
    })
    .execute();
}
