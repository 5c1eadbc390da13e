import { TurnBudget } from '../../src/core/turn-budget';

/** A clock that only items move: each item "takes" its cost, so the test is exact whatever the machine does. */
function fakeClock() {
  let t = 0;
  return { now: () => t, spend: (ms: number) => (t += ms) };
}

/** Counts turns of the event loop (check phases) while work runs. */
function turnCounter() {
  let turn = 0;
  let running = true;
  const tick = () => {
    turn++;
    if (running) setImmediate(tick);
  };
  setImmediate(tick);
  return { current: () => turn, stop: () => (running = false) };
}

async function loop(budget: TurnBudget, items: number, costMs: number, clock: ReturnType<typeof fakeClock>, turns: ReturnType<typeof turnCounter>, log: Array<{ loop: number; turn: number }>, id: number) {
  for (let i = 0; i < items; i++) {
    await budget.pace();
    clock.spend(costMs);
    log.push({ loop: id, turn: turns.current() });
  }
}

/** A budget of 5 ms on a fake clock, a turn counter, and the log every item writes (its loop, the turn it ran in). */
function setup() {
  const clock = fakeClock();
  return { clock, budget: new TurnBudget(5, clock.now), turns: turnCounter(), log: [] as Array<{ loop: number; turn: number }> };
}

describe('TurnBudget', () => {
  it('a lone loop runs one slice per turn: items up to the slice, then the event loop turns', async () => {
    const { clock, budget, turns, log } = setup();
    await loop(budget, 9, 2, clock, turns, log, 0);
    turns.stop();
    const perTurn = countBy(log.map((l) => l.turn));
    // 2 ms items, 5 ms slices: three items fit (the third overruns it), then the loop waits for a new slice.
    expect([...perTurn.values()]).toEqual([3, 3, 3]);
  });

  it('loops running side by side share one slice per turn instead of taking one each', async () => {
    const { clock, budget, turns, log } = setup();
    await Promise.all([0, 1, 2, 3].map((id) => loop(budget, 6, 2, clock, turns, log, id)));
    turns.stop();
    expect(log).toHaveLength(24);
    // At most two slices a turn (one begun outside the check phase, one in it), each at most one item over 5 ms:
    // 14 ms of work. Four loops with a slice each would do 24 ms or more in one turn.
    for (const [, items] of countBy(log.map((l) => l.turn))) expect(items * 2).toBeLessThanOrEqual(2 * (5 + 2));
    // Every loop finished (none was starved for good).
    for (const id of [0, 1, 2, 3]) expect(log.filter((l) => l.loop === id)).toHaveLength(6);
  });

  it('a loop within its slice does not wait for a turn', async () => {
    const { clock, budget, turns, log } = setup();
    await loop(budget, 2, 1, clock, turns, log, 0);
    turns.stop();
    expect(new Set(log.map((l) => l.turn)).size).toBe(1);
  });
});

function countBy<T>(values: readonly T[]): Map<T, number> {
  const m = new Map<T, number>();
  for (const v of values) m.set(v, (m.get(v) ?? 0) + 1);
  return m;
}
