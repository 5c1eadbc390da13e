/**
 * Reads pgbench's summary (the `pgbench` scenario, ./pgbench.ts): the rate, transactions and latency of one run.
 * Pure. pgbench 14+ prints `tps = N (without initial connection time)`; older ones print an "including" and an
 * "excluding connections establishing" line, of which the "excluding" one is taken (the rate while connected,
 * comparable to the bench's measured phase, which also starts on open connections).
 */

export interface PgbenchRun {
  clients: number;
  /** Committed transactions per second. */
  tps: number;
  /** Transactions processed in the run. */
  transactions: number;
  /** pgbench's average latency per transaction, in ms (undefined when it did not print one). */
  latencyMs: number | undefined;
  /** Failed transactions (pgbench 15+ prints them; 0 otherwise). */
  failed: number;
}

/** The rate, transactions and latency in pgbench's output; throws when the output has no rate. */
export function parsePgbenchOutput(output: string, clients: number): PgbenchRun {
  const rates = [...output.matchAll(/^tps = ([\d.]+)(?: \(([^)]*)\))?/gm)];
  const chosen = rates.find((m) => /without initial connection|excluding connections/.test(m[2] ?? '')) ?? rates[0];
  const tps = chosen ? Number(chosen[1]) : NaN;
  if (!Number.isFinite(tps))
    throw new Error(`pgbench printed no rate: ${output.trim().split('\n').slice(-3).join(' | ') || '(no output)'}`);
  const transactions = Number(/^number of transactions actually processed: (\d+)/m.exec(output)?.[1] ?? NaN);
  const latency = /^latency average = ([\d.]+) ms/m.exec(output)?.[1];
  const failed = Number(/^number of failed transactions: (\d+)/m.exec(output)?.[1] ?? 0);
  return {
    clients,
    tps: Math.round(tps),
    transactions: Number.isFinite(transactions) ? transactions : 0,
    latencyMs: latency === undefined ? undefined : Number(latency),
    failed,
  };
}

/**
 * The latencies in a pgbench transaction log (`-l`), in ms. Each line is `client_id transaction_no time script_no
 * time_epoch time_us [schedule_lag]`, `time` being the transaction's elapsed time in µs from its actual start (with
 * `-R`, its lateness against the schedule is the separate last field, as the load generator counts a late send
 * apart from its ACK time). Lines that are not of that shape (a skipped transaction's `skipped`) are left out.
 */
export function parsePgbenchLog(text: string): number[] {
  const out: number[] = [];
  for (const line of text.split('\n')) {
    const fields = line.trim().split(/\s+/);
    if (fields.length < 6) continue;
    const micros = Number(fields[2]);
    if (Number.isFinite(micros)) out.push(micros / 1000);
  }
  return out;
}
