/**
 * A synthetic 835 writer for posting tests (unit and integration): balanced by construction (BPR02 = Σ CLP04 −
 * Σ PLB; each SVC and CLP balances when the amounts given do), with the payer named by N1*PR (qualifier and id),
 * REF*2U and TRN03 as a test needs, NM1*TT crossover carriers, remark codes (LQ*HE per service, MOA per claim) and
 * PLB adjustments. Synthetic data only.
 */
import { fromScaled, toScaled } from '../../src/core/decimal';
import { buildInterchange } from '../../src/x12/envelope';
import { segment, type X12Segment } from '../../src/x12/segment';
import { writeSegments } from '../../src/x12/writer';

export interface Cas { group: string; reason: string; amount: string }
export interface Svc {
  code: string; modifiers?: string[]; charge: string; paid: string; date?: string; adjustments?: Cas[];
  /** RARCs, one LQ*HE each, after the CAS. */
  remarks?: string[];
}
export interface Clp {
  controlNumber: string;
  /** CLP02. */
  status: string;
  charge: string;
  paid: string;
  patientResponsibility?: string;
  payerClaimNumber?: string;
  adjustments?: Cas[];
  services?: Svc[];
  /** NM1*TT name and id. */
  crossoverTo?: { name: string; id: string };
  /** MOA03–MOA07: claim-level RARCs (up to five). */
  moa?: string[];
}
export interface Plb { reason: string; reference?: string; amount: string }

const sum = (values: readonly string[]): string => fromScaled(values.reduce((s, v) => s + toScaled(v, 2), 0n), 2);
const minus = (a: string, b: string): string => fromScaled(toScaled(a, 2) - toScaled(b, 2), 2);

export function synthetic835(o: {
  trace: string;
  payerName: string;
  /** N1*PR N103/N104: default XV + payerId. */
  payerQualifier?: string;
  payerId?: string;
  /** REF*2U. */
  ref2U?: string;
  /** TRN03 (originating company id); default 1512345678. */
  trn03?: string;
  paymentDate: string;
  claims: Clp[];
  plb?: Plb[];
  interchange?: number;
  /** Override BPR02 (to make the file unbalanced). */
  paymentAmount?: string;
}): string {
  const date = o.paymentDate.replace(/-/g, '');
  const total = o.paymentAmount ?? minus(sum(o.claims.map((c) => c.paid)), sum((o.plb ?? []).map((p) => p.amount)));
  const body: X12Segment[] = [
    segment('BPR', 'I', total, 'C', 'ACH', 'CCP', '01', '999999999', 'DA', '123456', '1512345678', '', '01', '999988880', 'DA', '98765', date),
    segment('TRN', '1', o.trace, o.trn03 ?? '1512345678'),
    o.payerId === undefined ? segment('N1', 'PR', o.payerName) : segment('N1', 'PR', o.payerName, o.payerQualifier ?? 'XV', o.payerId),
    ...(o.ref2U ? [segment('REF', '2U', o.ref2U)] : []),
    segment('N1', 'PE', 'EXAMPLE COMMUNITY PHARMACY', 'XX', '1234567893'),
    segment('LX', '1'),
  ];
  for (const c of o.claims) {
    body.push(segment('CLP', c.controlNumber, c.status, c.charge, c.paid, c.patientResponsibility ?? '0', '12', c.payerClaimNumber ?? ''));
    for (const a of c.adjustments ?? []) body.push(segment('CAS', a.group, a.reason, a.amount));
    body.push(segment('NM1', 'QC', '1', 'TESTPATIENT', 'ALEX'));
    if (c.crossoverTo) body.push(segment('NM1', 'TT', '2', c.crossoverTo.name, '', '', '', '', 'PI', c.crossoverTo.id));
    if (c.moa) body.push(segment('MOA', '', '', ...c.moa));
    for (const s of c.services ?? []) {
      body.push(segment('SVC', ['HC', s.code, ...(s.modifiers ?? [])], s.charge, s.paid));
      if (s.date) body.push(segment('DTM', '472', s.date.replace(/-/g, '')));
      for (const a of s.adjustments ?? []) body.push(segment('CAS', a.group, a.reason, a.amount));
      for (const r of s.remarks ?? []) body.push(segment('LQ', 'HE', r));
    }
  }
  if (o.plb && o.plb.length > 0) {
    const pairs = o.plb.flatMap((p) => [p.reference ? [p.reason, p.reference] : p.reason, p.amount]);
    body.push(segment('PLB', '1234567893', `${o.paymentDate.slice(0, 4)}1231`, ...pairs));
  }
  const when = new Date(`${o.paymentDate}T12:00:00Z`);
  const control = o.interchange ?? 701;
  return writeSegments(buildInterchange(
    { senderQualifier: 'ZZ', senderId: 'RECEIVERID', receiverQualifier: 'ZZ', receiverId: 'SUBMITTERID', controlNumber: control, usage: 'T', date: when },
    { functionalId: 'HP', senderCode: 'RECEIVERID', receiverCode: 'SUBMITTERID', controlNumber: control, version: '005010X221A1', date: when },
    [{ id: '835', controlNumber: 1, implementationReference: '005010X221A1', body }],
  ), { lineBreak: '\n' });
}
