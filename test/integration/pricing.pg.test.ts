/**
 * Pricing end to end on real sockets, Postgres and Redis, with the shipped rds mapping and billing.yaml:
 *
 * - An RDS^O13 over MLLP whose first order group carries no price (no FT1) and whose second does: AA, processed,
 *   both dispenses written (the first unpriced), never a dead letter.
 * - A build holds the unpriced dispense "no price" (GET /api/claims/unclaimed lists it with its reason and
 *   message); the priced one is excluded as the shipped payers take dispenses through NCPDP (routeByService).
 * - `rxbridge prices import` a small CSV (a bad row reported as file:line, the rest imported; a re-import changes
 *   nothing), `rxbridge prices status`.
 * - The next build prices the dispense (it is no longer held; SYNCOM01 then excludes it to NCPDP, as the shipped
 *   billing.yaml routes every dispense). A dispense cannot be an 837P line (NDC-coded lines are held
 *   code-not-billable), so the priced *claim* is shown with a code charge: a DFT^P03 line for MTM 99605 sent
 *   without an amount, through a temp copy of dft-p03 that says `unpriced: write`: held "no price", then claimed at
 *   the schedule's usual & customary fee in force on its date, the price recorded on the charge.
 * Messages are synthetic (the RDS layout follows the corpus FHIR-Converter RDS samples and rds.test.yaml).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pricesCommand } from '../../src/cli/prices';
import { importIcd10cmExtract } from './claims-support';
import { startHarness, type Harness } from './engine-harness';
import { dftMessage, hl7Segment, waitFor } from './support';

const ROOT = path.join(__dirname, '../..');
let h: Harness;
let tmp: string;

const ADT = [
  'MSH|^~\\&|RXSYS|PHARM01|RXBRIDGE|BILLING|20261101090000||ADT^A04^ADT_A01|PR-ADT-1|P|2.5.1',
  'EVN|A04|20261101090000',
  'PID|1||PR100^^^PHARM01^MR||TESTPATIENT^PRICE||19800101|F|||1 ELM ST^^ANYTOWN^NY^10001',
  'PV1|1|O',
  hl7Segment('IN1', {
    1: '1', 2: 'COM-1^PLAN', 3: 'SYNCOM01', 4: 'SYNTHETIC COMMERCIAL HEALTH PLAN', 12: '20250101', 16: 'TESTPATIENT^PRICE',
    17: 'SEL^Self^HL70063', 18: '19800101', 22: '1', 36: 'PR100-M',
  }),
].join('\r');

/** Two dispenses: amoxicillin without any FT1 (unpriced), metformin with its FT1 price. */
const RDS = [
  'MSH|^~\\&|RXSYS|PHARM01|RXBRIDGE|HOSP|20261103143500||RDS^O13^RDS_O13|PR-RDS-1|P|2.5.1',
  'PID|1||PR100^^^PHARM01^MR||TESTPATIENT^PRICE||19800101|F',
  'ORC|RE|PLC-1|FIL-1|||||||||1234567893^PRESCRIBER^PAT^^^^^^^^^^NPI',
  'RXE||0093-0058-01^AMOXICILLIN 500MG CAP^NDC|1||CAP|||||30|CAP||||RX-PR1||||||||||||J01.90^ACUTE SINUSITIS^I10',
  'RXD|1|0093-0058-01^AMOXICILLIN 500MG CAP^NDC|20261103143000|30|CAP^CAPSULE||RX-PR1|||1234567893^PHARMACIST^PAT^^^^^^^^^^NPI|N',
  'ZRX|1|X|10',
  'ORC|RE|PLC-2|FIL-2|||||||||1234567893^PRESCRIBER^PAT^^^^^^^^^^NPI',
  'RXD|1|00378-1805-10^METFORMIN 500MG TAB^NDC|20261103|60|TAB||RX-PR2',
  'FT1|1|||20261103||CG|RX-DISPENSE|||60|12.00&USD',
].join('\r');

const DFT = dftMessage({ controlId: 'PR-DFT-1', patientId: 'PR100', lines: [{ txn: 'PR-MTM-1', code: '99605', amount: '' }] });

const CSV = [
  'code_system,code,method,effective_from,effective_to,amount,unit_cost,formula,description',
  'NDC,0093-0058-01,uc,2026-01-01,,0.625,,,amoxicillin 500 mg capsule (synthetic U&C per capsule)',
  'NDC,00378-1805-10,cost,2026-01-01,,,0.21,AWP * 0.85 + 10.50,metformin 500 mg tablet',
  'CPT,99605,uc,2025-01-01,2025-12-31,40.00,,,last year\'s MTM fee',
  'CPT,99605,uc,2026-01-01,,45.00,,,MTM initial 15 minutes',
  'CPT,90471,admin,2026-01-01,,25.00,,,vaccine administration fee',
  'NDC,0093005801,uc,2026-01-01,,0.60,,,ten digits without hyphens',
].join('\n');

async function processed(controlId: string): Promise<string> {
  let id = '';
  await waitFor(async () => {
    const row = await h.engine.store.db.selectFrom('messages').select(['id', 'status']).where('control_id', '=', controlId).executeTakeFirst();
    id = row ? String(row.id) : '';
    return row?.status === 'processed';
  }, 20_000, `${controlId} to be processed`);
  return id;
}

async function prices(args: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await pricesCommand(args, { DATABASE_URL: h.databaseUrl }, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out, err };
}

beforeAll(async () => {
  const dft = fs.readFileSync(path.join(ROOT, 'mappings/dft-p03.yaml'), 'utf8');
  // Both charge rules (P03 `line` and P11 `expanded-line`) write unpriced lines.
  const unpricedDft = dft.replace(/\n    output: charge\n/g, '\n    output: charge\n    unpriced: write\n');
  expect(unpricedDft).not.toBe(dft);
  h = await startHarness({ store: 'postgres', mappingYaml: unpricedDft });
  await importIcd10cmExtract(h.engine.store.db, 2027); // the shipped billing.yaml requires ICD-10-CM: FY2027 covers November 2026
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'rxb-prices-'));
});

afterAll(async () => {
  await h?.close();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

it('a dispense without a price is processed and held "no price"; after rxbridge prices import the next build prices it and claims the code charge', async () => {
  for (const [message, controlId] of [[ADT, 'PR-ADT-1'], [RDS, 'PR-RDS-1'], [DFT, 'PR-DFT-1']] as const) {
    expect(await h.send(message)).toMatch(/\rMSA\|AA\|/);
    await processed(controlId);
  }
  const rdsId = await processed('PR-RDS-1');
  const charges = () => h.engine.store.db.selectFrom('charges')
    .select(['id', 'transaction_id', 'status', 'code', 'charge_amount', 'unpriced', 'priced_by', 'days_supply', 'ordering_npi', 'units'])
    .orderBy('id').execute();
  const written = await charges();
  expect(written.map((c) => [c.transaction_id, c.status, c.code, String(c.charge_amount), c.unpriced, c.priced_by])).toEqual([
    ['RX-PR1-1', 'active', '00093005801', '0.00', true, null],   // no FT1: written unpriced, with everything else
    ['RX-PR2-1', 'active', '00378180510', '12.00', false, null], // the rest of the message: priced by its FT1
    ['PR-MTM-1', 'active', '99605', '0.00', true, null],
  ]);
  expect(written[0]).toMatchObject({ days_supply: 10, ordering_npi: '1234567893' });
  const [amox, metformin, mtm] = written.map((c) => String(c.id));

  // Nothing priced yet: the unpriced lines are held "no price", listed with their reason and message.
  const first = await h.api('POST', '/api/claims/build');
  expect(first.status).toBe(200);
  expect(first.json.created).toEqual([]);
  expect(first.json.held.map((c: any) => [c.chargeId, c.reason])).toEqual([[amox, 'no-price'], [mtm, 'no-price']]);
  expect(first.json.excluded.map((c: any) => [c.chargeId, c.reason])).toEqual([[metformin, 'ncpdp-route']]);
  const unclaimed = await h.api('GET', '/api/claims/unclaimed');
  // Listed with the service it is: patient, date, code, and no amount (the feed sent none).
  expect(unclaimed.json.held).toContainEqual({
    chargeId: amox, reason: 'no-price', messageId: rdsId,
    message: 'no price: the message carried none and no fee schedule row covers NDC 00093005801 on 2026-11-03 (rxbridge prices import)',
    patientRef: 'PR100', serviceDate: '2026-11-03', code: '00093005801', chargeAmount: null,
  });

  expect(await prices(['status'])).toMatchObject({ code: 0, out: [expect.stringMatching(/^no fee schedule imported/)] });

  // The biller imports the schedule: one bad row reported with its line, the rest imported in one transaction.
  const file = path.join(tmp, 'prices.csv');
  fs.writeFileSync(file, `${CSV}\n`);
  const imported = await prices(['import', file]);
  expect(imported.code).toBe(0);
  expect(imported.err).toEqual([`${file}:7: NDC "0093005801" is a 10-digit NDC without hyphens: which segment is short cannot be told`]);
  expect(imported.out[0]).toBe('imported fee schedule prices.csv: 6 rows read, 5 new, 0 updated, 0 unchanged, 1 rejected');
  const again = await prices(['import', file]);
  expect(again.out[0]).toBe('imported fee schedule prices.csv: 6 rows read, 0 new, 0 updated, 5 unchanged, 1 rejected');
  expect(await h.engine.store.db.selectFrom('fee_schedule').select('id').execute()).toHaveLength(5);
  const status = await prices(['status']);
  expect(status.out[0]).toMatch(/^5 fee-schedule rows: 3 usual & customary, 1 cost-based, 1 vaccine administration; \d in force today$/);

  // The next build prices both: the dispense leaves the held list (the payer takes dispenses through NCPDP), the
  // MTM visit is claimed at this year's usual & customary fee, not last year's.
  const second = await h.api('POST', '/api/claims/build');
  expect(second.status).toBe(200);
  expect(second.json.held).toEqual([]);
  expect(second.json.excluded.map((c: any) => [c.chargeId, c.reason])).toEqual([[amox, 'ncpdp-route'], [metformin, 'ncpdp-route']]);
  expect(second.json.created).toHaveLength(1);
  const claim = await h.api('GET', `/api/claims/${second.json.created[0].id}`);
  expect(claim.json.claim.lines.map((l: any) => [l.chargeId, l.code, l.chargeAmount])).toEqual([[mtm, '99605', '45.00']]);
  expect(claim.json.claim.totalCharge).toBe('45.00');
  expect(claim.json.findings).toContainEqual(expect.objectContaining({
    ruleId: 'priced-from-schedule', severity: 'info',
    message: `charge ${mtm} came without a price: 45.00 from the fee schedule, usual & customary 45 × 1 (prices.csv:5, in force from 2026-01-01)`,
  }));
  expect(claim.json.findings.filter((f: any) => f.severity === 'error')).toEqual([]);

  // The price is recorded on the charge it billed (a replacement bills the same amount); the dispense excluded to
  // NCPDP stays unpriced here.
  const after = await charges();
  expect(after.map((c) => [String(c.id), String(c.charge_amount), c.priced_by])).toEqual([
    [amox, '0.00', null],
    [metformin, '12.00', null],
    [mtm, '45.00', 'usual & customary 45 × 1 (prices.csv:5, in force from 2026-01-01)'],
  ]);
  expect((await h.api('GET', '/api/claims/unclaimed')).json.held).toEqual([]);
});

it('prices import answers a file that is not a fee schedule with file:line and imports nothing', async () => {
  const file = path.join(tmp, 'wrong.csv');
  fs.writeFileSync(file, 'npi,familyName,givenName\n1234567893,TEST,PAT\n');
  const r = await prices(['import', file]);
  expect(r.code).toBe(1);
  expect(r.err).toEqual([
    `${file}:1: unknown column "npi" (columns: code_system, code, method, effective_from, effective_to, amount, unit_cost, formula, description)`,
    `nothing imported from ${file}`,
  ]);
  expect((await prices(['bogus'])).code).toBe(2);
});
