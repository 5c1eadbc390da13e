/**
 * The README's first-hour path makes a clean claim in any year: samples/adt-a04.hl7 and samples/dft-p03.hl7 sent
 * with `rxbridge send --shift-dates-to-today` (every date moved so the latest is today) to a running engine with
 * the shipped channel, mappings and billing.yaml, then POST /api/claims/build: the claim is ready, nothing held.
 */
import path from 'node:path';
import { sendFiles } from '../../src/cli/send';
import { main } from '../../src/cli/main';
import { startHarness, type Harness } from './engine-harness';
import { waitFor } from './support';

const SAMPLES = path.join(__dirname, '../../samples');
let h: Harness;

beforeAll(async () => {
  h = await startHarness({ store: 'postgres' });
  // The README's step: the sample ICD-10-CM extract as an open-ended release (the shipped billing.yaml requires one).
  const code = await main(['codes', 'import', 'icd10cm', path.join(SAMPLES, 'icd10cm-sample.txt'), '--release', 'sample', '--from', '2000-01-01'], {
    DATABASE_URL: h.databaseUrl!,
  });
  expect(code).toBe(0);
});

afterAll(async () => {
  await h?.close();
});

it('sends the samples with their dates moved to today, and the claim they make is ready', async () => {
  const lines: string[] = [];
  const code = await sendFiles([path.join(SAMPLES, 'adt-a04.hl7'), path.join(SAMPLES, 'dft-p03.hl7')], '127.0.0.1', h.mllpPort, (l) => lines.push(l), {
    shiftDatesToToday: true,
  });
  expect(code).toBe(0);
  expect(lines[0]).toMatch(/^dates moved by \d+ days \(the latest is today\)$/);
  await waitFor(async () => (await h.engine.store.db.selectFrom('charges').select('id').execute()).length === 2, 20_000, 'two charges');
  const today = new Date().toISOString().slice(0, 10);
  const charges = await h.api('GET', '/api/charges');
  expect(charges.json.charges.map((c: any) => c.service_date)).toEqual([today, today]);
  // As README's first message shows them (there with the sample's own date, 2025-03-01).
  expect(charges.json.charges.map((c: any) => [c.transaction_id, c.code_system, c.code, c.charge_amount, c.diagnoses, c.rendering_npi, c.ordering_npi, c.ndc])).toEqual([
    ['TX-0002', 'CPT', '99607', '25.00', ['I10'], '1234567893', null, null],
    ['TX-0001', 'CPT', '99605', '75.00', ['I10'], '1234567893', '1987654328', null],
  ]);

  const built = await h.api('POST', '/api/claims/build');
  expect(built.status).toBe(200);
  expect({ held: built.json.held, excluded: built.json.excluded }).toEqual({ held: [], excluded: [] });
  const detail = await h.api('GET', `/api/claims/${built.json.created[0]?.id}`);
  const findings = (detail.json.findings ?? detail.json.claim?.findings) as Array<{ severity: string; message: string }>;
  expect(findings.filter((f) => f.severity !== 'info')).toEqual([]);
  expect(built.json.created.map((c: any) => [c.payerId, c.lines, c.status])).toEqual([['SYNCOM01', 2, 'ready']]);
});
