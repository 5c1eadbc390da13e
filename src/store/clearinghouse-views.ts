/**
 * What the batch list shows of the clearinghouse exchange: each batch's transfer and the meaning of its TA1 note
 * code. Reads only (src/store/clearinghouse.ts writes these rows).
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
export async function transfersOf(db: Kysely<Database>, batchIds: readonly string[]) {
  if (batchIds.length === 0) return new Map<string, TransferView>();
  const rows = await db
    .selectFrom('clearinghouse_transfers')
    .selectAll()
    .where('batch_id', 'in', [...batchIds])
    .execute();
  return new Map<string, TransferView>(
    rows.map((r) => [
      String(r.batch_id),
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
