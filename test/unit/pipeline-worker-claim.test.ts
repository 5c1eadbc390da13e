/**
 * Which claim a pipeline job takes (src/pipeline/bullmq/worker.ts): unmarked only on a job's first run, so a message
 * that killed its worker is claimed marked (attempts counted) when BullMQ hands its stalled job out again.
 */
import { claimOptionsFor } from '../../src/pipeline/bullmq/worker';

describe('claimOptionsFor', () => {
  it('claims unmarked on a first run', () => {
    expect(claimOptionsFor({ attemptsMade: 0, stalledCounter: 0 })).toEqual({ unmarked: true });
  });
  it('claims marked when the job was found stalled (its worker died while running it)', () => {
    expect(claimOptionsFor({ attemptsMade: 0, stalledCounter: 1 })).toEqual({ unmarked: false });
  });
  it('claims marked when the job failed before (store trouble)', () => {
    expect(claimOptionsFor({ attemptsMade: 2, stalledCounter: 0 })).toEqual({ unmarked: false });
  });
});
