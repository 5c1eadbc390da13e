/**
 * Mapping previews in a worker thread (src/mappings/preview-runner.ts): the answer is the one the preview gives on
 * the event loop (as JSON, which is what the API sends), errors keep their kind and content, a preview over its
 * time budget is stopped and answered PREVIEW_TOO_SLOW, and at most MAX_PREVIEWS_AT_ONCE run at once.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ConfigError } from '../../src/core/config-file';
import { EngineError } from '../../src/core/errors';
import { compileMappingText, mappingSha256 } from '../../src/mappings/load';
import { previewMessages, type PreviewJob } from '../../src/mappings/preview';
import { MAX_PREVIEWS_AT_ONCE, runPreviewInWorker } from '../../src/mappings/preview-runner';

jest.setTimeout(60_000);

const ROOT = path.resolve(__dirname, '../..');
const FILE = path.join(ROOT, 'mappings/dft-p03.yaml');
const LIVE = fs.readFileSync(FILE, 'utf8');
const CANDIDATE = LIVE.replace('transactionId: FT1-2', 'transactionId: FT1-1');

function dft(controlId: string, code = '90471'): string {
  const ft1 = new Array(32).fill('');
  Object.assign(ft1, { 0: 'FT1', 1: '1', 2: 'T1', 4: '20261103', 6: 'CG', 7: `${code}^Service^C4`, 10: '1', 11: '25&USD',
    19: 'Z23^Encounter for immunization^I10', 20: '1234567893^PHARMACIST^PAT^^^^^^NPI', 25: `${code}^Service^C4` });
  return [
    `MSH|^~\\&|RXSYS|PHARM01|RXBRIDGE|BILLING|20261103101500||DFT^P03^DFT_P03|${controlId}|P|2.5.1`,
    'EVN|P03|20261103101500', 'PID|1||PRUN1^^^PHARM01^MR||TESTPATIENT^ALEX||19800101|U', 'PV1|1|O', ft1.join('|'),
  ].join('\r');
}

const job = (over: Partial<PreviewJob> = {}): PreviewJob => ({
  name: 'dft-p03', file: FILE, env: {}, liveText: LIVE, candidateText: CANDIDATE, sha256: mappingSha256(CANDIDATE),
  source: { stored: [
    { id: '11', channel: 'pharmacy-inbound', sender: 'RXSYS|PHARM01', controlId: 'C11', content: dft('C11') },
    { id: '12', channel: 'pharmacy-inbound', sender: 'RXSYS|PHARM01', controlId: 'C12', content: 'not HL7' },
  ] },
  ...over,
});

test('the worker answers what the preview gives on the event loop, as JSON', async () => {
  const j = job();
  const here = previewMessages('dft-p03', compileMappingText(LIVE, 'dft-p03', FILE, {}),
    compileMappingText(CANDIDATE, 'dft-p03', FILE, {}), j.sha256, j.source);
  const there = await runPreviewInWorker(j);
  expect(there).toEqual(JSON.parse(JSON.stringify(here)));
  expect(there.changed).toBe(1);
  expect(there.messages[1]!.live).toMatchObject({ error: { code: expect.any(String) } });
});

test('errors keep their kind: an invalid candidate is a ConfigError with its issues, a bad raw message BAD_REQUEST', async () => {
  const invalid = await runPreviewInWorker(job({ candidateText: CANDIDATE.replace('transactionId: FT1-1', 'transactionId: FT1-x') }))
    .catch((e: unknown) => e);
  expect(invalid).toBeInstanceOf(ConfigError);
  expect((invalid as ConfigError).issues[0]).toMatchObject({ file: FILE, line: expect.any(Number), col: expect.any(Number) });
  const env = await runPreviewInWorker(job({ candidateText: `${CANDIDATE}\n# x\ndescription: "\\x24{DATABASE_URL}"\n` })).catch((e: unknown) => e);
  expect(env).toBeInstanceOf(ConfigError);
  const raw = await runPreviewInWorker(job({ source: { raw: 'hello', channel: 'pharmacy-inbound' } })).catch((e: unknown) => e);
  expect(raw).toBeInstanceOf(EngineError);
  expect(raw).toMatchObject({ code: expect.stringMatching(/^(BAD_REQUEST)$/) });
});

test('a preview over its time budget is stopped and answered PREVIEW_TOO_SLOW; previews take turns', async () => {
  // Far beyond what the API accepts (the runner itself takes any size): seconds of work on any machine.
  const keys = Array.from({ length: 10_000 }, (_, i) => `    "*a*a*a*a*a*a*a*a*Z${i}": other\n`).join('');
  const slow = LIVE.replace('  serviceKinds:\n', `  serviceKinds:\n${keys}`);
  const slowJob = job({ candidateText: slow, source: { raw: dft('SLOW', 'a'.repeat(2_000_000)), channel: 'pharmacy-inbound' } });
  const started = Date.now();
  const settledAt: number[] = [];
  const results = await Promise.allSettled(Array.from({ length: MAX_PREVIEWS_AT_ONCE + 1 }, () =>
    runPreviewInWorker(slowJob, { timeoutMs: 1000 }).finally(() => settledAt.push(Date.now() - started))));
  for (const r of results) {
    expect(r).toMatchObject({ status: 'rejected', reason: { code: 'PREVIEW_TOO_SLOW', message: expect.stringMatching(/did not finish within 1 s and was stopped/) } });
  }
  // Two ran at once and were stopped together; the third started when a turn came free, at least one budget later
  // (the budget counts from when a worker takes its job, not from its thread's start).
  const [first, second, third] = settledAt as [number, number, number];
  expect(first).toBeGreaterThanOrEqual(1000);
  expect(second - first).toBeLessThan(800);
  expect(third - first).toBeGreaterThanOrEqual(950);
  // The runner still works after stopping workers.
  expect((await runPreviewInWorker(job())).messages).toHaveLength(2);
});
