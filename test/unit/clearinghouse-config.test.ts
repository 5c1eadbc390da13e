/**
 * The clearinghouse section of billing.yaml (src/clearinghouse/config.ts): each error names its key and why; the
 * remote file name patterns (837P batches and 270s); what an answer file is by its content (src/clearinghouse/answers.ts).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseBillingConfigText } from '../../src/billing/config';
import { readTa1s, recognizeAnswer } from '../../src/clearinghouse/answers';
import { remoteFileName } from '../../src/clearinghouse/config';
import { evaluateAlerts } from '../../src/alerts/evaluate';

const FILE = path.join(__dirname, '../../billing/billing.yaml');
const SAMPLE = fs.readFileSync(FILE, 'utf8');
const FP = 'SHA256:XwNvt5nglfxqBlnEOxXXPsENrNgXiCh6+jN5zvXIj0Y';

const withSection = (ch: string, extra = '') =>
  `${SAMPLE}\nclearinghouses:\n  synch:\n${ch.split('\n').map((l) => `    ${l}`).join('\n')}\n${extra}`;
const BASE = [
  'transport: sftp', 'host: sftp.example.com', 'username: SUB1', `hostKeyFingerprint: "${FP}"`, 'auth:', '  privateKeyFile: keys/ch',
  'outboundDir: /in', 'inboundDir: /out', 'archiveDir: /archive',
].join('\n');
const parse = (text: string) => parseBillingConfigText(text, FILE, {}, os.tmpdir());
const problems = (text: string): string => {
  try {
    parse(text);
    return '';
  } catch (err) {
    return (err as Error).message;
  }
};

describe('clearinghouses in billing.yaml', () => {
  it('reads a clearinghouse, resolves the key file against the billing folder and gives payers the default', () => {
    const c = parse(withSection(BASE, 'defaultClearinghouse: synch\n'));
    expect(c.clearinghouses.get('synch')).toMatchObject({
      host: 'sftp.example.com', port: 22, privateKey: { file: path.join(path.dirname(FILE), 'keys/ch') }, pollIntervalMs: 300_000,
      requestTa1: false, fileNamePattern: '{submitterId}_{batchId}_{yyyyMMddHHmmss}.837',
      eligibilityFileNamePattern: '{submitterId}_270_{fileId}_{yyyyMMddHHmmss}.270',
    });
    expect(c.payers.get('SYNCOM01')!.clearinghouse).toBe('synch');
    expect(parse(SAMPLE).clearinghouses.size).toBe(0);
    expect(parse(SAMPLE).payers.get('SYNCOM01')!.clearinghouse).toBeUndefined();
  });

  it('says which key is wrong and why', () => {
    expect(problems(withSection(BASE.replace(FP, 'MD5:aa:bb')))).toMatch(/hostKeyFingerprint must be SHA256:<43 characters>/);
    expect(problems(withSection(BASE.replace('  privateKeyFile: keys/ch', '  privateKeyFile: a\n  privateKeyEnv: B')))).toMatch(/privateKeyFile or privateKeyEnv, not both/);
    expect(problems(withSection(BASE.replace('  privateKeyFile: keys/ch', '  passphraseEnv: P')))).toMatch(/auth needs privateKeyFile/);
    expect(problems(withSection(BASE.replace('outboundDir: /in', 'outboundDir: in')))).toMatch(/must be an absolute folder on the server/);
    expect(problems(withSection(`${BASE}\nfileNamePattern: "{submitterId}_{when}.837"`))).toMatch(/fileNamePattern has \{when\}/);
    expect(problems(withSection(`${BASE}\nfileNamePattern: "{submitterId}.837"`))).toMatch(/must hold \{batchId\} or \{isa13\}/);
    expect(problems(withSection(`${BASE}\neligibilityFileNamePattern: "{submitterId}_{batchId}.270"`))).toMatch(/eligibilityFileNamePattern has \{batchId\}: the parts are .*\{fileId\}/);
    expect(problems(withSection(`${BASE}\neligibilityFileNamePattern: "{submitterId}.270"`))).toMatch(/eligibilityFileNamePattern must hold \{fileId\} or \{isa13\}/);
    expect(problems(withSection(BASE, 'defaultClearinghouse: other\n'))).toMatch(/defaultClearinghouse names clearinghouse "other", which is not in clearinghouses/);
    expect(problems(withSection(BASE.replace("transport: sftp", "transport: ftp")))).toMatch(/transport must be sftp/);
  });

  it('fills the file name pattern in UTC', () => {
    const at = new Date('2026-02-01T09:05:07Z');
    expect(remoteFileName('{submitterId}_{batchId}_{yyyyMMddHHmmss}.837', { submitterId: 'SUB 1', batchId: '42', payerId: 'P', isa13: 7, at }))
      .toBe('SUB_1_42_20260201090507.837');
    expect(remoteFileName('{payerId}-{isa13}-{yyyyMMdd}T{HHmmss}.x12', { submitterId: 'S', batchId: '1', payerId: 'SYNCOM01', isa13: 7, at }))
      .toBe('SYNCOM01-000000007-20260201T090507.x12');
    expect(remoteFileName('{submitterId}_270_{fileId}_{yyyyMMddHHmmss}.270', { submitterId: 'SUB1', fileId: '9', payerId: 'P', isa13: 7, at }))
      .toBe('SUB1_270_9_20260201090507.270');
  });
});

describe('answer files by content', () => {
  const isa = 'ISA*00*          *00*          *ZZ*RECEIVERID     *ZZ*SUBMITTERID    *260201*1200*^*00501*000000778*0*T*:~';
  it('knows a TA1 and reads it', () => {
    const r = recognizeAnswer(`${isa}TA1*000000042*260201*1200*R*024~IEA*0*000000778~`);
    expect(r.kind).toBe('TA1');
    if (r.kind === 'unreadable') throw new Error('unreadable');
    expect(readTa1s(r.interchanges)).toEqual([{ interchangeControl: 42, ackCode: 'R', noteCode: '024', meaning: 'Invalid interchange content (e.g., invalid GS segment)' }]);
  });

  it('says why a file is not an answer', () => {
    expect(recognizeAnswer('hello')).toEqual({ kind: 'unreadable', reason: expect.stringContaining('does not start with an ISA') });
    const gs = (st: string, v: string) => `${isa}GS*HC*R*S*20260201*1200*1*X*${v}~ST*${st}*0001*${v}~SE*2*0001~GE*1*1~IEA*1*000000778~`;
    expect(recognizeAnswer(gs('837', '005010X222A1'))).toEqual({ kind: 'unreadable', reason: expect.stringContaining('transaction set 837') });
    expect(recognizeAnswer(gs('271', '005010X279A1')).kind).toBe('271');
    expect(recognizeAnswer(gs('277', '005010X214')).kind).toBe('277CA');
  });
});

describe('the clearinghouse-transfers alert', () => {
  const rules = { timeZone: 'UTC', clearinghouseFailuresAbove: 0 };
  const reading = (n?: number) => ({ open: 0, deadLetters: 0, lastReceivedAt: null, ...(n === undefined ? {} : { clearinghouseFailures: n }) });
  const at = (active: Map<string, never> | ReturnType<typeof evaluateAlerts>['active'], n?: number) =>
    evaluateAlerts({ now: new Date('2026-02-01T12:00:00Z'), startedAt: new Date('2026-02-01T11:00:00Z'),
      channels: [{ name: 'pharmacy-inbound', rules, reading: reading(n) }], active });

  it('is raised by a failing upload, held without a reading, and cleared when none fails', () => {
    expect(at(new Map(), 0).raised).toEqual([]);
    const raised = at(new Map(), 1);
    expect(raised.raised).toEqual([expect.objectContaining({
      id: 'pharmacy-inbound:clearinghouse-transfers', value: 1, threshold: 0,
      message: '1 upload to the clearinghouse failing (limit: more than 0); see the batches and eligibility pages',
    })]);
    expect(at(raised.active).cleared).toEqual([]);
    expect(at(raised.active, 0).cleared).toEqual([expect.objectContaining({ kind: 'clearinghouse-transfers' })]);
  });
});
