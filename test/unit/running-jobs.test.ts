/**
 * RunningJobs (src/pipeline/bullmq/worker.ts): each task is handed the jobs that started before it, which settle when
 * their tasks settle, whether they succeeded or threw; a finished job is no longer handed out.
 */
import { RunningJobs } from '../../src/pipeline/bullmq/worker';

describe('RunningJobs', () => {
  it('hands each task the jobs started before it, settling as they finish, thrown or not', async () => {
    const running = new RunningJobs();
    const log: string[] = [];
    let finishA = (): void => undefined;
    let failB = (): void => undefined;
    const a = running.run(async (earlier) => {
      log.push(`a sees ${earlier.length}`);
      await new Promise<void>((resolve) => (finishA = resolve));
      log.push('a done');
    });
    const b = running.run(async (earlier) => {
      log.push(`b sees ${earlier.length}`);
      await new Promise<void>((_, reject) => (failB = () => reject(new Error('store down'))));
    });
    const c = running.run(async (earlier) => {
      log.push(`c sees ${earlier.length}`);
      await Promise.all(earlier);
      log.push('c after a and b');
      return 'c';
    });
    failB();
    await expect(b).rejects.toThrow('store down');
    expect(log).not.toContain('c after a and b');
    finishA();
    await a;
    await expect(c).resolves.toBe('c');
    expect(log).toEqual(['a sees 0', 'b sees 1', 'c sees 2', 'a done', 'c after a and b']);
    await running.run(async (earlier) => expect(earlier).toHaveLength(0));
  });
});
