import { corpusFiles, load } from './helpers';
import { parseHl7, peekMsh } from '../../src/hl7';
import { fieldName, segmentTitle } from '../../src/hl7/field-names';

const VERSIONS = ['2.3', '2.3.1', '2.4', '2.5', '2.5.1', '2.6', '2.7', '2.7.1', '2.8'];
const CONTRACT_SEGMENTS = 'MSH EVN PID PV1 IN1 IN2 GT1 DG1 FT1 PR1 ORC RXA RXR RXE RXD OBR OBX NTE NK1 MSA ERR'.split(' ');

describe('fieldName', () => {
  it('names the fields a pharmacy reads every day', () => {
    expect(fieldName('2.5.1', 'MSH', 1)).toBe('Field Separator');
    expect(fieldName('2.5.1', 'MSH', 10)).toBe('Message Control ID');
    expect(fieldName('2.5.1', 'PID', 3)).toBe('Patient Identifier List');
    expect(fieldName('2.5.1', 'PID', 5)).toBe('Patient Name');
    expect(fieldName('2.5.1', 'FT1', 25)).toBe('Procedure Code');
    expect(fieldName('2.5.1', 'RXA', 5)).toBe('Administered Code');
    expect(fieldName('2.5.1', 'RXD', 2)).toBe('Dispense/Give Code');
    expect(fieldName('2.5.1', 'OBX', 5)).toBe('Observation Value');
    expect(fieldName('2.5.1', 'IN1', 36)).toBe('Policy Number');
    expect(fieldName('2.5.1', 'MSA', 2)).toBe('Message Control ID');
  });

  it('gives the name of the version asked for where the standard renamed a field', () => {
    expect(fieldName('2.3', 'PID', 3)).toBe('Patient ID (Internal ID)');
    expect(fieldName('2.3.1', 'PID', 3)).toBe('Patient Identifier List');
    expect(fieldName('2.3', 'PID', 8)).toBe('Sex');
    expect(fieldName('2.4', 'PID', 8)).toBe('Administrative Sex');
    expect(fieldName('2.3', 'PID', 7)).toBe('Date of Birth');
    expect(fieldName('2.5', 'PID', 7)).toBe('Date/Time of Birth');
    expect(fieldName('2.6', 'OBX', 8)).toBe('Abnormal Flags');
    expect(fieldName('2.7', 'OBX', 8)).toBe('Interpretation Codes');
    expect(fieldName('2.4', 'MSH', 21)).toBe('Conformance Statement ID');
    expect(fieldName('2.5', 'MSH', 21)).toBe('Message Profile Identifier');
    expect(fieldName('2.3', 'IN2', 9)).toBe('Champus Sponsor Name');
    expect(fieldName('2.5', 'IN2', 9)).toBe('Military Sponsor Name');
  });

  it('knows when a field was added and answers undefined before it', () => {
    expect(fieldName('2.3', 'PID', 31)).toBeUndefined();
    expect(fieldName('2.4', 'PID', 31)).toBe('Identity Unknown Indicator');
    expect(fieldName('2.6', 'PID', 40)).toBeUndefined();
    expect(fieldName('2.7', 'PID', 40)).toBe('Patient Telecommunication Information');
    expect(fieldName('2.4', 'ERR', 2)).toBeUndefined();
    expect(fieldName('2.5', 'ERR', 3)).toBe('HL7 Error Code');
    expect(fieldName('2.5', 'FT1', 29)).toBe('NDC Code');
    expect(fieldName('2.4', 'FT1', 29)).toBeUndefined();
  });

  it('maps a version between tabled ones to the nearest one below, and refuses versions outside 2.3–2.8.x', () => {
    expect(fieldName('2.8.2', 'PID', 40)).toBe('Patient Telecommunication Information');
    expect(fieldName(' 2.5.1 ', 'PID', 3)).toBe('Patient Identifier List');
    expect(fieldName('2.2', 'PID', 3)).toBeUndefined();
    expect(fieldName('2.9', 'PID', 3)).toBeUndefined();
    expect(fieldName('', 'PID', 3)).toBeUndefined();
    expect(fieldName('v2.5', 'PID', 3)).toBeUndefined();
  });

  it('answers undefined for unknown segments, Z-segments and impossible indexes', () => {
    expect(fieldName('2.5', 'ZPI', 1)).toBeUndefined();
    expect(fieldName('2.5', 'PID', 0)).toBeUndefined();
    expect(fieldName('2.5', 'PID', 1.5)).toBeUndefined();
    expect(fieldName('2.5', 'PID', 99)).toBeUndefined();
    expect(fieldName('2.5', 'pid', 5)).toBe('Patient Name');
  });

  it.each(VERSIONS)('covers every contract segment in %s with clean names', (version) => {
    for (const segment of CONTRACT_SEGMENTS) {
      expect(segmentTitle(segment)).toBeTruthy();
      expect(fieldName(version, segment, 1)).toBeTruthy();
      for (let i = 1; i <= 80; i++) {
        const name = fieldName(version, segment, i);
        if (name === undefined) continue;
        expect(name).toBe(name.trim());
        expect(name).not.toMatch(/\s{2}|[*+#_]$|\w_s\b| s /);
      }
    }
  });

  it('names nearly every field the corpus messages fill in their own version', () => {
    let named = 0;
    let filled = 0;
    for (const file of corpusFiles) {
      const raw = load(file);
      const version = peekMsh(raw).version;
      for (const segment of parseHl7(raw).segments) {
        if (segmentTitle(segment.name) === undefined) continue;
        segment.fields.forEach((value, index) => {
          if (index < 1 || value === '') return;
          filled += 1;
          if (fieldName(version, segment.name, index) !== undefined) named += 1;
        });
      }
    }
    expect(filled).toBeGreaterThan(500);
    expect(named / filled).toBeGreaterThan(0.98);
  });
});
