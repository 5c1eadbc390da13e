/**
 * What the batch list (and the eligibility list) shows of the clearinghouse exchange: each batch's or 270 file's
 * transfer and the meaning of a TA1 note code. Reads only (src/store/clearinghouse.ts writes these rows).
 */
import type { Kysely } from 'kysely';
import { TA1_NOTES } from '../clearinghouse/answers';
import type { Database } from './types';

/** Uploads whose last attempt failed (retrying or given up): the `clearinghouse-transfers` alert's reading. */
export async function failedTransfers(db: Kysely<Database>): Promise<number> {
  const row = await db
    .selectFrom('clearinghouse_transfers')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('status', '=', 'failed')
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}

/** The TA105 meaning of a stored note code. */
export const ta1Meaning = (code: string | null): string | undefined =>
  code === null ? undefined : (TA1_NOTES[code] ?? `note code ${code}`);

/** The transfer of each batch (for the batch list). */
export const transfersOf = (db: Kysely<Database>, batchIds: readonly string[]) => transfersBy(db, 'batch_id', batchIds);

/** The transfer of each 270 eligibility file (for the eligibility list and the inquiries' answer). */
export const eligibilityTransfersOf = (db: Kysely<Database>, fileIds: readonly string[]) => transfersBy(db, 'eligibility_file_id', fileIds);

async function transfersBy(db: Kysely<Database>, column: 'batch_id' | 'eligibility_file_id', ids: readonly string[]) {
  if (ids.length === 0) return new Map<string, TransferView>();
  const rows = await db
    .selectFrom('clearinghouse_transfers')
    .selectAll()
    .where(column, 'in', [...new Set(ids)])
    .execute();
  return new Map<string, TransferView>(
    rows.map((r) => [
      String(r[column]),
      {
        clearinghouse: r.clearinghouse,
        remoteName: r.remote_name,
        status: r.status,
        attempts: r.attempts,
        nextAttemptAt: r.next_attempt_at ? new Date(r.next_attempt_at).toISOString() : null,
        lastError: r.last_error,
        sentAt: r.sent_at ? new Date(r.sent_at).toISOString() : null,
      },
    ]),
  );
}

export interface TransferView {
  clearinghouse: string;
  remoteName: string;
  status: 'pending' | 'sent' | 'failed';
  attempts: number;
  /** When it is tried again; null once sent or when max attempts are spent. */
  nextAttemptAt: string | null;
  lastError: string | null;
  sentAt: string | null;
}
