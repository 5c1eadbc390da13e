/**
 * Vaccine administration codes as billed (src/billing/claims/vaccine-admin.ts), pure: Medicare Part B gets one
 * G0008/G0009/G0010 per flu/pneumococcal/hepatitis B product, every other payer 90471-90474 numbered in order;
 * administrations pair with their products by dose (transaction ids <dose>-admin / <dose>-product).
 */
import type { ChargeInput } from '../../src/billing/claims/inputs';
import { billedAdminCodes, doseOf, pairDoses } from '../../src/billing/claims/vaccine-admin';

let nextId = 1;
function charge(code: string, over: Partial<ChargeInput> = {}): ChargeInput {
  return {
    id: String(nextId++), status: 'active', serviceDate: '2026-10-02', patientRef: 'P1',
    serviceKind: /^(9047[1-4]|G00(08|09|10)|90480)$/.test(code) ? 'immunization-admin' : 'vaccine-product',
    codeSystem: code.startsWith('G') ? 'HCPCS' : 'CPT', code, modifiers: [], units: '1', chargeAmount: '25.00', diagnoses: ['Z23'],
    renderingNpi: null, orderingNpi: null, ndc: null, ndcQuantity: null, ndcUnit: null, rxNumber: null, placeOfService: null,
    transactionId: null, ...over,
  };
}
const dose = (n: number, admin: string, product: string) => [
  charge(admin, { transactionId: `D${n}-admin` }), charge(product, { transactionId: `D${n}-product` }),
];
const billed = (charges: ChargeInput[], medicare: boolean) => {
  const recoded = new Map(billedAdminCodes(charges, medicare, 'PAYER1').map((r) => [r.chargeId, r.code]));
  return charges.map((c) => recoded.get(c.id) ?? c.code);
};

describe('pairing by dose', () => {
  it('reads <dose>-admin / <dose>-product, and pairs only on the same patient and date', () => {
    expect(doseOf('ORD-1-admin')).toEqual({ dose: 'ORD-1', part: 'admin' });
    expect(doseOf('ORD-1-product')).toEqual({ dose: 'ORD-1', part: 'product' });
    expect(doseOf('FT1-22')).toBeUndefined();
    expect(doseOf(null)).toBeUndefined();
    const [a, p] = dose(1, '90471', '90686');
    const elsewhere = charge('90686', { transactionId: 'D1-product', patientRef: 'P2' });
    expect([...pairDoses([a!, p!, elsewhere]).entries()]).toEqual([[a!.id, p]]);
    expect(pairDoses([a!, elsewhere]).size).toBe(0);
  });
});

describe('Medicare Part B', () => {
  it('flu, pneumococcal and hepatitis B administrations become G0008, G0009, G0010 whatever the mapping said', () => {
    const charges = [...dose(1, '90471', '90686'), ...dose(2, '90472', '90732'), ...dose(3, '90472', '90746')];
    expect(billed(charges, true)).toEqual(['G0008', '90686', 'G0009', '90732', 'G0010', '90746']);
  });

  it('a Part D vaccine left on the claim keeps a CPT administration, numbered first once the flu one is G0008', () => {
    const charges = [...dose(1, '90471', '90686'), ...dose(2, '90472', '90750')];
    expect(billed(charges, true)).toEqual(['G0008', '90686', '90471', '90750']);
  });

  it('unpaired administrations (no transaction ids) take the G-codes of the products left, own G-code first', () => {
    expect(billed([charge('90471'), charge('90472'), charge('90732'), charge('90686')], true))
      .toEqual(['G0009', 'G0008', '90732', '90686']);
    expect(billed([charge('G0008'), charge('90471'), charge('90732'), charge('90686')], true))
      .toEqual(['G0008', 'G0009', '90732', '90686']);
  });

  it('a G0008 without a product to pair stays G0008 (the scrubber reports the count), and 90480 is never touched', () => {
    expect(billed([charge('G0008'), charge('90480'), charge('91320')], true)).toEqual(['G0008', '90480', '91320']);
  });

  it('COVID administration 90480 does not count in the 90471/90472 sequence', () => {
    expect(billed([...dose(1, '90480', '91320'), ...dose(2, '90472', '90750')], true)).toEqual(['90480', '91320', '90471', '90750']);
  });
});

describe('other payers', () => {
  it('G0008-G0010 become 90471 then 90472, in charge order', () => {
    const charges = [...dose(1, 'G0008', '90686'), ...dose(2, 'G0009', '90732')];
    expect(billed(charges, false)).toEqual(['90471', '90686', '90472', '90732']);
  });

  it('an intranasal flu product (LAIV) administered under G0008 becomes 90473; the route of CPT codes is kept', () => {
    expect(billed([...dose(1, 'G0008', '90672')], false)).toEqual(['90473', '90672']);
    expect(billed([...dose(1, '90473', '90672'), ...dose(2, '90471', '90686')], false)).toEqual(['90473', '90672', '90472', '90686']);
  });

  it('already right: nothing is recoded, and a second 90471 of the day becomes 90472', () => {
    expect(billedAdminCodes([...dose(1, '90471', '90686'), ...dose(2, '90472', '90715')], false, 'PAYER1')).toEqual([]);
    expect(billed([charge('90471'), charge('90471')], false)).toEqual(['90471', '90472']);
  });

  it('leaves lines that are not administrations alone, even with an administration code', () => {
    expect(billedAdminCodes([charge('G0008', { serviceKind: 'other' })], false, 'PAYER1')).toEqual([]);
  });
});
