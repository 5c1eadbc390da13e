/**
 * The slots part of the alert readings: turns the listeners' running totals of refused connections into
 * "refused since the previous reading", which the `slots-exhausted` rule (evaluate.ts) needs so that slots running
 * out between two evaluations still raise it. One tracker per alert monitor (each call is one reading).
 * A channel whose listener restarted (its total went down) counts its new total.
 */
import type { SlotsReading } from './evaluate';

/** A listener's slots as it reports them (MllpListener.slots()): refusals are a running total. */
export interface ListenerSlots {
  open: number;
  limit: number;
  refusedForSlots: number;
}

export function slotsTracker(read: () => ReadonlyMap<string, ListenerSlots>): () => Map<string, SlotsReading> {
  const seen = new Map<string, number>();
  return () => {
    const out = new Map<string, SlotsReading>();
    for (const [channel, s] of read()) {
      const before = seen.get(channel) ?? 0;
      const refused = s.refusedForSlots >= before ? s.refusedForSlots - before : s.refusedForSlots;
      seen.set(channel, s.refusedForSlots);
      out.set(channel, { open: s.open, limit: s.limit, refused });
    }
    return out;
  };
}
