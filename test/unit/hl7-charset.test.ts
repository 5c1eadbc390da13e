import { decodeHl7, normalizeSegments, resolveCharset, sniffMsh18 } from '../../src/hl7';

const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

/** MSH with MSH-18 set to msh18, then a PID whose name is given as raw bytes. */
function message(msh18: string, nameBytes: Buffer, sep = '\r'): Buffer {
  const msh = `MSH|^~\\&|RXSYS|PHARM|RXBRIDGE|HOSP|20240101120000||DFT^P03^DFT_P03|CTRL1|P|2.5.1|||||USA|${msh18}`;
  return Buffer.concat([Buffer.from(`${msh}${sep}PID|1||12345^^^MRN||`, 'latin1'), nameBytes, Buffer.from('^JANE', 'latin1')]);
}

describe('sniffMsh18', () => {
  it('reads a single MSH-18 value from the raw bytes', () => {
    expect(sniffMsh18(message('8859/1', Buffer.from('X')))).toEqual(['8859/1']);
  });

  it('reads every repetition, trimmed, keeping an empty first repetition', () => {
    expect(sniffMsh18(message('UNICODE UTF-8~ 8859/1 ', Buffer.from('X')))).toEqual(['UNICODE UTF-8', '8859/1']);
    expect(sniffMsh18(message('~UNICODE UTF-8', Buffer.from('X')))).toEqual(['', 'UNICODE UTF-8']);
  });

  it('stops MSH-18 at the next field separator (MSH-19 follows)', () => {
    const bytes = Buffer.from('MSH|^~\\&|A|B|C|D|20240101||ADT^A08|1|P|2.5.1|||||USA|UNICODE UTF-8|en-US\rPID|1');
    expect(sniffMsh18(bytes)).toEqual(['UNICODE UTF-8']);
  });

  it('returns [] when MSH-18 is empty or absent, or the payload is not HL7', () => {
    expect(sniffMsh18(message('', Buffer.from('X')))).toEqual([]);
    expect(sniffMsh18(Buffer.from('MSH|^~\\&|A|B|C|D|20240101||ADT^A08|1|P|2.5.1\rPID|1|||||||||||||||||||8859/1'))).toEqual([]);
    expect(sniffMsh18(Buffer.from('PID|1'))).toEqual([]);
    expect(sniffMsh18(Buffer.alloc(0))).toEqual([]);
    expect(sniffMsh18(Buffer.from('MSH'))).toEqual([]);
  });

  it('skips a UTF-8 BOM and leading whitespace', () => {
    expect(sniffMsh18(Buffer.concat([BOM, message('UNICODE UTF-8', Buffer.from('X'))]))).toEqual(['UNICODE UTF-8']);
    expect(sniffMsh18(Buffer.concat([Buffer.from('\r\n  '), message('8859/1', Buffer.from('X'))]))).toEqual(['8859/1']);
  });

  it('honours non-default field and repetition separators', () => {
    const bytes = Buffer.from('MSH#^*\\&#A#B#C#D#20240101##ADT^A08#1#P#2.5.1#####USA#8859/1*UNICODE UTF-8\r');
    expect(sniffMsh18(bytes)).toEqual(['8859/1', 'UNICODE UTF-8']);
  });

  it('ignores bytes after MSH-18 that are not ASCII', () => {
    expect(sniffMsh18(message('8859/1', Buffer.from([0x4d, 0xdc, 0x4c])))).toEqual(['8859/1']);
  });
});

describe('resolveCharset', () => {
  it.each([
    [['UNICODE UTF-8'], 'UTF-8'],
    [['UTF-8'], 'UTF-8'],
    [['UTF8'], 'UTF-8'],
    [['unicode utf-8'], 'UTF-8'],
    [['8859/1'], 'ISO-8859-1'],
    [['ISO-8859-1'], 'ISO-8859-1'],
    [['ISO_IR 100'], 'ISO-8859-1'],
    [['ASCII'], 'ASCII'],
    [['windows-1252'], 'windows-1252'],
    [['WINDOWS-1252'], 'windows-1252'],
    [['CP1252'], 'windows-1252'],
    [['8859/1', 'UNICODE UTF-8'], 'ISO-8859-1'],
  ] as const)('%j → %s', (values, expected) => {
    expect(resolveCharset([...values], 'UTF-8')).toBe(expected);
  });

  it('falls back when there is no value or the first repetition is empty', () => {
    expect(resolveCharset([], 'windows-1252')).toBe('windows-1252');
    expect(resolveCharset([''], 'ISO-8859-1')).toBe('ISO-8859-1');
    expect(resolveCharset(['', 'UNICODE UTF-8'], 'ASCII')).toBe('ASCII');
  });

  it('returns undefined for sets it cannot decode', () => {
    expect(resolveCharset(['UNICODE UTF-16'], 'UTF-8')).toBeUndefined();
    expect(resolveCharset(['8859/15'], 'UTF-8')).toBeUndefined();
    expect(resolveCharset(['ISO IR87'], 'UTF-8')).toBeUndefined();
  });
});

describe('decodeHl7', () => {
  it('decodes ISO-8859-1 bytes (MÜLLER)', () => {
    const bytes = message('8859/1', Buffer.from([0x4d, 0xdc, 0x4c, 0x4c, 0x45, 0x52]));
    expect(decodeHl7(bytes, 'ISO-8859-1')).toContain('||MÜLLER^JANE');
  });

  it('keeps 0x80 a C1 control in ISO-8859-1 but € in windows-1252', () => {
    const bytes = message('windows-1252', Buffer.from([0x80, 0x35]));
    expect(decodeHl7(bytes, 'windows-1252')).toContain('||€5^JANE');
    expect(decodeHl7(bytes, 'ISO-8859-1')).toContain('||\u00805^JANE');
  });

  it('decodes UTF-8 and ASCII as UTF-8, stripping a BOM', () => {
    const bytes = Buffer.concat([BOM, message('UNICODE UTF-8', Buffer.from('MÜLLER', 'utf8'))]);
    const text = decodeHl7(bytes, 'UTF-8');
    expect(text.startsWith('MSH|')).toBe(true);
    expect(text).toContain('||MÜLLER^JANE');
    expect(decodeHl7(bytes, 'ASCII').startsWith('MSH|')).toBe(true);
  });

  it('maps the windows-1252 0x80–0x9F block per WHATWG (not latin1, which Node 20 TextDecoder gets wrong)', () => {
    const high = Buffer.from([0x80, 0x82, 0x85, 0x8a, 0x8d, 0x91, 0x92, 0x93, 0x94, 0x96, 0x97, 0x99, 0x9f, 0xa0, 0xff]);
    expect(decodeHl7(high, 'windows-1252')).toBe('€‚…Š\u008d‘’“”–—™Ÿ\u00a0ÿ');
  });

  it('strips a UTF-8 BOM for single-byte charsets too', () => {
    const bytes = Buffer.concat([BOM, message('8859/1', Buffer.from([0xdc]))]);
    expect(decodeHl7(bytes, 'ISO-8859-1').startsWith('MSH|')).toBe(true);
    expect(decodeHl7(bytes, 'windows-1252').startsWith('MSH|')).toBe(true);
  });

  it('replaces invalid UTF-8 with U+FFFD instead of throwing', () => {
    expect(decodeHl7(message('', Buffer.from([0xdc])), 'UTF-8')).toContain('||\ufffd^JANE');
  });
});

describe('normalizeSegments', () => {
  it('turns CRLF and lone LF into CR', () => {
    expect(normalizeSegments('MSH|a\r\nPID|b\nPV1|c\rFT1|d')).toBe('MSH|a\rPID|b\rPV1|c\rFT1|d');
  });

  it('drops trailing empty and blank segments but keeps trailing spaces of the last segment', () => {
    expect(normalizeSegments('MSH|a\nPID|b\n\n')).toBe('MSH|a\rPID|b');
    expect(normalizeSegments('MSH|a\rPID|b \r  \r\t\r')).toBe('MSH|a\rPID|b ');
    expect(normalizeSegments('MSH|a\rPID|b')).toBe('MSH|a\rPID|b');
  });

  it('keeps blank segments in the middle (the parser skips them)', () => {
    expect(normalizeSegments('MSH|a\n\nPID|b\n')).toBe('MSH|a\r\rPID|b');
  });
});
