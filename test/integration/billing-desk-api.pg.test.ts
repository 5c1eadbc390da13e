/**
 * The billing desk through the API of a running engine, on real Postgres: `rxbridge acks` posts the clearinghouse's
 * 999 (accepted) and a 277CA (one claim rejected) and prints what they did; an 835 pays one claim and denies another
 * (its line CO-50 with remark N130, the claim's MOA with MA130); the remittance list (totals, filters, paging) and detail; a withdraw refused without a reason, done
 * with one (audited `claims.remittance.withdraw`, the claims back as before), refused the second time (409
 * REMITTANCE_WITHDRAW_REFUSED), and the file posted again; the aging, denials (by CARC and by RARC) and rejections
 * reports with their
 * date ranges and CSV exports (escaped, audited `reports.export`). All data synthetic.
 */
import fs from 'node:fs';
import path from 'node:path';
import { acksCommand } from '../../src/cli/acks';
import { importIcd10cmExtract, insertCharge, insertCoverage, insertMessage, insertPatient, write277CA, write999 } from './claims-support';
import { startHarness, TOKEN, type Harness } from './engine-harness';
import { synthetic835 } from '../unit/x12-835-writer';

let h: Harness;
const ids: string[] = [];
const controls: string[] = [];

async function csv(url: string): Promise<{ status: number; type: string | null; text: string }> {
  const res = await fetch(`http://127.0.0.1:${h.engine.httpAddress()!.port}${url}`, { headers: { authorization: `Bearer ${TOKEN}` } });
  return { status: res.status, type: res.headers.get('content-type'), text: await res.text() };
}

const auditRows = (action: string) =>
  h.engine.store.db.selectFrom('audit_events').select(['action', 'target_type', 'target_id', 'detail']).where('action', '=', action).orderBy('id').execute();

beforeAll(async () => {
  h = await startHarness({ store: 'postgres' });
  const db = h.engine.store.db;
  await importIcd10cmExtract(db, 2027);
  const messageId = await insertMessage(db, 'DESK-1');
  for (const p of ['D1', 'D2', 'D3']) {
    await insertPatient(db, p);
    await insertCoverage(db, p, 'SYNCOM01', 'CI');
    await insertCharge(db, messageId, { patient: p, date: '2026-11-02', code: '99605', amount: '25.00', kind: 'mtm', dx: ['E11.9'] });
  }
  const built = await h.api('POST', '/api/claims/build');
  const first = (await h.api('GET', `/api/claims/${built.json.created[0].id}`)).json;
  expect(first.findings.filter((f: any) => f.severity === 'error')).toEqual([]);
  expect(built.json.created.map((c: any) => c.status)).toEqual(['ready', 'ready', 'ready']);
  for (const c of built.json.created) { ids.push(c.id); controls.push(c.controlNumber); }
  expect((await h.api('POST', '/api/claims/batches', {})).status).toBe(201);
}, 60_000);

afterAll(async () => {
  await h?.close();
});

it('rxbridge acks posts a 999 and a 277CA and prints what each did', async () => {
  const batch = await h.engine.store.db.selectFrom('claim_batches').select(['group_control', 'transaction_set_control']).executeTakeFirstOrThrow();
  const dir = fs.mkdtempSync(path.join(h.project.root, 'acks-'));
  const f999 = path.join(dir, 'batch.999');
  const f277 = path.join(dir, 'claims.277');
  fs.writeFileSync(f999, write999({ groupControl: Number(batch.group_control), setControl: Number(batch.transaction_set_control), accepted: true }));
  fs.writeFileSync(f277, write277CA([
    { controlNumber: controls[0]!, category: 'A2', status: '20', charge: '25.00' },
    { controlNumber: controls[1]!, category: 'A2', status: '20', charge: '25.00' },
    { controlNumber: controls[2]!, category: 'A7', status: '562', charge: '25.00' },
  ]));
  const lines: string[] = [];
  const env = { RXBRIDGE_ADMIN_TOKEN: TOKEN, HTTP_PORT: String(h.engine.httpAddress()!.port) };
  expect(await acksCommand([f999, f277, path.join(dir, 'missing.999')], env, (l) => lines.push(l))).toBe(1);
  expect(lines.slice(0, 2)).toEqual([`${f999}: 1 batch (1 accepted, 0 rejected)`, expect.stringMatching(/^  batch \d+: accepted, 3 claims$/)]);
  expect(lines).toContain(`${f277}: 3 claims (2 accepted, 1 rejected)`);
  expect(lines).toContain(`  ${controls[2]} (claim ${ids[2]}): rejected → rejected`);
  expect(lines.at(-1)).toBe(`${path.join(dir, 'missing.999')}: cannot read (ENOENT)`);
  const usage: string[] = [];
  expect(await acksCommand([], env, (l) => usage.push(l))).toBe(2);

  const rejections = await h.api('GET', '/api/reports/rejections');
  expect(rejections.json.rows).toEqual([expect.objectContaining({
    payerId: 'SYNCOM01', payerName: 'SYNTHETIC COMMERCIAL HEALTH PLAN', sets999: { accepted: 1, rejected: 0 },
    claims999: { accepted: 3, rejected: 0 }, claims277: { accepted: 2, rejected: 1 }, rate999: 0, rate277: 0.3333,
  })]);
  expect((await h.api('GET', '/api/reports/rejections?until=2000-01-01')).json.rows).toEqual([]);
});

it('lists remittances with totals, opens one, withdraws it with a reason (audited) and takes the file again', async () => {
  const file = synthetic835({
    trace: 'DESK-EFT-1', payerName: 'SYNTHETIC COMMERCIAL HEALTH PLAN', payerId: 'SYNCOM01', paymentDate: '2026-11-20',
    claims: [
      { controlNumber: controls[0]!, status: '1', charge: '25.00', paid: '20.00', payerClaimNumber: 'PCN-1',
        adjustments: [{ group: 'CO', reason: '45', amount: '5.00' }] },
      { controlNumber: controls[1]!, status: '4', charge: '25.00', paid: '0.00', payerClaimNumber: 'PCN-2', moa: ['MA130'],
        services: [{ code: '99605', charge: '25.00', paid: '0.00', date: '2026-11-02',
          adjustments: [{ group: 'CO', reason: '50', amount: '25.00' }], remarks: ['N130'] }] },
      { controlNumber: 'NOTOURS1', status: '1', charge: '9.00', paid: '9.00' },
    ],
  });
  const before = await Promise.all(ids.slice(0, 2).map(async (id) => (await h.api('GET', `/api/claims/${id}`)).json));
  const posted = await h.api('POST', '/api/remittances', { x12: file });
  expect(posted.status).toBe(201);
  const remittanceId = posted.json.remittances[0].id;

  const list = await h.api('GET', '/api/remittances?payer=SYNCOM01&since=2026-11-01&until=2026-11-30');
  expect(list.status).toBe(200);
  expect(list.json.remittances).toEqual([expect.objectContaining({
    id: remittanceId, traceNumber: 'DESK-EFT-1', paymentAmount: '29.00', paid: '29.00', adjustments: '30.00',
    patientResponsibility: '0.00', claimsMatched: 2, linesUnmatched: 1, withdrawn: null,
  })]);
  expect((await h.api('GET', '/api/remittances?trace=OTHER')).json.remittances).toEqual([]);
  expect((await h.api('GET', '/api/remittances?until=2026-11-19')).json.remittances).toEqual([]);
  expect((await h.api('GET', '/api/remittances?since=11/01/2026')).status).toBe(400);
  const detail = await h.api('GET', `/api/remittances/${remittanceId}`);
  expect(detail.json.claims.map((c: any) => [c.claimId, c.outcome])).toEqual([[ids[0], 'paid'], [ids[1], 'denied'], [null, 'unmatched']]);
  expect(detail.json.totals).toEqual({
    paid: '29.00', adjustments: '30.00', patientResponsibility: '0.00', providerAdjustments: '0.00', claimsMatched: 2, linesUnmatched: 1,
  });

  // The denied line carries CO-50 and N130, the denied claim MA130 (MOA): one CARC row and two RARC rows.
  const payer = { payerId: 'SYNCOM01', payerName: 'SYNTHETIC COMMERCIAL HEALTH PLAN' };
  const denials = await h.api('GET', '/api/reports/denials?since=2026-11-01');
  expect(denials.json).toEqual({
    rows: [{ ...payer, group: 'CO', reason: '50', meaning: 'non-covered service: not deemed a medical necessity by the payer', count: 1, amount: '25.00' }],
    remarks: [
      { ...payer, remark: 'MA130', meaning: expect.stringMatching(/^the claim has incomplete or invalid information/), count: 1, amount: '25.00' },
      { ...payer, remark: 'N130', meaning: "see the plan's benefit rules (consult plan documents)", count: 1, amount: '25.00' },
    ],
  });
  expect(await h.engine.store.db.selectFrom('line_payments').select('remark_codes').where('outcome', '=', 'denied').execute())
    .toEqual([{ remark_codes: ['N130'] }]);
  expect((await h.api('GET', '/api/reports/denials?until=2026-11-19')).json).toEqual({ rows: [], remarks: [] });
  const denialsCsv = await csv('/api/reports/denials?format=csv');
  expect(denialsCsv.type).toMatch(/^text\/csv/);
  expect(denialsCsv.text).toBe([
    'kind,payer_id,payer_name,group,code,meaning,count,amount',
    'carc,SYNCOM01,SYNTHETIC COMMERCIAL HEALTH PLAN,CO,50,non-covered service: not deemed a medical necessity by the payer,1,25.00',
    'rarc,SYNCOM01,SYNTHETIC COMMERCIAL HEALTH PLAN,,MA130,the claim has incomplete or invalid information and cannot be appealed: correct it and submit a new claim,1,25.00',
    `rarc,SYNCOM01,SYNTHETIC COMMERCIAL HEALTH PLAN,,N130,see the plan's benefit rules (consult plan documents),1,25.00`,
    '',
  ].join('\r\n'));

  expect((await h.api('POST', `/api/remittances/${remittanceId}/withdraw`, {})).status).toBe(400);
  const withdrawn = await h.api('POST', `/api/remittances/${remittanceId}/withdraw`, { reason: 'posted the test file' });
  expect(withdrawn.status).toBe(200);
  expect(withdrawn.json).toMatchObject({ remittanceId, claims: [{ claimId: ids[0], to: 'accepted' }, { claimId: ids[1], to: 'accepted' }], unmatchedRemoved: 1 });
  const after = await Promise.all(ids.slice(0, 2).map(async (id) => (await h.api('GET', `/api/claims/${id}`)).json));
  for (const [i, c] of after.entries()) {
    expect([c.status, c.paidAmount, c.patientResponsibility, c.patientOwes, c.payments]).toEqual(
      [before[i].status, before[i].paidAmount, before[i].patientResponsibility, before[i].patientOwes, before[i].payments]);
  }
  expect(await auditRows('claims.remittance.withdraw')).toEqual([{
    action: 'claims.remittance.withdraw', target_type: 'remittance', target_id: remittanceId,
    detail: { trace: 'DESK-EFT-1', claims: 2, voidedClaims: 0, unmatchedRemoved: 1 },
  }]);
  expect((await h.api('GET', '/api/reports/denials')).json).toEqual({ rows: [], remarks: [] });
  const again = await h.api('POST', `/api/remittances/${remittanceId}/withdraw`, { reason: 'twice' });
  expect(again.status).toBe(409);
  expect(again.json.error.code).toBe('REMITTANCE_WITHDRAW_REFUSED');

  const reposted = await h.api('POST', '/api/remittances', { x12: file });
  expect(reposted.status).toBe(201);
  expect(reposted.json.remittances[0].claims.map((c: any) => c.status)).toEqual(['paid', 'denied']);
  const listed = (await h.api('GET', '/api/remittances?limit=1')).json;
  expect(listed.remittances.map((r: any) => r.id)).toEqual([reposted.json.remittances[0].id]);
  expect((await h.api('GET', `/api/remittances?limit=1&before=${listed.next}`)).json.remittances[0]).toMatchObject({
    id: remittanceId, withdrawn: { by: expect.any(String), reason: 'posted the test file' },
  });
});

it('ages the open balances by payer from the day each claim was sent, and exports them', async () => {
  const sentOn = (await h.engine.store.db.selectFrom('claim_batches').select('created_at').executeTakeFirstOrThrow()).created_at;
  const day = (offset: number) => new Date(new Date(sentOn).getTime() + offset * 86_400_000).toISOString().slice(0, 10);
  // Claim 0 is paid 20.00 with 5.00 CO-45 (nothing open), claim 1 denied (its line's CO-50 closes the balance), claim 2
  // rejected by the 277CA (not open at the payer): nothing is open, so the aging is empty…
  expect((await h.api('GET', `/api/reports/aging?asOf=${day(0)}`)).json.payers).toEqual([]);
  // …until a claim is sent and not answered: claim 2 corrected, batched again.
  expect((await h.api('POST', `/api/claims/${ids[2]}/correct`)).status).toBe(200);
  expect((await h.api('POST', '/api/claims/batches', {})).status).toBe(201);
  const aging = await h.api('GET', `/api/reports/aging?asOf=${day(45)}`);
  expect(aging.json).toEqual({ asOf: day(45), payers: [expect.objectContaining({
    payerId: 'SYNCOM01', payerName: 'SYNTHETIC COMMERCIAL HEALTH PLAN', claims: 1, balance: '25.00',
  })] });
  expect(aging.json.payers[0].buckets['31-60']).toEqual({ claims: 1, balance: '25.00' });
  expect(aging.json.payers[0].buckets['0-30']).toEqual({ claims: 0, balance: '0.00' });
  expect((await h.api('GET', `/api/reports/aging?asOf=${day(200)}`)).json.payers[0].buckets['120+']).toEqual({ claims: 1, balance: '25.00' });
  expect((await h.api('GET', `/api/reports/aging?since=${day(1)}`)).json.payers).toEqual([]);
  const exported = await csv(`/api/reports/aging?asOf=${day(45)}&format=csv`);
  expect(exported.text.split('\r\n')[1]).toBe('SYNCOM01,SYNTHETIC COMMERCIAL HEALTH PLAN,0,0.00,1,25.00,0,0.00,0,0.00,0,0.00,1,25.00');
  expect((await auditRows('reports.export')).map((r) => (r.detail as any).report)).toEqual(['denials', `aging-${day(45)}`]);
  const revenue = await h.api('GET', '/api/reports/revenue?by=payer&since=2026-11-01&until=2026-11-30');
  expect(revenue.json.rows[0]).toMatchObject({ key: 'SYNCOM01', label: 'SYNTHETIC COMMERCIAL HEALTH PLAN' });
  expect((await h.api('GET', '/api/reports/revenue?by=payer&until=2026-10-31')).json.rows).toEqual([]);
});

it('lists claims with the date of service, the patient reference (audited) and the count and amount per status', async () => {
  const list = await h.api('GET', '/api/claims?payer=SYNCOM01');
  expect(list.json.claims.map((c: any) => [c.patientRef, c.serviceDate])).toEqual([['D3', '2026-11-02'], ['D2', '2026-11-02'], ['D1', '2026-11-02']]);
  expect(list.json.totals).toEqual([
    { status: 'batched', claims: 1, amount: '25.00' },
    { status: 'paid', claims: 1, amount: '25.00' },
    { status: 'denied', claims: 1, amount: '25.00' },
  ]);
  // The totals cover the whole filter, not the page.
  expect((await h.api('GET', '/api/claims?limit=1')).json.totals.map((t: any) => t.claims)).toEqual([1, 1, 1]);
  const views = await auditRows('claim.list.view');
  expect(views.at(-1)!.detail).toEqual({ patients: true, ids: [ids[2]] });
});
