import fc from 'fast-check';
import { EngineError } from '../../src/core/errors';
import { silentLogger, type LogFields, type Logger } from '../../src/core/logger';
import { parseHl7, readMessage } from '../../src/hl7';
import { peekMsh } from '../../src/hl7/peek';
import { Intake, inspectFrame, patientKeyOf, senderOf, type IntakeChannel } from '../../src/pipeline/intake';
import type { AckMode } from '../../src/pipeline/ack-policy';
import { outcomeWaiter } from '../../src/pipeline/await-outcome';
import type { InboundRecord, MessageOutcome, MessagesPort as MessageStorePort, StoredInbound } from '../../src/pipeline/ports';

const CHANNEL: IntakeChannel = {
  name: 'pharmacy-inbound',
  accept: new Set(['DFT^P03', 'ADT^A04']),
  processingIds: new Set(['P', 'T']),
  duplicateWindowMs: 60_000,
  charset: 'UTF-8',
};

interface MshOptions {
  app?: string;
  facility?: string;
  type?: string;
  control?: string;
  processing?: string;
  version?: string;
  accept?: string;
  application?: string;
  charset?: string;
}

function msh(o: MshOptions = {}): string {
  const fields = [
    'MSH', '^~\\&', o.app ?? 'RXSYS', o.facility ?? 'PHARM01', 'RXBRIDGE', 'HOSP', '20240115103000', '',
    o.type ?? 'DFT^P03^DFT_P03', o.control ?? 'CTL-1', o.processing ?? 'P', o.version ?? '2.5.1', '', '',
    o.accept ?? '', o.application ?? '', '', o.charset ?? '',
  ];
  return fields.join('|');
}

const PID = 'PID|1||MRN0012345^^^PHARM01^MR~999887777^^^USSSA^SS||DOE^JANE^Q||19800101|F';
const message = (o: MshOptions = {}, pid = PID): string => [msh(o), 'EVN|P03|20240115103000', pid, 'PV1|1|O', 'FT1|1|TX-1||20240115||CG|99213|||1|75'].join('\r');
const frame = (text: string): Buffer => Buffer.from(text, 'utf8');

function rejected(v: ReturnType<typeof inspectFrame>): EngineError {
  if (v.ok) throw new Error('expected a rejected verdict');
  return v.error;
}

// ---------------------------------------------------------------------------------------------------------------
// inspectFrame

describe('inspectFrame', () => {
  it('accepts a message the channel takes: header and CR-separated text', () => {
    const text = message();
    const v = inspectFrame(frame(text), CHANNEL);
    expect(v.ok).toBe(true);
    expect(v.text).toBe(text);
    expect(v.header).toMatchObject({ messageCode: 'DFT', triggerEvent: 'P03', controlId: 'CTL-1', version: '2.5.1', processingId: 'P' });
  });

  it.each<[string, string, number, MshOptions]>([
    ['unsupported message type', 'UNSUPPORTED_MESSAGE_TYPE', 9, { type: 'ORU^R01' }],
    ['accepted code with another event', 'UNSUPPORTED_MESSAGE_TYPE', 9, { type: 'DFT^P11' }],
    ['unsupported version', 'UNSUPPORTED_VERSION', 12, { version: '2.2' }],
    ['unsupported processing id', 'UNSUPPORTED_PROCESSING_ID', 11, { processing: 'D' }],
    ['unsupported charset', 'CHARSET_UNSUPPORTED', 18, { charset: 'ISO IR87' }],
  ])('%s → %s at MSH-%i', (_name, code, field, options) => {
    const v = inspectFrame(frame(message(options)), CHANNEL);
    const error = rejected(v);
    expect(error.code).toBe(code);
    expect(error.location).toEqual({ segment: 'MSH', sequence: 1, field });
    expect(v.header?.controlId).toBe('CTL-1'); // the header is still there for the NAK
    expect(error.message).not.toMatch(/DOE|MRN0012345/);
  });

  it('checks the charset first, then version, type and processing id', () => {
    const all = { charset: 'KLINGON', version: '9.9', type: 'ZZZ^Z99', processing: 'X' };
    expect(rejected(inspectFrame(frame(message(all)), CHANNEL)).code).toBe('CHARSET_UNSUPPORTED');
    expect(rejected(inspectFrame(frame(message({ ...all, charset: '' })), CHANNEL)).code).toBe('UNSUPPORTED_VERSION');
    expect(rejected(inspectFrame(frame(message({ ...all, charset: '', version: '2.4' })), CHANNEL)).code).toBe('UNSUPPORTED_MESSAGE_TYPE');
  });

  it('a frame without MSH is FRAME_NO_MSH with no header; its text is still kept', () => {
    const v = inspectFrame(frame('PID|1||MRN1\rPV1|1'), CHANNEL);
    expect(rejected(v).code).toBe('FRAME_NO_MSH');
    expect(v.header).toBeUndefined();
    expect(v.text).toBe('PID|1||MRN1\rPV1|1');
    expect(rejected(inspectFrame(Buffer.alloc(0), CHANNEL)).code).toBe('FRAME_NO_MSH');
  });

  it('a malformed MSH (empty MSH-10) is MSH_INVALID', () => {
    const error = rejected(inspectFrame(frame(message({ control: '' })), CHANNEL));
    expect(error.code).toBe('MSH_INVALID');
    expect(error.location).toMatchObject({ segment: 'MSH', field: 10 });
  });

  it('a NUL anywhere (here in MSH-10) is FRAME_NUL, a permanent refusal; header and text carry U+FFFD instead', () => {
    const v = inspectFrame(frame(`${msh({ control: 'CTL\u00001' })}\r${PID}`), CHANNEL);
    const err = rejected(v);
    expect(err.code).toBe('FRAME_NUL');
    expect(err.spec.retryable).toBe(false);
    expect(v.header?.controlId).toBe('CTL\uFFFD1');
    expect(v.text).not.toContain('\u0000');
    expect(v.text).toContain('CTL\uFFFD1');
  });

  it('accepts a UTF-8 BOM and LF separators; the stored text has CR separators and no BOM', () => {
    const text = message();
    const bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text.replace(/\r/g, '\n') + '\n', 'utf8')]);
    const v = inspectFrame(bytes, CHANNEL);
    expect(v.ok).toBe(true);
    expect(v.text).toBe(text);
  });

  it('decodes ISO-8859-1 (MSH-18 8859/1) so MÜLLER is stored as MÜLLER', () => {
    const text = message({ charset: '8859/1' }, 'PID|1||MRN7^^^PHARM01^MR||MÜLLER^JÖRG||19700101|M');
    const bytes = Buffer.from(text, 'latin1');
    expect(bytes.includes(Buffer.from([0x4d, 0xdc, 0x4c]))).toBe(true); // "MÜL" as single bytes
    const v = inspectFrame(bytes, CHANNEL);
    expect(v.ok).toBe(true);
    expect(v.text).toContain('MÜLLER^JÖRG');
    expect(readMessage(parseHl7(v.text), 'PID-5.1')).toBe('MÜLLER');
    // The same bytes read as UTF-8 would be damaged: the charset really is honoured.
    expect(bytes.toString('utf8')).not.toContain('MÜLLER');
  });

  it('uses the channel charset when MSH-18 is empty', () => {
    const text = message({}, 'PID|1||MRN7||MÜLLER^JÖRG');
    const v = inspectFrame(Buffer.from(text, 'latin1'), { ...CHANNEL, charset: 'ISO-8859-1' });
    expect(v.text).toContain('MÜLLER');
  });

  it('UTF-8 (MSH-18 UNICODE UTF-8) multibyte text is kept', () => {
    const v = inspectFrame(frame(message({ charset: 'UNICODE UTF-8' }, 'PID|1||MRN7||ŁUKASZ^ZOË')), CHANNEL);
    expect(v.ok).toBe(true);
    expect(v.text).toContain('ŁUKASZ^ZOË');
  });
});

// ---------------------------------------------------------------------------------------------------------------
// patientKeyOf, senderOf

describe('patientKeyOf and senderOf', () => {
  const key = (o: MshOptions, pid: string): string | null => {
    const text = message(o, pid);
    return patientKeyOf(text, peekMsh(text));
  };

  it('senderOf is MSH-3|MSH-4 as sent', () => {
    expect(senderOf(peekMsh(msh({ app: 'RXSYS^1.2.3^ISO', facility: 'PHARM01' })))).toBe('RXSYS^1.2.3^ISO|PHARM01');
  });

  it('same sender + PID-3.1 + PID-3.4 → same key, whatever else differs', () => {
    const a = key({}, 'PID|1||MRN0012345^^^PHARM01^MR||DOE^JANE');
    expect(a).toMatch(/^[A-Za-z0-9_-]{24}$/);
    expect(key({ control: 'OTHER', type: 'ADT^A04' }, 'PID|2||MRN0012345^5^M11^PHARM01^PI~X^^^Y||SMITH^ANN')).toBe(a);
  });

  it('another sender, id or assigning authority → another key', () => {
    const a = key({}, 'PID|1||MRN0012345^^^PHARM01^MR');
    const keys = [
      key({ app: 'OTHERSYS' }, 'PID|1||MRN0012345^^^PHARM01^MR'),
      key({ facility: 'PHARM02' }, 'PID|1||MRN0012345^^^PHARM01^MR'),
      key({}, 'PID|1||MRN0012346^^^PHARM01^MR'),
      key({}, 'PID|1||MRN0012345^^^PHARM02^MR'),
      key({}, 'PID|1||MRN0012345'),
    ];
    expect(new Set([a, ...keys]).size).toBe(6);
  });

  it('null without PID or with an empty PID-3 (or an empty first repetition)', () => {
    const noPid = [msh(), 'EVN|P03', 'FT1|1'].join('\r');
    expect(patientKeyOf(noPid, peekMsh(noPid))).toBeNull();
    expect(key({}, 'PID|1||')).toBeNull();
    expect(key({}, 'PID|1')).toBeNull();
    expect(key({}, 'PID|1||^^^PHARM01^MR')).toBeNull();
    expect(key({}, 'PID|1||~MRN0012345^^^PHARM01')).toBeNull();
  });

  it('reads PID-3 with the message\'s own delimiters', () => {
    const header = '#@\\&';
    const text = [`MSH|${header}|RXSYS|PHARM01|RXB|HOSP|20240101||DFT#P03|C1|P|2.5.1`, 'PID|1||MRN0012345###PHARM01@OTHER###X'].join('\r');
    expect(patientKeyOf(text, peekMsh(text))).toBe(key({}, 'PID|1||MRN0012345^^^PHARM01'));
  });

  it('the key holds no part of the id (property)', () => {
    fc.assert(fc.property(fc.stringMatching(/^[A-Za-z0-9]{6,20}$/), fc.stringMatching(/^[A-Z]{0,8}$/), (id, authority) => {
      const k = key({}, `PID|1||${id}^^^${authority}^MR||DOE^JANE`);
      expect(k).not.toBeNull();
      expect(k!).not.toContain(id);
      expect(k).toBe(key({}, `PID|1||${id}^^^${authority}^MR||ROE^RICHARD`));
    }), { numRuns: 300 });
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Intake

function notUsed(): never {
  throw new Error('not used');
}

interface FakeStore {
  store: MessageStorePort;
  records: InboundRecord[];
  /** Replaces the behaviour of recordInbound (default: commit, with duplicate detection on channel+sender+control id). */
  setRecordInbound(fn: (recs: readonly InboundRecord[]) => Promise<StoredInbound[]>): void;
}

function fakeStore(): FakeStore {
  const records: InboundRecord[] = [];
  const seen = new Map<string, string>();
  let next = 1;
  let behaviour = async (recs: readonly InboundRecord[]): Promise<StoredInbound[]> => recs.map((r) => {
    records.push(r);
    const id = String(next++);
    if (r.status === 'rejected') return { id, status: 'rejected', duplicateOf: null };
    const k = `${r.channel}|${r.sender}|${r.controlId}`;
    const first = seen.get(k);
    if (first) return { id, status: 'duplicate', duplicateOf: first };
    seen.set(k, id);
    return { id, status: 'received', duplicateOf: null };
  });
  const store: MessageStorePort = {
    recordInbound: (recs) => behaviour(recs),
    claimMany: notUsed,
    releaseClaims: notUsed,
    completeMany: notUsed,
    completeWithRecords: notUsed,
    noteRetry: notUsed,
    deadLetter: notUsed,
    prepareReplay: notUsed,
    openMessageIds: notUsed,
  };
  return { store, records, setRecordInbound: (fn) => { behaviour = fn; } };
}

interface LogLine { level: string; event: string; fields?: LogFields }
function captureLogger(lines: LogLine[]): Logger {
  const at = (level: string) => (event: string, fields?: LogFields) => { lines.push({ level, event, fields }); };
  const logger: Logger = { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error'), child: () => logger };
  return logger;
}

function setup(channel: IntakeChannel = CHANNEL) {
  const fake = fakeStore();
  const received: string[] = [];
  const logs: LogLine[] = [];
  const intake = new Intake({
    channel, store: fake.store, onReceived: (id) => received.push(id), logger: captureLogger(logs),
    now: () => new Date(Date.UTC(2024, 0, 15, 12, 0, 0)),
  });
  return { intake, fake, received, logs };
}

const SOURCE = { remote: '10.0.0.7:50000', connectionId: 'conn-1' };
const msaOf = (ack: string | null): string[] => {
  expect(ack).not.toBeNull();
  return (ack!.split('\r').find((s) => s.startsWith('MSA|')) ?? '').split('|');
};
const errOf = (ack: string): string => ack.split('\r').find((s) => s.startsWith('ERR|')) ?? '';

describe('Intake', () => {
  it('answers AA only after recordInbound resolves, with the committed record', async () => {
    const { intake, fake, received } = setup();
    let release!: () => void;
    const gate = new Promise<void>((r) => { release = r; });
    fake.setRecordInbound(async (recs) => {
      await gate;
      recs.forEach((r) => fake.records.push(r));
      return recs.map((_, i) => ({ id: String(41 + i), status: 'received' as const, duplicateOf: null }));
    });
    let settled = false;
    const pending = intake.handleFrame(frame(message()), SOURCE).then((ack) => { settled = true; return ack; });
    await new Promise((r) => setImmediate(r));
    expect(settled).toBe(false);
    expect(received).toEqual([]);
    release();
    const ack = await pending;
    expect(msaOf(ack).slice(0, 3)).toEqual(['MSA', 'AA', 'CTL-1']);
    expect(ack).not.toContain('ERR|');
    expect(received).toEqual(['41']);
    const rec = fake.records[0]!;
    expect(rec).toMatchObject({
      channel: 'pharmacy-inbound', status: 'received', sender: 'RXSYS|PHARM01', controlId: 'CTL-1', messageType: 'DFT^P03',
      version: '2.5.1', processingId: 'P', remote: SOURCE.remote, content: message(), duplicateWindowMs: 60_000,
    });
    expect(rec.patientKey).toBe(patientKeyOf(message(), peekMsh(message())));
    expect(rec.errorCode).toBeUndefined();
  });

  it('answers AR with ERR 207 when recordInbound rejects, and reports nothing as received', async () => {
    const { intake, fake, received, logs } = setup();
    fake.setRecordInbound(async () => { throw new Error('connection refused'); });
    const ack = await intake.handleFrame(frame(message()), SOURCE);
    expect(msaOf(ack).slice(0, 3)).toEqual(['MSA', 'AR', 'CTL-1']);
    expect(errOf(ack!).split('|')[3]).toMatch(/^207\^/);
    expect(received).toEqual([]);
    expect(logs.some((l) => l.level === 'warn')).toBe(true);
  });

  it('a rejected frame is stored as rejected and NAKed with its own condition (even when the store is down)', async () => {
    const { intake, fake, received } = setup();
    const ack = await intake.handleFrame(frame(message({ type: 'ORU^R01' })), SOURCE);
    expect(msaOf(ack).slice(0, 3)).toEqual(['MSA', 'AR', 'CTL-1']);
    expect(errOf(ack!)).toMatch(/^ERR\|\|MSH\^1\^9\|200\^/);
    expect(fake.records[0]).toMatchObject({ status: 'rejected', errorCode: 'UNSUPPORTED_MESSAGE_TYPE', patientKey: null, messageType: 'ORU^R01' });
    expect(received).toEqual([]);

    fake.setRecordInbound(async () => { throw new Error('down'); });
    const ack2 = await intake.handleFrame(frame(message({ version: '2.2', control: 'CTL-2' })), SOURCE);
    expect(msaOf(ack2)[1]).toBe('AR');
    expect(ack2).toContain('203');
    expect(ack2).not.toContain('207');
  });

  it('a frame without MSH gets AR (default header) and is stored as rejected', async () => {
    const { intake, fake } = setup();
    const ack = await intake.handleFrame(frame('GARBAGE DOE^JANE'), SOURCE);
    expect(msaOf(ack)[1]).toBe('AR');
    expect(fake.records[0]).toMatchObject({ status: 'rejected', errorCode: 'FRAME_NO_MSH', sender: '', controlId: '', content: 'GARBAGE DOE^JANE' });
    expect(ack).not.toContain('DOE');
  });

  it('onReceived is called for received only: not for rejected, not for duplicates (which still get AA)', async () => {
    const { intake, received, logs } = setup();
    expect(msaOf(await intake.handleFrame(frame(message()), SOURCE))[1]).toBe('AA');
    expect(msaOf(await intake.handleFrame(frame(message()), SOURCE))[1]).toBe('AA'); // duplicate
    expect(msaOf(await intake.handleFrame(frame(message({ processing: 'D', control: 'CTL-9' })), SOURCE))[1]).toBe('AR');
    expect(msaOf(await intake.handleFrame(frame(message({ control: 'CTL-2' })), SOURCE))[1]).toBe('AA');
    expect(received).toEqual(['1', '4']);
    expect(logs.map((l) => l.event)).toEqual(expect.arrayContaining(['duplicate message acknowledged', 'message rejected']));
  });

  it('logs carry codes and ids, never message content', async () => {
    const { intake, logs } = setup();
    await intake.handleFrame(frame(message({ type: 'ORU^R01' })), SOURCE);
    await intake.handleFrame(frame(message()), SOURCE);
    await intake.handleFrame(frame(message()), SOURCE);
    const text = JSON.stringify(logs);
    expect(text).not.toMatch(/DOE|JANE|MRN0012345|19800101/);
  });

  describe('enhanced mode follows MSH-15', () => {
    it.each<[string, 'ok' | 'reject' | 'store-down', string | null]>([
      ['AL', 'ok', 'CA'],
      ['AL', 'reject', 'CR'],
      ['AL', 'store-down', 'CE'],
      ['NE', 'ok', null],
      ['NE', 'reject', null],
      ['NE', 'store-down', null],
      ['ER', 'ok', null],
      ['ER', 'reject', 'CR'],
      ['ER', 'store-down', 'CE'],
      ['SU', 'ok', 'CA'],
      ['SU', 'reject', null],
    ])('MSH-15 %s, %s → %s', async (accept, outcome, expected) => {
      const { intake, fake, received } = setup();
      if (outcome === 'store-down') fake.setRecordInbound(async () => { throw new Error('down'); });
      const options: MshOptions = { accept, application: 'AL', ...(outcome === 'reject' ? { type: 'ORU^R01' } : {}) };
      const ack = await intake.handleFrame(frame(message(options)), SOURCE);
      if (expected === null) expect(ack).toBeNull();
      else expect(msaOf(ack).slice(0, 3)).toEqual(['MSA', expected, 'CTL-1']);
      // Whatever is answered, a message that passed the checks and was committed is processed.
      expect(received).toEqual(outcome === 'ok' ? ['1'] : []);
      if (outcome !== 'store-down') expect(fake.records).toHaveLength(1);
    });

    it('MSH-16 alone also selects enhanced mode (MSH-15 empty counts as AL)', async () => {
      const { intake } = setup();
      expect(msaOf(await intake.handleFrame(frame(message({ application: 'NE' })), SOURCE))[1]).toBe('CA');
    });
  });

  describe('handleOversize', () => {
    it('answers AR with FRAME_TOO_LARGE and stores a rejected record whose content is the head', async () => {
      const { intake, fake, received } = setup();
      const head = Buffer.from(message().slice(0, 120), 'utf8');
      const ack = await intake.handleOversize(head, 2_000_000, 1_048_576, SOURCE);
      expect(msaOf(ack).slice(0, 3)).toEqual(['MSA', 'AR', 'CTL-1']);
      expect(errOf(ack!).split('|')[3]).toMatch(/^207\^/);
      expect(ack).toContain('1048576');
      expect(fake.records).toHaveLength(1);
      expect(fake.records[0]).toMatchObject({
        status: 'rejected', errorCode: 'FRAME_TOO_LARGE', content: head.toString('utf8'), controlId: 'CTL-1', sender: 'RXSYS|PHARM01', patientKey: null,
      });
      expect(received).toEqual([]);
    });

    it('a head without a readable MSH is stored as it is and still gets AR', async () => {
      const { intake, fake } = setup();
      const head = Buffer.from('\x00\x01 not hl7 at all', 'latin1');
      const ack = await intake.handleOversize(head, 5_000_000, 1_000_000, SOURCE);
      expect(msaOf(ack)[1]).toBe('AR');
      // NUL cannot be stored as text: it is kept as U+FFFD.
      expect(fake.records[0]).toMatchObject({ status: 'rejected', errorCode: 'FRAME_TOO_LARGE', content: '\uFFFD\x01 not hl7 at all', controlId: '' });
    });

    it('still answers AR when the store is down', async () => {
      const { intake, fake } = setup();
      fake.setRecordInbound(async () => { throw new Error('down'); });
      const ack = await intake.handleOversize(Buffer.from(msh(), 'utf8'), 2_000_000, 1_000, SOURCE);
      expect(msaOf(ack).slice(0, 2)).toEqual(['MSA', 'AR']);
    });
  });

  it('works with the silent logger', async () => {
    const fake = fakeStore();
    const intake = new Intake({ channel: CHANNEL, store: fake.store, onReceived: () => undefined, logger: silentLogger });
    expect(msaOf(await intake.handleFrame(frame(message()), SOURCE))[1]).toBe('AA');
  });
});

describe('Intake answer policies (acks: immediate, standard, after-processing)', () => {
  const policyChannel = (mode: AckMode, senders: Record<string, AckMode> = {}): IntakeChannel => ({
    ...CHANNEL,
    ackPolicyFor: (sender) => ({ mode: senders[sender] ?? mode, timeoutMs: 200 }),
  });
  /** The CDC immunization profile's envelope: accept ACK only on error, application ACK always. */
  const immunizationStyle = () => message({ accept: 'ER', application: 'AL' });
  const mshOf = (ack: string) => ack.split('\r')[0]!.split('|');

  it('immediate answers an ER/AL message once, on the connection, with AA in original-mode form', async () => {
    const { intake } = setup(policyChannel('immediate'));
    const ack = await intake.handleFrame(frame(immunizationStyle()), SOURCE);
    expect(msaOf(ack).slice(0, 3)).toEqual(['MSA', 'AA', 'CTL-1']);
    expect(mshOf(ack!).slice(14, 16).filter(Boolean)).toEqual([]);
  });

  it('immediate answers a refused type with AR and its ERR whatever MSH-15 says', async () => {
    const { intake } = setup(policyChannel('immediate'));
    const ack = await intake.handleFrame(frame(message({ type: 'ORU^R01', accept: 'NE', application: 'NE' })), SOURCE);
    expect(msaOf(ack)[1]).toBe('AR');
    expect(errOf(ack!)).toMatch(/\|200\^/);
  });

  it('standard keeps the letter of enhanced mode: no accept ACK for ER on success; a per-sender override wins', async () => {
    const standard = setup(policyChannel('immediate', { 'RXSYS|PHARM01': 'standard' }));
    expect(await standard.intake.handleFrame(frame(immunizationStyle()), SOURCE)).toBeNull();
    const other = setup(policyChannel('immediate', { 'OTHER|SITE': 'standard' }));
    expect(msaOf(await other.intake.handleFrame(frame(immunizationStyle()), SOURCE))[1]).toBe('AA');
  });

  const afterProcessing = (outcome: () => Promise<MessageOutcome | undefined>) => {
    const fake = fakeStore();
    const intake = new Intake({
      channel: policyChannel('after-processing'), store: fake.store, onReceived: () => undefined, logger: silentLogger,
      awaitOutcome: outcomeWaiter(outcome, { firstPollMs: 5, maxPollMs: 20 }),
    });
    return intake;
  };

  it('after-processing answers AA once the message is processed', async () => {
    let polls = 0;
    const intake = afterProcessing(async () => (++polls < 3 ? undefined : { status: 'processed' }));
    const ack = await intake.handleFrame(frame(message()), SOURCE);
    expect(msaOf(ack)[1]).toBe('AA');
    expect(polls).toBe(3);
  });

  it('after-processing answers AE with the mapping error for a message that dead-letters', async () => {
    const intake = afterProcessing(async () => ({
      status: 'error', errorCode: 'MAPPING_FIELD_MISSING', errorText: 'charge amount: FT1-11 is empty',
    }));
    const ack = await intake.handleFrame(frame(immunizationStyle()), SOURCE);
    expect(msaOf(ack).slice(0, 4)).toEqual(['MSA', 'AE', 'CTL-1', 'charge amount: FT1-11 is empty']);
    expect(errOf(ack!)).toMatch(/^ERR\|\|\|101\^/);
  });

  it('after-processing falls back to the accept ACK when the pipeline is not done in time (AA, or CA in enhanced mode)', async () => {
    const intake = afterProcessing(async () => undefined);
    expect(msaOf(await intake.handleFrame(frame(message()), SOURCE))[1]).toBe('AA');
    expect(msaOf(await intake.handleFrame(frame(immunizationStyle()), SOURCE))[1]).toBe('CA');
  });
});
