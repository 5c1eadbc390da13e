import { ackMode, buildAck, newControlId, parseHl7, peekMsh, readMessage, shouldSendAccept } from '../../src/hl7';
import type { AckError, MshHeader } from '../../src/hl7';

const NOW = new Date(Date.UTC(2024, 4, 6, 7, 8, 9)); // 2024-05-06T07:08:09Z
const unsupported: AckError = {
  condition: '200',
  severity: 'E',
  text: 'Unsupported message type',
  location: { segment: 'MSH', sequence: 1, field: 9 },
};

const inbound = (version: string, extra = ''): MshHeader =>
  peekMsh(`MSH|^~\\&|RXSYS^1.2.3^ISO|PHARM|RXBRIDGE|HOSP|20240101120000||ZZZ^Z01|CTRL-${version}|P|${version}${extra}\rPID|1`);

const lines = (ack: string): string[] => {
  expect(ack.endsWith('\r')).toBe(true);
  return ack.slice(0, -1).split('\r');
};

describe('buildAck golden texts', () => {
  it('2.3 sender, AR with code 200: ERR-1 ELD layout and MSA-6, no structure in MSH-9', () => {
    const ack = buildAck({ inbound: inbound('2.3'), code: 'AR', error: unsupported, ackControlId: 'ACK0001', now: NOW });
    expect(lines(ack)).toEqual([
      'MSH|^~\\&|RXBRIDGE|HOSP|RXSYS^1.2.3^ISO|PHARM|20240506070809+0000||ACK^Z01|ACK0001|P|2.3',
      'MSA|AR|CTRL-2.3|Unsupported message type|||200^Unsupported message type^HL70357',
      'ERR|MSH^1^9^200&Unsupported message type&HL70357',
    ]);
  });

  it('2.5.1 sender, AR with code 200: ERR-2/3/4 layout with ERR-8 text, no MSA-6', () => {
    const ack = buildAck({ inbound: inbound('2.5.1'), code: 'AR', error: unsupported, ackControlId: 'ACK0002', now: NOW });
    expect(lines(ack)).toEqual([
      'MSH|^~\\&|RXBRIDGE|HOSP|RXSYS^1.2.3^ISO|PHARM|20240506070809+0000||ACK^Z01^ACK|ACK0002|P|2.5.1',
      'MSA|AR|CTRL-2.5.1|Unsupported message type',
      'ERR||MSH^1^9|200^Unsupported message type^HL70357|E||||Unsupported message type',
    ]);
  });

  it('AA: MSH and MSA only, MSA-2 = inbound MSH-10', () => {
    const h = peekMsh('MSH|^~\\&|RXSYS|PHARM|RXBRIDGE|HOSP|20240101120000||DFT^P03^DFT_P03|MSG-42|T|2.5.1');
    expect(buildAck({ inbound: h, code: 'AA', ackControlId: 'ACK0003', now: NOW })).toBe(
      'MSH|^~\\&|RXBRIDGE|HOSP|RXSYS|PHARM|20240506070809+0000||ACK^P03^ACK|ACK0003|T|2.5.1\r' +
      'MSA|AA|MSG-42\r',
    );
  });
});

describe('buildAck rules', () => {
  it('MSA-2 equals the inbound MSH-10 and MSH-3/4 ↔ MSH-5/6 are swapped (read back with our parser)', () => {
    const h = inbound('2.5.1');
    const ack = parseHl7(buildAck({ inbound: h, code: 'AE', ackControlId: 'A1', now: NOW }));
    expect(readMessage(ack, 'MSA-2')).toBe(h.controlId);
    expect(ack.segments[0]!.fields.slice(3, 7)).toEqual([h.receivingApplication, h.receivingFacility, h.sendingApplication, h.sendingFacility]);
    expect(ack.header.messageCode).toBe('ACK');
    expect(ack.header.controlId).toBe('A1');
  });

  it('uses the local names when the inbound MSH-5/6 are empty', () => {
    const h = peekMsh('MSH|^~\\&|RXSYS|PHARM|||20240101||DFT^P03|C1|P|2.5.1');
    expect(lines(buildAck({ inbound: h, code: 'AA', ackControlId: 'A', now: NOW }))[0]).toMatch(/^MSH\|\^~\\&\|RXBRIDGE\|RXBRIDGE\|RXSYS\|PHARM\|/);
    const named = buildAck({ inbound: h, code: 'AA', ackControlId: 'A', now: NOW, localApplication: 'RX|BRIDGE', localFacility: 'SITE1' });
    expect(lines(named)[0]).toMatch(/^MSH\|\^~\\&\|RX\\F\\BRIDGE\|SITE1\|RXSYS\|PHARM\|/);
  });

  it('keeps the inbound delimiters (different component separator and field separator)', () => {
    const h = peekMsh('MSH#@~\\&#RXSYS@1.2@ISO#PHARM#RXB#HOSP#20240101##DFT@P03@DFT_P03#C\\F\\9#P#2.5.1');
    const ack = buildAck({
      inbound: h, code: 'AE', ackControlId: 'A9', now: NOW,
      error: { condition: '101', severity: 'E', text: 'PID-3 needs an id @ MRN', location: { segment: 'PID', sequence: 1, field: 3, repetition: 1 } },
    });
    expect(lines(ack)).toEqual([
      'MSH#@~\\&#RXB#HOSP#RXSYS@1.2@ISO#PHARM#20240506070809+0000##ACK@P03@ACK#A9#P#2.5.1',
      'MSA#AE#C\\F\\9#PID-3 needs an id \\S\\ MRN',
      'ERR##PID@1@3@1#101@PID-3 needs an id \\S\\ MRN@HL70357#E####PID-3 needs an id \\S\\ MRN',
    ]);
    const parsed = parseHl7(ack);
    expect(readMessage(parsed, 'MSA-2')).toBe('C#9');
    expect(readMessage(parsed, 'ERR-3.2')).toBe('PID-3 needs an id @ MRN');
  });

  it('keeps a 2.7 truncation character in MSH-2', () => {
    const h = peekMsh('MSH|^~\\&#|A|B|C|D|20240101||DFT^P03|C1|P|2.7');
    const ack = buildAck({ inbound: h, code: 'AE', ackControlId: 'A', now: NOW, error: { ...unsupported, text: 'cut # here' } });
    expect(lines(ack)[0]).toMatch(/^MSH\|\^~\\&#\|C\|D\|A\|B\|/);
    expect(lines(ack)[1]).toBe('MSA|AE|C1|cut \\P\\ here');
  });

  it('escapes "|", "^", "&", "~" and "\\" in inserted text', () => {
    const text = 'bad | value ^ with & and ~ and \\';
    const escaped = 'bad \\F\\ value \\S\\ with \\T\\ and \\R\\ and \\E\\';
    const v25 = lines(buildAck({ inbound: inbound('2.5.1'), code: 'AE', ackControlId: 'A', now: NOW, error: { ...unsupported, text } }));
    expect(v25[1]).toBe(`MSA|AE|CTRL-2.5.1|${escaped}`);
    expect(v25[2]).toBe(`ERR||MSH^1^9|200^${escaped}^HL70357|E||||${escaped}`);
    const v23 = lines(buildAck({ inbound: inbound('2.3'), code: 'AE', ackControlId: 'A', now: NOW, error: { ...unsupported, text } }));
    expect(v23[2]).toBe(`ERR|MSH^1^9^200&${escaped}&HL70357`);
    expect(readMessage(parseHl7(v25.join('\r')), 'ERR-8')).toBe(text);
  });

  it('uses the ELD layout up to 2.4 and ERL from 2.5, MSA-6 only before 2.5', () => {
    const at = (v: string): string[] => lines(buildAck({ inbound: inbound(v), code: 'AE', ackControlId: 'A', now: NOW, error: unsupported }));
    expect(at('2.4')[2]).toBe('ERR|MSH^1^9^200&Unsupported message type&HL70357');
    expect(at('2.4')[1]).toMatch(/\|\|\|200\^Unsupported message type\^HL70357$/);
    expect(at('2.5')[2]).toMatch(/^ERR\|\|MSH\^1\^9\|200\^/);
    expect(at('2.5')[1]).toBe('MSA|AE|CTRL-2.5|Unsupported message type');
    expect(at('2.3.1')[0]).toContain('|ACK^Z01^ACK|');
  });

  it('renders an error without a location', () => {
    const { location: _omit, ...noLoc } = unsupported;
    expect(lines(buildAck({ inbound: inbound('2.5.1'), code: 'AR', ackControlId: 'A', now: NOW, error: noLoc }))[2])
      .toBe('ERR|||200^Unsupported message type^HL70357|E||||Unsupported message type');
    expect(lines(buildAck({ inbound: inbound('2.3'), code: 'AR', ackControlId: 'A', now: NOW, error: noLoc }))[2])
      .toBe('ERR|^^^200&Unsupported message type&HL70357');
  });

  it('uses defaults when there is no inbound header', () => {
    const ack = buildAck({ code: 'AR', ackControlId: 'A7', now: NOW, controlIdFallback: 'X1', error: { condition: '100', severity: 'E', text: 'No MSH segment' } });
    expect(lines(ack)).toEqual([
      'MSH|^~\\&|RXBRIDGE|RXBRIDGE|||20240506070809+0000||ACK^^ACK|A7|P|2.5.1',
      'MSA|AR|X1|No MSH segment',
      'ERR|||100^No MSH segment^HL70357|E||||No MSH segment',
    ]);
    expect(lines(buildAck({ code: 'AR', ackControlId: 'A7', now: NOW }))[1]).toBe('MSA|AR');
  });

  it('defaults MSH-11 to P when the inbound processing id is empty, and formats MSH-7 in UTC', () => {
    const h = peekMsh('MSH|^~\\&|A|B|C|D|20240101||DFT^P03|C1||2.5.1');
    const msh = lines(buildAck({ inbound: h, code: 'CA', ackControlId: 'A', now: new Date(Date.UTC(1999, 11, 31, 23, 59, 58)) }))[0];
    expect(msh).toBe('MSH|^~\\&|C|D|A|B|19991231235958+0000||ACK^P03^ACK|A|P|2.5.1');
  });
});

describe('newControlId', () => {
  it('yields 10,000 unique ids of at most 20 characters, in creation order', () => {
    const ids = Array.from({ length: 10_000 }, () => newControlId());
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^[0-9A-Z]{1,20}$/);
    expect([...ids].sort()).toEqual(ids);
  });
});

describe('ack mode', () => {
  const header = (accept: string, application: string): MshHeader =>
    peekMsh(`MSH|^~\\&|A|B|C|D|20240101||DFT^P03|C1|P|2.5.1|||${accept}|${application}`);

  it('is original when MSH-15 and MSH-16 are both empty', () => {
    expect(ackMode(header('', ''))).toEqual({ mode: 'original' });
  });

  it('is enhanced otherwise, with empty or unknown types read as AL', () => {
    expect(ackMode(header('AL', 'NE'))).toEqual({ mode: 'enhanced', accept: 'AL', application: 'NE' });
    expect(ackMode(header('ER', 'SU'))).toEqual({ mode: 'enhanced', accept: 'ER', application: 'SU' });
    expect(ackMode(header('', 'ER'))).toEqual({ mode: 'enhanced', accept: 'AL', application: 'ER' });
    expect(ackMode(header('NE', ''))).toEqual({ mode: 'enhanced', accept: 'NE', application: 'AL' });
    expect(ackMode(header('xx', 'ne'))).toEqual({ mode: 'enhanced', accept: 'AL', application: 'NE' });
  });

  it.each([
    ['AL', false, true], ['AL', true, true],
    ['NE', false, false], ['NE', true, false],
    ['ER', false, false], ['ER', true, true],
    ['SU', false, true], ['SU', true, false],
    ['', false, true], ['', true, true],
  ] as const)('shouldSendAccept(%j, isError=%s) = %s', (type, isError, expected) => {
    expect(shouldSendAccept(type, isError)).toBe(expected);
  });
});
