/**
 * Ordered, batched store writes per lane (one lane per MLLP connection).
 *
 * Contract: records submitted on one lane are committed in submission order, so their ids ascend in the
 * order the sender sent them (this is what "arrival order" means for per-patient ordering). While one batch
 * of a lane is being committed, later records of that lane wait and go together in the next batch (at most
 * `maxBatch`), so a pipelining sender costs one commit per batch, not per message. Lanes are independent.
 * A batch never holds two records with the same duplicate key; the second waits for the next batch, where
 * the store sees the first one.
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
      const batch = takeBatch(lane.queue, this.maxBatch);
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

function takeBatch(queue: Pending[], max: number): Pending[] {
  const keys = new Set<string>();
  let n = 0;
  while (n < queue.length && n < max) {
    const r = queue[n]!.rec;
    if (r.status === 'received' && r.controlId !== '') {
      const key = `${r.channel}\u0000${r.sender}\u0000${r.controlId}`;
      if (keys.has(key)) break;
      keys.add(key);
    }
    n++;
  }
  return queue.splice(0, Math.max(n, 1));
}
