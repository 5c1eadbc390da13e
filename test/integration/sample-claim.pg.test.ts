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
  // README's first message first: the sample as written (2025).
  expect(await sendFiles([path.join(SAMPLES, 'dft-p03.hl7')], '127.0.0.1', h.mllpPort, () => undefined)).toBe(0);
  await waitFor(async () => (await h.engine.store.db.selectFrom('charges').select('id').execute()).length === 2, 20_000, 'the 2025 charges');
  const lines: string[] = [];
  const code = await sendFiles([path.join(SAMPLES, 'adt-a04.hl7'), path.join(SAMPLES, 'dft-p03.hl7')], '127.0.0.1', h.mllpPort, (l) => lines.push(l), {
    shiftDatesToToday: true,
  });
  expect(code).toBe(0);
  const day = new Date().toISOString().slice(0, 10).replace(/-/g, '');
  expect(lines).toEqual([
    expect.stringMatching(new RegExp(`^dates moved by \\d+ days \\(the latest is today\\); control ids end in -${day}$`)),
    `${path.join(SAMPLES, 'adt-a04.hl7')}: MSA|AA|SAMPLE-ADT-0001-${day}`,
    `${path.join(SAMPLES, 'dft-p03.hl7')}: MSA|AA|SAMPLE-DFT-0001-${day}`,
  ]);
  await waitFor(async () => (await h.engine.store.db.selectFrom('charges').select('id').execute()).length === 4, 20_000, 'today\'s charges');
  const today = new Date().toISOString().slice(0, 10);
  const charges = (await h.api('GET', '/api/charges')).json.charges as any[];
  // As README's first message shows them (there with the sample's own date, 2025-03-01).
  expect(charges.map((c) => [c.service_date, c.transaction_id, c.code_system, c.code, c.charge_amount, c.diagnoses, c.rendering_npi, c.ordering_npi, c.ndc])).toEqual([
    [today, 'TX-0002', 'CPT', '99607', '25.00', ['I10'], '1234567893', null, null],
    [today, 'TX-0001', 'CPT', '99605', '75.00', ['I10'], '1234567893', '1987654328', null],
    ['2025-03-01', 'TX-0002', 'CPT', '99607', '25.00', ['I10'], '1234567893', null, null],
    ['2025-03-01', 'TX-0001', 'CPT', '99605', '75.00', ['I10'], '1234567893', '1987654328', null],
  ]);

  const built = await h.api('POST', '/api/claims/build');
  expect(built.status).toBe(200);
  expect({ held: built.json.held, excluded: built.json.excluded }).toEqual({ held: [], excluded: [] });
  const claims = await Promise.all(built.json.created.map(async (c: any) => (await h.api('GET', `/api/claims/${c.id}`)).json));
  const summary = claims.map((d: any) => ({
    date: d.claim.serviceDate ?? d.serviceDate,
    status: d.status ?? d.claim?.status,
    lines: (d.lines ?? []).length,
    findings: (d.findings as Array<{ severity: string; ruleId: string }>).filter((f) => f.severity !== 'info').map((f) => f.ruleId),
  }));
  // Today's claim is clean; the 2025 one (sent unshifted) is held: past the payer's timely filing limit.
  expect(summary).toEqual(expect.arrayContaining([
    { date: today, status: 'ready', lines: 2, findings: [] },
    expect.objectContaining({ date: '2025-03-01', status: 'held', findings: expect.arrayContaining([expect.stringMatching(/timely/)]) }),
  ]));
  expect(built.json.created.map((c: any) => c.payerId)).toEqual(['SYNCOM01', 'SYNCOM01']);
});
