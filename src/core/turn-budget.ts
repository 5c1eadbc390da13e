/**
 * One budget of main-thread time per turn of the event loop, shared by every loop that takes part, so that batch
 * work running side by side (several pipeline jobs mapping their messages, another one preparing its completion)
 * adds up to one slice per turn, not to one slice per job. Between two slices the event loop turns: socket reads
 * (new frames), ACK writes and the store's answers go on in between.
 *
 * Contract:
 * - `pace()` is called between two items of a loop. It resolves in the same turn while the participants' work in
 *   this slice has taken at most `sliceMs`; once it has taken longer, it resolves in a later turn of the event
 *   loop, when a new slice has begun.
 * - A slice begins with the first `pace()` after the last one ended and ends at the next check phase of the event
 *   loop (`setImmediate`). So a turn holds at most two slices (one begun in the poll phase, one in the check
 *   phase), each overrun by at most one item.
 * - Loops waiting for a slice resume in the order they began to wait; every wait ends (each check phase ends the
 *   slice, and the first loop to resume after it begins the next).
 * Only work that can wait belongs here: the intake does not pace its statements, so ACKs never queue behind a
 * pipeline's slice.
 */
import { setImmediate as eventLoopTurn } from 'node:timers/promises';

export class TurnBudget {
  private sliceStart: number | undefined;

  constructor(
    readonly sliceMs: number,
    private readonly now: () => number = () => performance.now(),
  ) {}

  async pace(): Promise<void> {
    for (;;) {
      const now = this.now();
      if (this.sliceStart === undefined) {
        this.sliceStart = now;
        setImmediate(() => {
          this.sliceStart = undefined;
        });
        return;
      }
      if (now - this.sliceStart <= this.sliceMs) return;
      await eventLoopTurn();
    }
  }
}

/**
 * The budget the pipeline's batch work shares in this process: mapping a claimed batch (src/pipeline/process.ts) and
 * preparing its completion (src/store/repository.ts). A batch of 50 maps in 10–30 ms; 5 ms slices keep a turn short.
 */
export const BATCH_WORK = new TurnBudget(5);
