import { MAX_SKIPPED_SWEEPS, sweepNow } from '../../src/pipeline/recovery';

test('the sweep runs when the caller says so', () => {
  expect(sweepNow(true, 0)).toBe(true);
});

test('a busy queue skips the sweep, but never more than MAX_SKIPPED_SWEEPS rounds in a row', () => {
  for (let i = 0; i < MAX_SKIPPED_SWEEPS; i++) expect(sweepNow(false, i)).toBe(false);
  expect(sweepNow(false, MAX_SKIPPED_SWEEPS)).toBe(true);
});
