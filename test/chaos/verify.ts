/**
 * What must hold after every fault, read from the store and the engines themselves:
 * - nothing stuck: no message stays `received` or `processing`, and the queue drains to 0 jobs;
 * - every AA'd message reached a final state: exactly one `processed` row per control id (a resend of a message
 *   whose AA was lost is stored as `duplicate`), with exactly one charge;
 * - no duplicate charges: no transaction id charged twice;
 * - every engine process still running answers /api/health 200 (no restart).
 * Returns the report line `{fault, sent, acked, final, duplicates, …}` and the problems found (empty = pass).
 */
import { sql } from 'kysely';
import { waitFor } from '../integration/support';
import type { Cluster } from './cluster';
import type { SteadyLoad } from './steady-load';

export interface FaultReport {
  fault: string;
  sent: number;
  acked: number;
  /** AA'd messages whose stored row is final (must equal acked). */
  final: number;
  /** Charges that exist twice (must be 0). */
  duplicates: number;
  [extra: string]: unknown;
}

const FINAL = ['processed', 'filtered', 'error', 'rejected', 'duplicate'];

export async function settleAndVerify(cluster: Cluster, load: SteadyLoad, extra: Record<string, unknown> = {}): Promise<{ report: FaultReport; problems: string[] }> {
  const problems: string[] = [];
  const { kdb } = cluster;
  const openCount = async () => Number((await sql<{ n: string }>`select count(*) as n from messages where status in ('received', 'processing')`.execute(kdb)).rows[0]!.n);
  const settleStarted = Date.now();
  try {
    await waitFor(async () => (await openCount().catch(() => -1)) === 0, 90_000, 'every message to reach a final state', 250);
  } catch {
    problems.push(`stuck: ${await openCount()} messages still received/processing after 90 s`);
  }
  const settleMs = Date.now() - settleStarted;

  const rows = (await sql<{ control_id: string; status: string; charges: string }>`
    select m.control_id, m.status, (select count(*) from charges c where c.message_id = m.id) as charges
      from messages m`.execute(kdb)).rows;
  const byControlId = new Map<string, Array<{ status: string; charges: number }>>();
  for (const r of rows) byControlId.set(r.control_id, [...(byControlId.get(r.control_id) ?? []), { status: r.status, charges: Number(r.charges) }]);
  let final = 0;
  const wrong: string[] = [];
  for (const id of load.acked) {
    const stored = byControlId.get(id) ?? [];
    const processed = stored.filter((s) => s.status === 'processed');
    const ok = stored.length > 0 && stored.every((s) => FINAL.includes(s.status)) && processed.length === 1
      && processed[0]!.charges === 1 && stored.every((s) => s.status === 'processed' || s.status === 'duplicate');
    if (stored.length > 0 && stored.every((s) => FINAL.includes(s.status))) final++;
    if (!ok) wrong.push(`${id}: ${JSON.stringify(stored)}`);
  }
  if (wrong.length > 0) problems.push(`${wrong.length} AA'd messages not processed exactly once with one charge, e.g. ${wrong.slice(0, 3).join('; ')}`);
  const notFinal = rows.filter((r) => !FINAL.includes(r.status)).length;
  if (notFinal > 0) problems.push(`${notFinal} stored messages are not final`);

  const dup = await sql<{ n: string }>`select count(*) as n from (select transaction_id from charges group by transaction_id having count(*) > 1) d`.execute(kdb);
  const duplicates = Number(dup.rows[0]!.n);
  if (duplicates > 0) problems.push(`${duplicates} transaction ids charged more than once`);

  cluster.assertNoUnexpectedExit();
  for (const p of cluster.processes().filter((x) => x.running)) {
    try {
      await waitFor(async () => {
        const h = await p.health();
        return h.status === 200 && h.body?.queueDepth === 0;
      }, 30_000, `${p.name} healthy with an empty queue`, 200);
    } catch {
      problems.push(`${p.name} not healthy with an empty queue: ${JSON.stringify(await p.health())}`);
    }
  }

  const stats = load.stats();
  if (stats.mismatches > 0) problems.push(`${stats.mismatches} ACKs did not name the frame they answered`);
  if (stats.acked !== stats.sent) problems.push(`${stats.sent - stats.acked} of ${stats.sent} messages never got an AA`);
  const report: FaultReport = {
    fault: cluster.fault, sent: stats.sent, acked: stats.acked, final, duplicates,
    resent: stats.resent, ar: stats.ar, reconnects: stats.reconnects, stored: rows.length,
    duplicateMessages: rows.filter((r) => r.status === 'duplicate').length,
    ackP50Ms: stats.p50Ms, ackP99Ms: stats.p99Ms, ackMaxMs: stats.maxMs, settleMs, ...extra,
  };
  return { report, problems };
}
