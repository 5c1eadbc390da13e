/**
 * The content key that tells a resend (a duplicate) from another message reusing its control id: MSH-7 and the
 * segment terminators do not count, every other byte does.
 */
import fs from 'node:fs';
import path from 'node:path';
import { contentHash, contentKeyText } from '../../src/hl7/content-hash';

const CORPUS = '/work/shared/corpus/hl7';
const corpus = (name: string) => fs.readFileSync(path.join(CORPUS, name), 'utf8');

const DFT = [
  'MSH|^~\\&|RXSYS|PHARM01|BILLING|CLEARHSE|20260301101500-0500||DFT^P03^DFT_P03|CTL-0001|P|2.5.1',
  'EVN|P03|20260301101500-0500',
  'PID|1||MRN-7001^^^PHARM01^MR||SYNTHETIC^PAT^A||19600214|F',
  'FT1|1|TXN-1||20260301|20260301|CG|90471^Immunization admin^CPT|||1|||||||||||||||3.00',
].join('\r');

describe('contentHash', () => {
  it('is the same for a resend whose only change is MSH-7 (the sender refreshed the message time)', () => {
    const resent = DFT.replace('20260301101500-0500||DFT', '20260302080000-0500||DFT');
    expect(resent).not.toBe(DFT);
    expect(contentHash(resent)).toBe(contentHash(DFT));
    // An emptied MSH-7 is the same key too.
    expect(contentHash(DFT.replace('20260301101500-0500||DFT', '||DFT'))).toBe(contentHash(DFT));
  });

  it('is the same whatever the segment terminator (CR, CRLF, LF) and with trailing CR/LF', () => {
    const h = contentHash(DFT);
    expect(contentHash(DFT.replace(/\r/g, '\r\n'))).toBe(h);
    expect(contentHash(DFT.replace(/\r/g, '\n'))).toBe(h);
    expect(contentHash(`${DFT}\r`)).toBe(h);
    expect(contentHash(`${DFT}\r\n\r\n`)).toBe(h);
    expect(contentKeyText(`${DFT.replace(/\r/g, '\r\n')}\r\n`)).toBe(contentKeyText(DFT));
  });

  it('changes with any other byte: EVN-2, a field inside MSH, MSH-10, a price, a trailing space, the segment order', () => {
    const h = contentHash(DFT);
    const variants = [
      DFT.replace('EVN|P03|20260301101500-0500', 'EVN|P03|20260301101501-0500'), // the event time is content
      DFT.replace('|RXSYS|', '|RXSYS2|'),                                        // MSH-3
      DFT.replace('BILLING|CLEARHSE|', 'BILLING|CLEARHSF|'),                       // MSH-6, next to MSH-7
      DFT.replace('||DFT^P03^DFT_P03|', '|X|DFT^P03^DFT_P03|'),                    // MSH-8, after MSH-7
      DFT.replace('CTL-0001', 'CTL-0002'),                                         // MSH-10
      DFT.replace('|3.00', '|3.01'),                                               // one digit of a price
      `${DFT} `,                                                                   // a space is content
      DFT.replace('SYNTHETIC', 'Synthetic'),                                      // letter case
      DFT.split('\r').reverse().join('\r'),
    ];
    const hashes = variants.map(contentHash);
    for (const v of hashes) expect(v).not.toBe(h);
    expect(new Set(hashes).size).toBe(variants.length);
  });

  it('keeps MSH-7 in the key of a text that is not an HL7 message (nothing to leave out)', () => {
    expect(contentKeyText('not hl7|a|b|c|d|e|f|g')).toBe('not hl7|a|b|c|d|e|f|g');
    expect(contentKeyText('MSH|^~\\&|A|B')).toBe('MSH|^~\\&|A|B');
  });

  it('tells the corpus ADT^A04 and the ADT^A08 that reuses its MSH-10 apart, though they share sender, MSH-7 and MSH-10', () => {
    const a04 = corpus('microsoft__FHIR-Converter__ADT-A04-01.hl7');
    const a08 = corpus('microsoft__FHIR-Converter__ADT-A08-01.hl7');
    const msh = (t: string) => t.split(/\r?\n|\r/)[0]!.split('|');
    expect(msh(a08)[9]).toBe(msh(a04)[9]);
    expect(msh(a08).slice(2, 4)).toEqual(msh(a04).slice(2, 4));
    expect(contentHash(a08)).not.toBe(contentHash(a04));
    // The same file sent again with CR terminators is the same content.
    expect(contentHash(a08.replace(/\r?\n/g, '\r'))).toBe(contentHash(a08));
  });
});
