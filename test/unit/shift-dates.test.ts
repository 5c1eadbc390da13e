/** `rxbridge send --shift-dates-to-today` (src/hl7/shift-dates.ts): every HL7 date moves by one offset, nothing else. */
import fs from 'node:fs';
import path from 'node:path';
import { splitMessages } from '../../src/cli/send';
import { daysToToday, shiftDates, shiftDatesToToday, withControlIdSuffix } from '../../src/hl7/shift-dates';

const SAMPLES = path.join(__dirname, '../../samples');
const read = (f: string) => splitMessages(fs.readFileSync(path.join(SAMPLES, f), 'utf8'));

describe('shift dates to today', () => {
  it('moves the samples so their latest date is today, keeping times, birth-date gaps and every non-date byte', () => {
    const messages = [...read('adt-a04.hl7'), ...read('dft-p03.hl7')];
    for (const today of [new Date('2026-12-07T15:00:00Z'), new Date('2028-02-29T01:00:00Z')]) {
      const { messages: moved, days } = shiftDatesToToday(messages, today);
      const day = today.toISOString().slice(0, 10).replace(/-/g, '');
      const dft = moved[1]!;
      expect(dft.split('\r')[0]).toContain(`|${day}093500||DFT^P03^DFT_P03|SAMPLE-DFT-0001|`);
      expect(dft).toContain(`FT1|1|TX-0001||${day}093000|${day}|CG|`);
      // The sample's NPIs (10 digits that do not read as a date of 1900–2199) are untouched.
      expect(dft).toContain('1234567893^PHARMACIST');
      expect(dft).toContain('1987654328^PRESCRIBER');
      expect(moved.map((m) => m.replace(/\d{8}/g, 'D'))).toEqual(messages.map((m) => m.replace(/\d{8}/g, 'D')));
      expect(daysToToday(moved, today)).toBe(0);
      expect(shiftDates(messages[0]!, days)).toBe(moved[0]);
    }
  });

  it('reads DT/DTM in components and subcomponents, leaves invalid dates and the encoding characters', () => {
    const msg = 'MSH|^~\\&|A|B|C|D|20250301120000.1234-0500||ADT^A04|X|P|2.5.1\rPID|1||P1||N||19800229|F\rIN1|1||P|||||||||20250101&x~20250230|20991231';
    const out = shiftDates(msg, 1);
    expect(out).toBe('MSH|^~\\&|A|B|C|D|20250302120000.1234-0500||ADT^A04|X|P|2.5.1\rPID|1||P1||N||19800301|F\rIN1|1||P|||||||||20250102&x~20250230|21000101');
    expect(daysToToday(['MSH|^~\\&|A|B|C|D|||ADT^A04|X|P|2.5.1'], new Date())).toBe(0);
  });
});

it('gives a moved message a control id of its own (MSH-10), nothing else changed', () => {
  const [dft] = read('dft-p03.hl7');
  const renamed = withControlIdSuffix(dft!, '20261207');
  expect(renamed.split('\r')[0]).toBe('MSH|^~\\&|RXSYS|TESTPHARM|RXBRIDGE|BILLING|20250301093500||DFT^P03^DFT_P03|SAMPLE-DFT-0001-20261207|P|2.5.1');
  expect(renamed.split('\r').slice(1)).toEqual(dft!.split('\r').slice(1));
  expect(withControlIdSuffix('MSH|^~\\&|A|B', 'X')).toBe('MSH|^~\\&|A|B');
});
