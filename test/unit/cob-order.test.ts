/**
 * Coordination of benefits (src/billing/cob/order.ts) with the cases a biller brings: Medicare with a Medigap plan
 * listed in either order, a primary that ended before the service, the working aged, a retiree plan, Medicaid listed
 * first, one payer under two plan ids, four coverages; and the build billing the coordinated primary as SBR01 P.
 */
import fs from 'node:fs';
import path from 'node:path';
import { buildClaims } from '../../src/billing/claims/build';
import type { ChargeInput, CoverageInput, PatientInput } from '../../src/billing/claims/inputs';
import { coordinationOrder, type CobPayer } from '../../src/billing/cob/order';
import { parseBillingConfigText } from '../../src/billing/config';

const PAYERS: Record<string, CobPayer> = {
  MCR: { filingIndicator: 'MB', cob: 'auto' },
  MAPLAN: { filingIndicator: '16', cob: 'auto' },
  MEDIGAP: { filingIndicator: 'CI', cob: 'supplement' },
  RETIREE: { filingIndicator: 'CI', cob: 'retiree' },
  EMPLOYER: { filingIndicator: 'CI', cob: 'auto' },
  MCD: { filingIndicator: 'MC', cob: 'auto' },
  COM: { filingIndicator: 'CI', cob: 'auto' },
  COM2: { filingIndicator: 'BL', cob: 'auto' },
};
const payerOf = (id: string) => PAYERS[id];

let n = 0;
function cov(payerId: string | null, over: Partial<CoverageInput> = {}): CoverageInput {
  n++;
  return {
    id: String(n), patientRef: 'P1', payerId, payerName: payerId, memberId: `M${n}`, groupNumber: null, groupName: null,
    planType: null, relationship: '18', priority: 1, effectiveDate: '2025-01-01', expirationDate: null,
    asOf: '2026-01-01T00:00:00.000Z', subscriberFamilyName: null, subscriberGivenName: null, subscriberBirthDate: null,
    subscriberSex: null, ...over,
  };
}

const order = (coverages: CoverageInput[], date = '2026-03-10') =>
  coordinationOrder(coverages, date, payerOf).map((c) => [c.coverage.payerId, c.responsibility, c.reordered !== undefined]);

describe('coordinationOrder', () => {
  it('Medicare Part B then its Medigap plan, whichever order the feed lists them in', () => {
    expect(order([cov('MCR', { priority: 1 }), cov('MEDIGAP', { priority: 2 })])).toEqual([['MCR', 'P', false], ['MEDIGAP', 'S', false]]);
    const swapped = coordinationOrder([cov('MEDIGAP', { priority: 1 }), cov('MCR', { priority: 2 })], '2026-03-10', payerOf);
    expect(swapped.map((c) => [c.coverage.payerId, c.responsibility])).toEqual([['MCR', 'P'], ['MEDIGAP', 'S']]);
    expect(swapped[1]!.reordered).toMatch(/supplement or retiree plan pays after Medicare/);
  });

  it('a primary that ended before the date of service makes the next coverage primary', () => {
    const ended = cov('COM', { priority: 1, expirationDate: '2026-02-28' });
    const medicaid = cov('MCD', { priority: 2 });
    expect(order([ended, medicaid])).toEqual([['MCD', 'P', true]]);
    expect(order([ended, medicaid], '2026-02-28')).toEqual([['COM', 'P', false], ['MCD', 'S', false]]);
  });

  it('a coverage not yet in force on the date of service is not in the order', () => {
    expect(order([cov('MCR', { effectiveDate: '2026-04-01' }), cov('COM', { priority: 2 })])).toEqual([['COM', 'P', true]]);
  });

  it('the working aged: an employer group plan of the patient or spouse pays before Medicare', () => {
    const medicare = cov('MCR', { priority: 1 });
    const group = cov('EMPLOYER', { priority: 2, groupNumber: 'GRP-100' });
    const result = coordinationOrder([medicare, group], '2026-03-10', payerOf);
    expect(result.map((c) => [c.coverage.payerId, c.responsibility])).toEqual([['EMPLOYER', 'P'], ['MCR', 'S']]);
    expect(result[0]!.reordered).toMatch(/employer group plan .* pays before Medicare/);
    expect(order([medicare, cov('EMPLOYER', { priority: 2, groupNumber: 'GRP-100', relationship: '01' })]))
      .toEqual([['EMPLOYER', 'P', true], ['MCR', 'S', true]]);
  });

  it('a group plan through a parent (relationship 19), or one without a group number, keeps the feed order', () => {
    expect(order([cov('MCR'), cov('EMPLOYER', { priority: 2, groupNumber: 'G', relationship: '19' })]))
      .toEqual([['MCR', 'P', false], ['EMPLOYER', 'S', false]]);
    expect(order([cov('MCR'), cov('EMPLOYER', { priority: 2 })])).toEqual([['MCR', 'P', false], ['EMPLOYER', 'S', false]]);
  });

  it('a retiree plan pays after Medicare even with a group number and the patient as subscriber', () => {
    expect(order([cov('RETIREE', { priority: 1, groupNumber: 'RET-1' }), cov('MCR', { priority: 2 })]))
      .toEqual([['MCR', 'P', true], ['RETIREE', 'S', true]]);
  });

  it('Medicare Advantage (SBR09 16) counts as Medicare', () => {
    expect(order([cov('MEDIGAP', { priority: 1 }), cov('MAPLAN', { priority: 2 })])).toEqual([['MAPLAN', 'P', true], ['MEDIGAP', 'S', true]]);
  });

  it('Medicaid pays last even when the feed lists it first', () => {
    expect(order([cov('MCD', { priority: 1 }), cov('COM', { priority: 2 })])).toEqual([['COM', 'P', true], ['MCD', 'S', true]]);
    expect(order([cov('MCD', { priority: 1 }), cov('MCR', { priority: 2 }), cov('MEDIGAP', { priority: 3 })]))
      .toEqual([['MCR', 'P', true], ['MEDIGAP', 'S', true], ['MCD', 'T', true]]);
  });

  it('without Medicare or Medicaid the feed order holds, ties broken by the newest as_of', () => {
    expect(order([cov('COM2', { priority: 2 }), cov('COM', { priority: 1 })])).toEqual([['COM', 'P', false], ['COM2', 'S', false]]);
    const older = cov('COM', { priority: 1, asOf: '2025-01-01T00:00:00.000Z' });
    const newer = cov('COM2', { priority: 1, asOf: '2026-02-01T00:00:00.000Z' });
    const tied = coordinationOrder([older, newer], '2026-03-10', payerOf);
    expect(tied.map((c) => [c.coverage.payerId, c.responsibility])).toEqual([['COM2', 'P'], ['COM', 'S']]);
    expect(tied[1]!.reordered).toMatch(/same COB priority/);
  });

  it('one payer under two plan ids counts once: the one the feed puts first', () => {
    const a = cov('COM', { priority: 1 });
    const b = cov('COM', { priority: 2, memberId: 'OLD' });
    const result = coordinationOrder([b, a, cov('MCD', { priority: 3 })], '2026-03-10', payerOf);
    expect(result.map((c) => [c.coverage.id, c.responsibility])).toEqual([[a.id, 'P'], [expect.any(String), 'S']]);
    expect(result[1]!.coverage.payerId).toBe('MCD');
  });

  it('a fourth payer is listed without an SBR01', () => {
    const result = coordinationOrder([cov('COM', { priority: 1 }), cov('COM2', { priority: 2 }), cov('MEDIGAP', { priority: 3 }),
      cov('MCD', { priority: 4 })], '2026-03-10', payerOf);
    expect(result.map((c) => c.responsibility)).toEqual(['P', 'S', 'T', undefined]);
  });

  it('an unknown payer or a coverage without a payer id keeps its place', () => {
    expect(order([cov(null, { priority: 1 }), cov('NOTCONFIGURED', { priority: 2 }), cov('COM', { priority: 3 })]))
      .toEqual([[null, 'P', false], ['NOTCONFIGURED', 'S', false], ['COM', 'T', false]]);
  });
});

describe('buildClaims: the coordinated primary is billed as SBR01 P', () => {
  const config = parseBillingConfigText(
    fs.readFileSync(path.join(__dirname, '../../billing/billing.yaml'), 'utf8'), 'billing.yaml', {}, '/data');
  const patient: PatientInput = {
    patientRef: 'P1', familyName: 'TESTPATIENT', givenName: 'ALEX', birthDate: '1950-01-01', sex: 'F',
    addressLine1: '1 ELM ST', addressLine2: null, city: 'ANYTOWN', state: 'NY', postalCode: '10001',
  };
  const charge: ChargeInput = {
    id: '1', status: 'active', serviceDate: '2026-03-10', patientRef: 'P1', serviceKind: 'immunization-admin',
    codeSystem: 'CPT', code: '90471', modifiers: [], units: '1.000', chargeAmount: '25.00', diagnoses: ['Z23'],
    renderingNpi: null, orderingNpi: null, ndc: null, ndcQuantity: null, ndcUnit: null, rxNumber: null, placeOfService: null,
  };

  it('a secondary-only coverage (the primary ended) goes out as the primary, with a warning saying why', () => {
    const ended = cov('SYNCOM01', { priority: 1, expirationDate: '2026-01-31', groupNumber: 'G1' });
    const medicaid = cov('SYNMCD01', { priority: 2 });
    const r = buildClaims({ charges: [charge], patients: [patient], coverages: [ended, medicaid], config });
    expect(r.drafts).toHaveLength(1);
    expect(r.drafts[0]!.claim.payer.id).toBe('SYNMCD01');
    expect(r.drafts[0]!.claim.subscriber.payerResponsibility).toBe('P');
    expect(r.drafts[0]!.coverageId).toBe(medicaid.id);
    expect(r.drafts[0]!.findings).toContainEqual(expect.objectContaining({
      ruleId: 'cob-order', severity: 'warning', message: expect.stringMatching(/^billed to payer SYNMCD01 as primary although the feed's COB priority \(IN1-22\) is 2/),
    }));
  });

  it('Medicaid listed first with a commercial plan: the commercial plan is billed', () => {
    const r = buildClaims({ charges: [charge], patients: [patient], config,
      coverages: [cov('SYNMCD01', { priority: 1 }), cov('SYNCOM01', { priority: 2, relationship: '19', groupNumber: 'G1' })] });
    expect(r.drafts.map((d) => [d.claim.payer.id, d.claim.subscriber.payerResponsibility])).toEqual([['SYNCOM01', 'P']]);
  });

  it('Medicare primary with no reordering has no cob-order finding', () => {
    const r = buildClaims({ charges: [charge], patients: [patient], config, coverages: [cov('SYNMCR01', { priority: 1 })] });
    expect(r.drafts[0]!.claim.subscriber.payerResponsibility).toBe('P');
    expect(r.drafts[0]!.findings.map((f) => f.ruleId)).not.toContain('cob-order');
  });
});
