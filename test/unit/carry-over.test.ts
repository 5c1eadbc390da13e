/**
 * CarryOver (src/pipeline/bullmq/worker.ts): waiting messages carried into the next job a worker starts. The next job
 * takes every id carried so far; ids nobody takes within the idle time go to the queue, once, all together.
 */
import { CarryOver } from '../../src/pipeline/bullmq/worker';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('CarryOver', () => {
  it('gives the next job every id carried so far, and the queue nothing', async () => {
    const flushed: string[][] = [];
    const carry = new CarryOver((ids) => void flushed.push(ids), 30);
    carry.add(['7', '8']);
    carry.add(['9']);
    expect(carry.take()).toEqual(['7', '8', '9']);
    expect(carry.take()).toEqual([]);
    await sleep(60);
    expect(flushed).toEqual([]);
  });

  it('hands ids no job took to the queue after the idle time, in one batch', async () => {
    const flushed: string[][] = [];
    const carry = new CarryOver((ids) => void flushed.push(ids), 30);
    carry.add(['3']);
    await sleep(10);
    carry.add(['4']);
    expect(flushed).toEqual([]);
    await sleep(60);
    expect(flushed).toEqual([['3', '4']]);
    expect(carry.take()).toEqual([]);
    carry.add(['5']);
    await sleep(60);
    expect(flushed).toEqual([['3', '4'], ['5']]);
  });
});
