import {
  changeRows, describeCharge, issueRange, showValue, summarize, summaryText, type PreviewResult,
} from '../../src/console/mapping-preview';

const text = 'name: dft-p03\nrecords:\n  - name: line\n    output: charg\n';

describe('console mapping preview helpers', () => {
  it('turns line:col into editor offsets covering the word there', () => {
    const r = issueRange(text, 4, 13);
    expect(text.slice(r.from, r.to)).toBe('charg');
    const whole = issueRange(text, 2, 1);
    expect(text.slice(whole.from, whole.to)).toBe('records:');
    expect(issueRange(text, 99, 1)).toEqual({ from: text.length, to: text.length });
    const past = issueRange(text, 1, 200);
    expect(past.from).toBe('name: dft-p03'.length);
  });

  it('shows values and charges in plain words', () => {
    expect(showValue(null)).toBe('—');
    expect(showValue(['I10', 'Z23'])).toBe('I10, Z23');
    expect(showValue([])).toBe('—');
    expect(showValue(3)).toBe('3');
    expect(describeCharge({ kind: 'charge', codeSystem: 'CPT', code: '99605', units: '1.000', chargeAmount: '75.00', serviceDate: '2025-03-01', transactionId: 'TX-1' }))
      .toBe('CPT 99605 ×1.000 75.00 on 2025-03-01 (TX-1)');
    expect(describeCharge({ kind: 'reversal', code: 'X' })).toBe('reversal X');
    expect(describeCharge({ kind: 'charge', codeSystem: 'CVX', code: '999', chargeAmount: '0.00', holdReason: 'no product code for CVX 999 on 2026-10-01' }))
      .toBe('CVX 999 0.00 held: no product code for CVX 999 on 2026-10-01');
  });

  const charge = (code: string, amount: string) => ({ kind: 'charge', codeSystem: 'CPT', code, units: '1', chargeAmount: amount, serviceDate: '2025-03-01', transactionId: null });
  const result: PreviewResult = {
    mapping: 'dft-p03', sha256: 'abc', changed: 3,
    messages: [
      {
        messageId: '7', controlId: 'C7',
        live: { records: { charges: [charge('99605', '75.00')], patients: [], coverages: [] } },
        candidate: { records: { charges: [charge('99605', '80.00'), charge('90471', '25.00')], patients: [], coverages: [] } },
        diff: [
          { change: 'field', kind: 'charges', index: 0, field: 'chargeAmount', before: '75.00', after: '80.00' },
          { change: 'added', kind: 'charges', index: 1, after: charge('90471', '25.00') },
        ],
      },
      {
        messageId: '6', controlId: 'C6',
        live: { records: { charges: [], patients: [{ patientRef: 'P1', familyName: 'A' }], coverages: [] } },
        candidate: { records: { charges: [], patients: [{ patientRef: 'P1', familyName: 'B' }], coverages: [] } },
        diff: [{ change: 'field', kind: 'patients', index: 0, field: 'familyName', before: 'A', after: 'B' }],
      },
      {
        messageId: '5', controlId: 'C5',
        live: { records: { charges: [charge('1', '1.00')], patients: [], coverages: [] } },
        candidate: { error: { code: 'MAPPING_FAILED', message: 'line: amount is required' } },
        diff: [
          { change: 'error', before: null, after: { code: 'MAPPING_FAILED', message: 'line: amount is required' } },
          { change: 'removed', kind: 'charges', index: 0, before: charge('1', '1.00') },
        ],
      },
      { messageId: '4', controlId: 'C4', live: { records: { charges: [], patients: [], coverages: [] } }, candidate: { records: { charges: [], patients: [], coverages: [] } }, diff: [] },
    ],
  };

  it('lists charge changes as rows, errors included, other kinds left out when asked', () => {
    const rows = changeRows(result, ['charges']);
    expect(rows.map((r) => [r.controlId, r.target, r.change, r.field, r.before, r.after])).toEqual([
      ['C7', 'charge 1', 'changed', 'chargeAmount', '75.00', '80.00'],
      ['C7', 'charge 2', 'added', null, '—', 'CPT 90471 ×1 25.00 on 2025-03-01'],
      ['C5', 'outcome', 'error', null, 'no error', 'MAPPING_FAILED: line: amount is required'],
      ['C5', 'charge 1', 'removed', null, 'CPT 1 ×1 1.00 on 2025-03-01', '—'],
    ]);
    expect(changeRows(result).some((r) => r.target === 'patient 1')).toBe(true);
  });

  it('summarizes what a save would change', () => {
    const s = summarize(result);
    expect(s).toEqual({ messages: 4, changed: 3, chargesChanged: 2, failing: 1 });
    expect(summaryText(s)).toBe('2 of 4 messages would bill differently; 1 more change only patient or coverage records; 1 fails with this mapping.');
    expect(summaryText({ messages: 3, changed: 0, chargesChanged: 0, failing: 0 })).toBe('No charge changes on the 3 messages.');
    expect(summaryText({ messages: 0, changed: 0, chargesChanged: 0, failing: 0 })).toMatch(/No stored message/);
  });
});

describe('patient merges in a preview', () => {
  it('an added merge reads as a row naming both patients; a records answer without merges is fine', () => {
    const result = {
      messages: [{
        messageId: '7', controlId: 'A40-1',
        live: { records: { charges: [], patients: [], coverages: [] } },
        candidate: { records: { charges: [], patients: [], coverages: [], merges: [{ patientRef: 'MR1', priorPatientRef: 'MR2' }] } },
        diff: [{ change: 'added' as const, kind: 'merges' as const, index: 0, after: { patientRef: 'MR1', priorPatientRef: 'MR2' } }],
      }],
    };
    expect(changeRows(result as never)).toEqual([
      { messageId: '7', controlId: 'A40-1', target: 'merge 1', change: 'added', field: null, before: '—', after: 'merge of MR2 into MR1' },
    ]);
  });
});
