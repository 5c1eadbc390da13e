import { applicationAckFor, type FinalOutcome } from '../../src/acks/application-ack';
import { answerAccepts, retryDelayMs } from '../../src/acks/deliverer';
import { applicationAckRequest, peekMsh } from '../../src/hl7';

const NOW = new Date(Date.UTC(2026, 11, 6, 16, 5, 0));
const header = (version: string, msh15 = 'AL', msh16 = 'AL') =>
  peekMsh(`MSH|^~\\&|RXSYS|PHARM01|RXBRIDGE|HUB|20261206160000||DFT^P03^DFT_P03|CTRL-77|P|${version}|||${msh15}|${msh16}\rPID|1`);
const processed: FinalOutcome = { status: 'processed', errorCode: null, errorText: null };
const filtered: FinalOutcome = { status: 'filtered', errorCode: null, errorText: null };
const deadLetter: FinalOutcome = { status: 'error', errorCode: 'MAPPING_FAILED', errorText: 'FT1-7 is required but empty' };

describe('applicationAckRequest (MSH-15/16)', () => {
  it.each([
    ['', '', null], // original mode
    ['AL', 'NE', null],
    ['AL', 'AL', 'AL'],
    ['NE', 'ER', 'ER'],
    ['AL', 'SU', 'SU'],
    ['AL', '', 'AL'], // enhanced mode, MSH-16 empty: acknowledge
    ['AL', 'XX', 'AL'],
  ] as const)('MSH-15 %j, MSH-16 %j → %j', (msh15, msh16, expected) => {
    expect(applicationAckRequest(header('2.5.1', msh15, msh16))).toBe(expected);
  });
});

describe('applicationAckFor', () => {
  it('processed → AA answering the inbound MSH, asking its receiver for an accept ACK only', () => {
    const ack = applicationAckFor({ header: header('2.5.1'), requested: 'AL', outcome: processed, controlId: 'APP0001', now: NOW });
    expect(ack?.code).toBe('AA');
    expect(ack?.text.split('\r')).toEqual([
      'MSH|^~\\&|RXBRIDGE|HUB|RXSYS|PHARM01|20261206160500+0000||ACK^P03^ACK|APP0001|P|2.5.1|||AL|NE',
      'MSA|AA|CTRL-77',
      '',
    ]);
  });

  it('filtered → AA (accepted; the type needs no work)', () => {
    expect(applicationAckFor({ header: header('2.5.1'), requested: 'AL', outcome: filtered, controlId: 'A2', now: NOW })?.code).toBe('AA');
  });

  it('a dead letter → AE with an ERR segment in the 2.5+ layout and the error\'s condition code', () => {
    const ack = applicationAckFor({ header: header('2.5.1'), requested: 'AL', outcome: deadLetter, controlId: 'APP0002', now: NOW });
    expect(ack?.code).toBe('AE');
    const lines = ack!.text.split('\r');
    expect(lines[1]).toBe('MSA|AE|CTRL-77|FT1-7 is required but empty');
    expect(lines[2]).toMatch(/^ERR\|\|\|\d{3}\^FT1-7 is required but empty\^HL70357\|E\|\|\|\|FT1-7 is required but empty$/);
    expect(lines[2]).not.toContain('^207^'); // MAPPING_FAILED has its own condition, not "internal error"
  });

  it('a 2.3 sender gets the ERR-1 layout and MSA-6', () => {
    const ack = applicationAckFor({ header: header('2.3'), requested: 'AL', outcome: deadLetter, controlId: 'APP0003', now: NOW });
    const lines = ack!.text.split('\r');
    expect(lines[0]).toBe('MSH|^~\\&|RXBRIDGE|HUB|RXSYS|PHARM01|20261206160500+0000||ACK^P03|APP0003|P|2.3|||AL|NE'); // no MSH-9.3 before 2.3.1
    expect(lines[1]).toMatch(/^MSA\|AE\|CTRL-77\|FT1-7 is required but empty\|\|\|\d{3}\^FT1-7 is required but empty\^HL70357$/);
    expect(lines[2]).toMatch(/^ERR\|\^\^\^\d{3}&FT1-7 is required but empty&HL70357$/);
  });

  it('an unknown stored error code is an internal error (207)', () => {
    const outcome: FinalOutcome = { status: 'error', errorCode: 'SOMETHING_NEW', errorText: null };
    const ack = applicationAckFor({ header: header('2.5.1'), requested: 'AL', outcome, controlId: 'A4', now: NOW });
    expect(ack!.text).toContain('|207^the message could not be processed^HL70357|');
  });

  it.each([
    ['ER', processed, null], ['ER', deadLetter, 'AE'],
    ['SU', processed, 'AA'], ['SU', deadLetter, null], ['SU', filtered, 'AA'],
    ['AL', processed, 'AA'], ['AL', deadLetter, 'AE'],
  ] as const)('MSH-16 %s after %j → %s', (requested, outcome, expected) => {
    const ack = applicationAckFor({ header: header('2.5.1'), requested, outcome, controlId: 'A5', now: NOW });
    expect(ack?.code ?? null).toBe(expected);
  });
});

describe('answerAccepts', () => {
  it('accepts CA and AA that echo the ACK\'s control id', () => {
    expect(answerAccepts('MSH|^~\\&|X|Y|Z|W|20260101||ACK^P03^ACK|R1|P|2.5.1\rMSA|CA|APP1\r', 'APP1')).toEqual({ ok: true });
    expect(answerAccepts('MSH|^~\\&|X\nMSA|AA|APP1', 'APP1')).toEqual({ ok: true });
  });
  it('refuses negative answers, other control ids and answers without MSA', () => {
    expect(answerAccepts('MSH|^~\\&|X\rMSA|CR|APP1|unknown message type', 'APP1')).toEqual({ ok: false, error: 'the receiver answered CR: unknown message type' });
    expect(answerAccepts('MSH|^~\\&|X\rMSA|CA|OTHER', 'APP1').ok).toBe(false);
    expect(answerAccepts('MSH|^~\\&|X', 'APP1')).toEqual({ ok: false, error: 'the answer has no MSA segment' });
  });
});

describe('retryDelayMs', () => {
  it('doubles from backoffMs and stops at an hour', () => {
    expect([1, 2, 3, 4].map((n) => retryDelayMs(5000, n))).toEqual([5000, 10000, 20000, 40000]);
    expect(retryDelayMs(5000, 30)).toBe(3_600_000);
  });
});
