/** diffOutcomes: what changes between the live mapping's outcome and a candidate's, per record kind and index. */
import fs from 'node:fs';
import path from 'node:path';
import { parseHl7 } from '../../src/hl7/parse';
import { diffOutcomes, type MappingOutcome } from '../../src/mappings/diff';
import { evaluateMapping } from '../../src/mappings/evaluate';
import { compileMappingText } from '../../src/mappings/load';
import type { ChargeRecord, MappedRecords, PatientRecord } from '../../src/mappings/records';

const charge = (over: Partial<ChargeRecord> = {}): ChargeRecord => ({
  sourceKey: 'ch|APP|FAC|C1|4|line', reversalOfTransaction: null, kind: 'charge', serviceKind: 'other',
  transactionId: 'T1', serviceDate: '2026-11-03', patientRef: 'P1', codeSystem: 'CPT', code: '90471', modifiers: [],
  units: '1.000', chargeAmount: '25.00', diagnoses: ['Z23'], renderingNpi: null, orderingNpi: null, ndc: null,
  ndcQuantity: null, ndcUnit: null, rxNumber: null, fillNumber: null, daysSupply: null, daw: null, lot: null,
  vfcEligibility: null, placeOfService: null, ...over,
});

const patient = (over: Partial<PatientRecord> = {}): PatientRecord => ({
  sourceKey: 'ch|APP|FAC|C1|3|patient', patientRef: 'P1', asOf: '2026-11-03T10:15:00Z', familyName: 'TESTPATIENT',
  givenName: 'ALEX', middleName: null, birthDate: '1980-01-01', sex: 'U', addressLine1: null, addressLine2: null,
  city: null, state: null, postalCode: null, phone: null, accountNumber: null, ...over,
});

const records = (r: Partial<MappedRecords>): MappingOutcome => ({ records: { charges: [], patients: [], coverages: [], ...r } });

describe('diffOutcomes', () => {
  test('the same records give no change', () => {
    expect(diffOutcomes(records({ charges: [charge()] }), records({ charges: [charge()] }))).toEqual([]);
  });

  test('each differing field of a record at the same index is one change with before and after', () => {
    const diff = diffOutcomes(
      records({ charges: [charge(), charge({ sourceKey: 'k2' })] }),
      records({ charges: [charge(), charge({ sourceKey: 'k2', transactionId: '2', modifiers: ['26'] })] }),
    );
    expect(diff).toEqual([
      { change: 'field', kind: 'charges', index: 1, field: 'transactionId', before: 'T1', after: '2' },
      { change: 'field', kind: 'charges', index: 1, field: 'modifiers', before: [], after: ['26'] },
    ]);
  });

  test('extra candidate records are added, missing ones removed, per kind', () => {
    const diff = diffOutcomes(
      records({ charges: [charge(), charge({ code: '99605' })] }),
      records({ charges: [charge()], patients: [patient()] }),
    );
    expect(diff).toEqual([
      { change: 'removed', kind: 'charges', index: 1, before: charge({ code: '99605' }) },
      { change: 'added', kind: 'patients', index: 0, after: patient() },
    ]);
  });

  test('an outcome that fails counts as no records and adds an error change', () => {
    const error = { code: 'MAPPING_LOOKUP_MISSING', message: 'code not in chargeMaster' };
    expect(diffOutcomes({ error }, records({ charges: [charge()] }))).toEqual([
      { change: 'error', before: error, after: null },
      { change: 'added', kind: 'charges', index: 0, after: charge() },
    ]);
    expect(diffOutcomes(records({ charges: [charge()] }), { error })).toEqual([
      { change: 'error', before: null, after: error },
      { change: 'removed', kind: 'charges', index: 0, before: charge() },
    ]);
    expect(diffOutcomes({ error }, { error: { ...error } })).toEqual([]);
    expect(diffOutcomes({ error }, { error: { code: 'MAPPING_FIELD_MISSING', message: 'x' } })).toHaveLength(1);
  });

  test('a candidate of the shipped DFT mapping that reads the transaction id from FT1-1 differs only there', () => {
    const text = fs.readFileSync(path.join(__dirname, '../../mappings/dft-p03.yaml'), 'utf8');
    const changed = text.replace('transactionId: FT1-2', 'transactionId: FT1-1');
    expect(changed).not.toBe(text);
    const msg = parseHl7([
      'MSH|^~\\&|RXSYS|PHARM01|RXBRIDGE|BILLING|20261103101500||DFT^P03^DFT_P03|C1|P|2.5.1',
      'EVN|P03|20261103101500',
      'PID|1||P1^^^PHARM01^MR||TESTPATIENT^ALEX||19800101|U',
      'FT1|1|T1||20261103||CG|90471^Admin^C4|||1|25&USD||||||||Z23^Imm^I10|1234567893^RPH^PAT^^^^^^NPI||||||90471^Admin^C4',
      'FT1|2|T2||20261103||CG|90471^Admin^C4|||1|25&USD||||||||Z23^Imm^I10|1234567893^RPH^PAT^^^^^^NPI||||||90471^Admin^C4',
    ].join('\r'));
    const ctx = { channel: 'ch', sender: 'RXSYS|PHARM01', controlId: 'C1' };
    const run = (t: string): MappingOutcome => ({ records: evaluateMapping(compileMappingText(t, 'dft-p03', 'dft-p03.yaml', {}), msg, ctx) });
    expect(diffOutcomes(run(text), run(changed))).toEqual([
      { change: 'field', kind: 'charges', index: 0, field: 'transactionId', before: 'T1', after: '1' },
      { change: 'field', kind: 'charges', index: 1, field: 'transactionId', before: 'T2', after: '2' },
    ]);
  });
});
