/**
 * reconcile: the synthetic 835 against a synthetic claim set → paid, partial and denied claims with their CAS
 * reasons, payer claim numbers, days to payment, and the unmatched CLP; then matching rules and outcomes on
 * small hand-made remittances (SVC06, REF*6R, modifiers, dates, reversal, not ours, patient responsibility).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { ClaimPayment, Remittance, ServicePayment } from '../../src/billing/model';
import {
  daysBetween, read835, reconcile, type ClaimForReconciliation,
} from '../../src/billing/remittance';
import { readInterchanges } from '../../src/x12';

const SYNTHETIC = fs.readFileSync(path.join(__dirname, '../fixtures/x12/synthetic-partial-denied.835'), 'latin1');
const rem = read835(readInterchanges(SYNTHETIC)[0]!.groups[0]!.transactionSets[0]!);

const line = (lineNumber: number, chargeId: string, code: string, modifiers: string[], serviceDate: string, chargeAmount: string) =>
  ({ lineNumber, chargeId, code, modifiers, serviceDate, chargeAmount });

const CLAIMS: ClaimForReconciliation[] = [
  {
    id: 'claim-1', controlNumber: 'RXB20240115001', totalCharge: '65.00', submittedAt: '2024-01-20T14:05:00Z',
    lines: [line(1, 'charge-11', '90471', [], '2024-01-15', '25.00'), line(2, 'charge-12', '90686', [], '2024-01-15', '40.00')],
  },
  { id: 'claim-2', controlNumber: 'RXB20240115002', totalCharge: '60.00', lines: [line(1, 'charge-21', '99606', [], '2024-01-15', '60.00')] },
  {
    id: 'claim-3', controlNumber: 'RXB20240116003', totalCharge: '30.00', submittedAt: '2024-02-28',
    lines: [line(1, 'charge-31', '87804', ['QW'], '2024-01-16', '30.00')],
  },
  { id: 'claim-9', controlNumber: 'RXB20240117009', totalCharge: '10.00', lines: [line(1, 'charge-91', '90471', [], '2024-01-17', '10.00')] },
];

describe('the synthetic 835 against the synthetic claims', () => {
  const result = reconcile(rem, CLAIMS);

  it('one result per matched CLP, in 835 order, with outcomes paid-part/denied/paid', () => {
    expect(result.claims.map((c) => [c.claimId, c.controlNumber, c.status, c.outcome])).toEqual([
      ['claim-1', 'RXB20240115001', '1', 'partial'],
      ['claim-2', 'RXB20240115002', '4', 'denied'],
      ['claim-3', 'RXB20240116003', '1', 'paid'],
    ]);
  });

  it('partial: the paid line and the denied line, each with its amounts and CAS group/reason', () => {
    const claim = result.claims[0]!;
    expect(claim).toMatchObject({ charge: '65.00', paid: '20.00', payerClaimNumber: 'PCN000000001', linesWithoutService: [], unmatchedServices: [] });
    expect(claim.lines).toEqual([
      {
        lineNumber: 1, chargeId: 'charge-11', serviceIndex: 1, outcome: 'paid', charge: '25.00', paid: '20.00',
        adjudicatedCode: '90471', unitsPaid: '1', adjustments: [{ group: 'CO', reason: '45', amount: '5.00' }],
      },
      {
        lineNumber: 2, chargeId: 'charge-12', serviceIndex: 2, outcome: 'denied', charge: '40.00', paid: '0.00',
        adjudicatedCode: '90686', unitsPaid: '0', adjustments: [{ group: 'CO', reason: '96', amount: '40.00' }],
      },
    ]);
  });

  it('denied (CLP02 4): the line is matched on the DTM*150 period start and carries CO 29', () => {
    const claim = result.claims[1]!;
    expect(claim.payerClaimNumber).toBe('PCN000000002');
    expect(claim.lines).toEqual([expect.objectContaining({
      lineNumber: 1, chargeId: 'charge-21', outcome: 'denied', paid: '0.00', adjustments: [{ group: 'CO', reason: '29', amount: '60.00' }],
    })]);
  });

  it('paid: contractual and patient-responsibility CAS kept per line', () => {
    expect(result.claims[2]!.lines[0]).toMatchObject({
      chargeId: 'charge-31', outcome: 'paid', paid: '19.00',
      adjustments: [
        { group: 'CO', reason: '45', amount: '6.00' },
        { group: 'PR', reason: '1', amount: '2.00' },
        { group: 'PR', reason: '3', amount: '3.00' },
      ],
    });
    expect(result.claims[2]!.patientResponsibility).toBe('5.00');
  });

  it('days to payment from submittedAt (timestamp or date) to BPR16, and none without submittedAt', () => {
    expect(result.claims.map((c) => c.daysToPayment)).toEqual([41, undefined, 2]); // 2024 is a leap year
    expect('daysToPayment' in result.claims[1]!).toBe(false);
  });

  it('the CLP that is none of ours is reported, not an error; our claim absent from the 835 is not invented', () => {
    expect(result.unmatchedClaims).toEqual([
      { controlNumber: 'NOTOURS0004', status: '1', charge: '10.00', paid: '10.00', payerClaimNumber: 'PCN000000004' },
    ]);
    expect(result.claims.some((c) => c.claimId === 'claim-9')).toBe(false);
  });

  it('carries the payment and the provider adjustments', () => {
    expect(result).toMatchObject({
      traceNumber: 'EFT0000777', paymentAmount: '40.50', paymentDate: '2024-03-01',
      providerAdjustments: [{ reason: 'L6', reference: 'INT01', amount: '-1.50' }, { reason: 'WO', reference: 'RECOUP77', amount: '10.00' }],
    });
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Hand-made remittances

const svc = (over: Partial<ServicePayment>): ServicePayment =>
  ({ code: '90471', modifiers: [], charge: '25.00', paid: '25.00', serviceDate: '2024-01-15', adjustments: [], ...over });
const clp = (over: Partial<ClaimPayment>): ClaimPayment => ({
  controlNumber: 'C1', status: '1', charge: '50.00', paid: '50.00', patientResponsibility: '0.00', adjustments: [], services: [], ...over,
});
const remit = (...claims: ClaimPayment[]): Remittance => ({
  traceNumber: 'T1', paymentAmount: '0.00', handling: 'I', paymentMethod: 'ACH', payerName: 'PLAN', claims, providerAdjustments: [],
});
const ours: ClaimForReconciliation = {
  id: 'c1', controlNumber: 'C1', totalCharge: '50.00',
  lines: [line(1, 'a', '90471', [], '2024-01-15', '25.00'), line(2, 'b', '90471', ['25'], '2024-01-15', '25.00')],
};

describe('line matching', () => {
  it('matches code + modifiers + date; each line at most once; the leftover SVC and line are reported', () => {
    const result = reconcile(remit(clp({ services: [svc({ modifiers: ['25'] }), svc({}), svc({})] })), [ours]);
    const claim = result.claims[0]!;
    expect(claim.lines.map((l) => [l.serviceIndex, l.chargeId])).toEqual([[1, 'b'], [2, 'a']]);
    expect(claim.unmatchedServices).toEqual([{ serviceIndex: 3, code: '90471', modifiers: [], serviceDate: '2024-01-15', charge: '25.00', paid: '25.00' }]);
    expect(claim.linesWithoutService).toEqual([]);
  });

  it('a different date of service does not match; our unanswered line is listed', () => {
    const claim = reconcile(remit(clp({ services: [svc({ serviceDate: '2024-01-16' }), svc({ modifiers: ['25'] })] })), [ours]).claims[0]!;
    expect(claim.lines.map((l) => l.chargeId)).toEqual(['b']);
    expect(claim.unmatchedServices.map((s) => s.serviceIndex)).toEqual([1]);
    expect(claim.linesWithoutService).toEqual([1]);
  });

  it('REF*6R picks the line by line number or charge id before code matching', () => {
    const claim = reconcile(remit(clp({ services: [svc({ lineControlNumber: '2', code: '90471' }), svc({ lineControlNumber: 'a' })] })), [ours]).claims[0]!;
    expect(claim.lines.map((l) => [l.serviceIndex, l.lineNumber])).toEqual([[1, 2], [2, 1]]);
  });

  it('SVC06 (code as submitted) is matched when the payer changed the code', () => {
    const claim = reconcile(remit(clp({ services: [svc({ code: 'G0008', submittedCode: '90471' })] })), [ours]).claims[0]!;
    expect(claim.lines).toEqual([expect.objectContaining({ lineNumber: 1, adjudicatedCode: 'G0008' })]);
  });

  it('an SVC without date matches on code and modifiers', () => {
    const { serviceDate: _drop, ...undated } = svc({ modifiers: ['25'] });
    const claim = reconcile(remit(clp({ services: [undated] })), [ours]).claims[0]!;
    expect(claim.lines.map((l) => l.chargeId)).toEqual(['b']);
  });
});

describe('claim outcomes', () => {
  const outcome = (payment: ClaimPayment): string => reconcile(remit(payment), [ours]).claims[0]!.outcome;
  const co = (amount: string) => ({ group: 'CO' as const, reason: '45', amount });
  const pr = (amount: string) => ({ group: 'PR' as const, reason: '1', amount });

  it('status 22 is a reversal, 23 not ours, 25 predetermination, 4 denied whatever the amounts', () => {
    expect(outcome(clp({ status: '22', charge: '-50.00', paid: '-50.00' }))).toBe('reversal');
    expect(outcome(clp({ status: '23', paid: '0.00' }))).toBe('not-ours');
    expect(outcome(clp({ status: '25', paid: '0.00' }))).toBe('predetermination');
    expect(outcome(clp({ status: '4', paid: '0.00' }))).toBe('denied');
  });

  it('processed with $0 paid: denied, unless it is all patient responsibility (deductible)', () => {
    expect(outcome(clp({ paid: '0.00', adjustments: [co('50.00')] }))).toBe('denied');
    expect(outcome(clp({ paid: '0.00', adjustments: [pr('50.00')] }))).toBe('patient-responsibility');
    expect(outcome(clp({ status: '2', paid: '0.00', services: [svc({ paid: '0.00', adjustments: [pr('25.00')] })] })))
      .toBe('patient-responsibility');
  });

  it('paid with every line paid is paid even with contractual write-downs; a denied line makes it partial', () => {
    expect(outcome(clp({ services: [svc({ paid: '20.00', adjustments: [co('5.00')] })] }))).toBe('paid');
    expect(outcome(clp({ status: '19', services: [svc({}), svc({ modifiers: ['25'], paid: '0.00', adjustments: [co('25.00')] })] }))).toBe('partial');
    // A line paid 0 that the patient owes (deductible) was processed, not denied: the claim is paid.
    expect(outcome(clp({ status: '19', services: [svc({}), svc({ modifiers: ['25'], paid: '0.00', adjustments: [pr('25.00')] })] }))).toBe('paid');
  });

  it('a reversal and its correction for the same claim are two entries in 835 order', () => {
    const result = reconcile(remit(clp({ status: '22', paid: '-50.00' }), clp({ status: '1', paid: '45.00' })), [ours]);
    expect(result.claims.map((c) => [c.claimId, c.outcome, c.paid])).toEqual([['c1', 'reversal', '-50.00'], ['c1', 'paid', '45.00']]);
  });
});

describe('daysBetween', () => {
  it('counts calendar days between date parts, and gives up on missing or unreadable input', () => {
    expect(daysBetween('2023-12-31', '2024-03-01')).toBe(61);
    expect(daysBetween('2024-03-01T23:59:59-05:00', '2024-03-01')).toBe(0);
    expect(daysBetween(undefined, '2024-03-01')).toBeUndefined();
    expect(daysBetween('yesterday', '2024-03-01')).toBeUndefined();
  });
});
