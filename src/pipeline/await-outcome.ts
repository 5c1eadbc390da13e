/**
 * Waiting for a message's final outcome, for after-processing answers (intake.ts): the pipeline may run in another
 * engine process, so the store is asked — first soon, then less often (20 ms doubling to 250 ms) — until the
 * message is final or the time is up. Only channels (or senders) with the after-processing policy wait at all.
 */
import type { MessageOutcome } from './ports';

export interface OutcomeWaitOptions {
  firstPollMs?: number;
  maxPollMs?: number;
}

/** Resolves with the outcome once `read` gives one, or undefined after timeoutMs. Rejects only if `read` does. */
export function outcomeWaiter(
  read: (messageId: string) => Promise<MessageOutcome | undefined>,
  o: OutcomeWaitOptions = {},
): (messageId: string, timeoutMs: number) => Promise<MessageOutcome | undefined> {
  const first = o.firstPollMs ?? 20;
  const max = o.maxPollMs ?? 250;
  return async (messageId, timeoutMs) => {
    const deadline = Date.now() + timeoutMs;
    let pause = first;
    for (;;) {
      const outcome = await read(messageId);
      if (outcome) return outcome;
      const left = deadline - Date.now();
      if (left <= 0) return undefined;
      await new Promise((resolve) => setTimeout(resolve, Math.min(pause, left)));
      pause = Math.min(pause * 2, max);
    }
  };
}
