import { corpusFiles, load, thrown } from './helpers';
import { isVersionSupported, peekMsh, usesErl } from '../../src/hl7';



describe('peekMsh on the corpus', () => {
  it('finds the corpus', () => {
    expect(corpusFiles.length).toBeGreaterThanOrEqual(10);
  });

  it.each(corpusFiles)('%s has a readable MSH whose 9.1/9.2 match the file name', (name) => {
    const h = peekMsh(load(name));
    expect(h.fieldSeparator).toBe('|');
    expect(h.encodingCharacters).toBe('^~\\&');
    expect(h.controlId).not.toBe('');
    expect(isVersionSupported(h.version)).toBe(true);
    const type = /__(ADT|BAR|DFT|RDE|RDS|ORU|VXU)/.exec(name)?.[1] ?? (name.includes('IZ_') ? 'VXU' : '?');
    expect(h.messageCode).toBe(type);
  });

  it('reads a 2.3 ADT^A04 with a BOM (no structure component)', () => {
    expect(peekMsh(load('microsoft__FHIR-Converter__ADT04-23.hl7'))).toEqual({
      fieldSeparator: '|',
      encodingCharacters: '^~\\&',
      sendingApplication: 'NES',
      sendingFacility: 'NINTENDO',
      receivingApplication: 'TESTSYSTEM',
      receivingFacility: 'TESTFACILITY',
      dateTime: '20010101000000+0700',
      messageCode: 'ADT',
      triggerEvent: 'A04',
      messageStructure: '',
      controlId: 'Q123456789T123456789X123456',
      processingId: 'P',
      version: '2.3',
      acceptAckType: '',
      applicationAckType: '',
      characterSets: [],
    });
  });

  it('keeps HD fields whole and reads enhanced-mode ack types (ORU^R01 2.5.1)', () => {
    const h = peekMsh(load('microsoft__FHIR-Converter__ORU-R01-01.hl7'));
    expect(h.sendingApplication).toBe('IA PHIMS Stage^2.16.840.1.114222.4.3.3.5.1.2^ISO');
    expect(h.sendingFacility).toBe('IA Public Health Lab^2.16.840.1.114222.4.1.10411^ISO');
    expect(h.receivingApplication).toBe('IA.DOH.IDSS^2.16.840.1.114222.4.3.3.19^ISO');
    expect(h.receivingFacility).toBe('IA DOH^2.16.840.1.114222.4.1.3650^ISO');
    expect([h.messageCode, h.triggerEvent, h.messageStructure]).toEqual(['ORU', 'R01', 'ORU_R01']);
    expect(h.controlId).toBe('2.16.840.1.114222.4.3.3.5.1.2-20120314235954.325');
    expect(h.processingId).toBe('T');
    expect(h.version).toBe('2.5.1');
    expect([h.acceptAckType, h.applicationAckType]).toEqual(['AL', 'NE']);
    expect(h.characterSets).toEqual([]);
  });

  it('reads MSH-15/16 from the NIST VXU samples (BOM, empty MSH-5)', () => {
    const iz = peekMsh(load('microsoft__FHIR-Converter__IZ_1_1.1_Admin_Child_Max_Message.hl7'));
    expect(iz.sendingApplication).toBe('Test EHR Application');
    expect(iz.receivingApplication).toBe('');
    expect(iz.receivingFacility).toBe('NIST Test Iz Reg');
    expect(iz.controlId).toBe('NIST-IZ-001.00');
    expect([iz.acceptAckType, iz.applicationAckType]).toEqual(['AL', 'ER']);
    const vxu = peekMsh(load('microsoft__FHIR-Converter__VXU.hl7'));
    expect(vxu.dateTime).toBe('20150624084727.655-0500');
    expect([vxu.acceptAckType, vxu.applicationAckType]).toEqual(['ER', 'AL']);
  });

  it('reads a 2.8 DFT^P03 (MSH-17 country does not leak into MSH-18)', () => {
    const h = peekMsh(load('microsoft__FHIR-Converter__DFT-P03-01.hl7'));
    expect([h.messageCode, h.triggerEvent, h.messageStructure, h.version]).toEqual(['DFT', 'P03', 'DFT_P03', '2.8']);
    expect(h.sendingApplication).toBe('IMMAPP');
    expect(h.controlId).toBe('MSG00001');
    expect(h.characterSets).toEqual([]);
  });
});

describe('peekMsh on synthetic headers', () => {
  const base = 'MSH|^~\\&|RXSYS^1.2.3^ISO|PHARM|RXBRIDGE|HOSP|20240101120000||DFT^P03^DFT_P03|CTRL-1|P^T|2.5.1^USA|||AL|NE||UNICODE UTF-8~8859/1\rPID|1||12345^^^MRN||DOE^JANE';

  it('reads every header field', () => {
    const h = peekMsh(base);
    expect(h.sendingApplication).toBe('RXSYS^1.2.3^ISO');
    expect(h.processingId).toBe('P');
    expect(h.version).toBe('2.5.1');
    expect(h.characterSets).toEqual(['UNICODE UTF-8', '8859/1']);
    expect([h.acceptAckType, h.applicationAckType]).toEqual(['AL', 'NE']);
  });

  it('accepts LF and CRLF separators, leading whitespace and a BOM', () => {
    expect(peekMsh('\uFEFF\r\n ' + base.replace('\r', '\r\n')).controlId).toBe('CTRL-1');
    expect(peekMsh(base.replace('\r', '\n')).characterSets).toEqual(['UNICODE UTF-8', '8859/1']);
  });

  it('unescapes the control id and message type', () => {
    expect(peekMsh('MSH|^~\\&|A|B|C|D|20240101||DFT^P03|ID\\F\\1|P|2.5').controlId).toBe('ID|1');
  });

  it('honours custom delimiters, including a 2.7 truncation character', () => {
    const h = peekMsh('MSH#@*!$%#A@1#B#C#D#20240101##DFT@P03@DFT_P03#C1#P#2.7');
    expect(h.fieldSeparator).toBe('#');
    expect(h.encodingCharacters).toBe('@*!$%');
    expect(h.sendingApplication).toBe('A@1');
    expect([h.messageCode, h.triggerEvent, h.messageStructure]).toEqual(['DFT', 'P03', 'DFT_P03']);
  });

  it('throws FRAME_NO_MSH when the text does not start with MSH', () => {
    for (const text of ['', '   ', 'PID|1||X', 'XMSH|^~\\&|A', 'msh|^~\\&|A']) {
      expect(thrown(() => peekMsh(text)).code).toBe('FRAME_NO_MSH');
    }
  });

  it.each([
    ['MSH', 1],
    ['MSHA^~\\&|A', 1],
    ['MSH ^~\\&|A', 1],
    ['MSH|^~\\|A|B|C|D|1||DFT^P03|1|P|2.5', 2],
    ['MSH|^~\\&xy|A|B|C|D|1||DFT^P03|1|P|2.5', 2],
    ['MSH|^^\\&|A|B|C|D|1||DFT^P03|1|P|2.5', 2],
    ['MSH|^~|&|A|B|C|D|1||DFT^P03|1|P|2.5', 2],
    ['MSH|^~\\A|A|B|C|D|1||DFT^P03|1|P|2.5', 2],
  ])('throws MSH_INVALID for bad MSH-1/MSH-2: %j', (text, field) => {
    const err = thrown(() => peekMsh(text));
    expect(err.code).toBe('MSH_INVALID');
    expect(err.location).toEqual({ segment: 'MSH', sequence: 1, field });
  });

  it('throws MSH_INVALID naming MSH-9 or MSH-10 when empty, without echoing values', () => {
    const noType = thrown(() => peekMsh('MSH|^~\\&|SECRETAPP|B|C|D|20240101|||CTRL-1|P|2.5'));
    expect(noType.code).toBe('MSH_INVALID');
    expect(noType.location).toEqual({ segment: 'MSH', sequence: 1, field: 9, component: 1 });
    const noTrigger = thrown(() => peekMsh('MSH|^~\\&|A|B|C|D|20240101||DFT|CTRL-1|P|2.5'));
    expect(noTrigger.location).toEqual({ segment: 'MSH', sequence: 1, field: 9, component: 2 });
    const noId = thrown(() => peekMsh('MSH|^~\\&|SECRETAPP|B|C|D|20240101||DFT^P03| |P|2.5'));
    expect(noId.code).toBe('MSH_INVALID');
    expect(noId.location).toEqual({ segment: 'MSH', sequence: 1, field: 10 });
    const truncated = thrown(() => peekMsh('MSH|^~\\&|A|B|C|D|20240101||DFT^P03'));
    expect(truncated.location?.field).toBe(10);
    for (const err of [noType, noId]) expect(err.message).not.toContain('SECRETAPP');
  });
});

describe('version helpers', () => {
  it.each(['2.3', '2.3.1', '2.4', '2.5', '2.5.1', '2.6', '2.7', '2.7.1', '2.8', '2.8.1', '2.8.2'])('supports %s', (v) => {
    expect(isVersionSupported(v)).toBe(true);
  });

  it.each(['', '2.2', '2.1', '2.9', '3.0', '2.5.2', 'x'])('does not support %j', (v) => {
    expect(isVersionSupported(v)).toBe(false);
  });

  it('uses the ERL layout from 2.5 on', () => {
    expect(['2.3', '2.3.1', '2.4', '2.2'].map(usesErl)).toEqual([false, false, false, false]);
    expect(['2.5', '2.5.1', '2.6', '2.7.1', '2.8.2', '2.10'].map(usesErl)).toEqual([true, true, true, true, true, true]);
    expect(usesErl('')).toBe(true);
  });
});
