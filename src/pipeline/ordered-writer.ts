/**
 * Ordered, batched store writes per lane (the intake uses one lane for every connection of a listener: a group
 * commit; see intake.ts).
 *
 * Contract: records of one connection (one `remote`, the peer's address:port) are committed in submission order,
 * so their ids ascend in the order the sender sent them (this is what "arrival order" means for per-patient
 * ordering). While one batch of a lane is being committed, later records of that lane wait and go together in the
 * next batch (at most `maxBatch`), so a pipelining sender costs one commit per batch, not per message.
 * A batch never holds two records with the same duplicate key (channel, sender, control id: coarser than the
 * store's, which adds the content, so that a message reusing a control id sees the earlier one and is flagged):
 * the second waits for the next batch, where the store sees the first one, and with it every later record of its connection, but only of its connection. Records
 * of other connections go ahead in this batch, so a sender that repeats one message over and over (it never reads
 * its ACKs, so it resends) gets one commit per copy and holds up nobody else. Lanes are independent.
 */
import type { InboundRecord, StoredInbound } from './ports';

type Pending = { rec: InboundRecord; resolve(v: StoredInbound): void; reject(err: unknown): void };

interface Lane {
  queue: Pending[];
  busy: boolean;
}

export class OrderedInboundWriter {
  private readonly lanes = new Map<string, Lane>();

  constructor(
    private readonly write: (recs: readonly InboundRecord[]) => Promise<StoredInbound[]>,
    private readonly maxBatch = 100,
  ) {}

  submit(lane: string, rec: InboundRecord): Promise<StoredInbound> {
    return new Promise((resolve, reject) => {
      let l = this.lanes.get(lane);
      if (!l) {
        l = { queue: [], busy: false };
        this.lanes.set(lane, l);
      }
      l.queue.push({ rec, resolve, reject });
      if (!l.busy) void this.drain(lane, l);
    });
  }

  /** Lanes with work queued or in flight (for tests and metrics). */
  get activeLanes(): number {
    return this.lanes.size;
  }

  private async drain(name: string, lane: Lane): Promise<void> {
    lane.busy = true;
    while (lane.queue.length > 0) {
      const { batch, rest } = takeBatch(lane.queue, this.maxBatch);
      lane.queue = rest;
      try {
        const stored = await this.write(batch.map((p) => p.rec));
        batch.forEach((p, i) => {
          const s = stored[i];
          if (s) p.resolve(s);
          else p.reject(new Error('store returned fewer rows than records'));
        });
      } catch (err) {
        for (const p of batch) p.reject(err);
      }
    }
    lane.busy = false;
    this.lanes.delete(name);
  }
}

/**
 * The next batch, in queue order, by the contract above: at most `max` records; a record whose duplicate key is
 * already in the batch holds back itself and every later record of its connection. Never empty for a non-empty
 * queue (its first record always goes).
 */
function takeBatch<T extends { rec: InboundRecord }>(queue: readonly T[], max: number): { batch: T[]; rest: T[] } {
  const keys = new Set<string>();
  const heldConnections = new Set<string>();
  const batch: T[] = [];
  const rest: T[] = [];
  for (const p of queue) {
    const r = p.rec;
    if (batch.length >= max || heldConnections.has(r.remote)) {
      rest.push(p);
      continue;
    }
    if (r.status === 'received' && r.controlId !== '') {
      const key = `${r.channel}\u0000${r.sender}\u0000${r.controlId}`;
      if (keys.has(key)) {
        heldConnections.add(r.remote);
        rest.push(p);
        continue;
      }
      keys.add(key);
    }
    batch.push(p);
  }
  return { batch, rest };
}
