/**
 * The file connector on a real temporary folder: one file a message written atomically and never twice, names from
 * the pattern, and HL7 batch files (FHS/BHS … BTS/FTS with counts, closed by size and age, a second attempt found in
 * the batch, a crash in the middle of an append or of a close recovered).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { silentLogger } from '../../src/core/logger';
import { connectorFactory } from '../../src/destinations/connectors';
import { fileConnector, STALE_TEMP_MS } from '../../src/destinations/file';
import { checkFileNamePattern, fileName, namePattern, nameValues } from '../../src/destinations/file-name';
import type { Connector, OutboundPayload } from '../../src/destinations/ports';

const msg = (id: string, extra = '') =>
  `MSH|^~\\&|RXBRIDGE|PHARM1|IIS|STATE|20250301120000||VXU^V04^VXU_V04|${id}|P|2.5.1\rPID|1||TESTPAT0001^^^PHARM1^MR||DOE^JANE${extra}\r`;
const payload = (n: number, over: Partial<OutboundPayload> = {}): OutboundPayload => ({
  format: 'hl7v2',
  body: msg(`CTL-${n}`),
  contentType: 'application/hl7-v2',
  controlId: `CTL-${n}`,
  deliveryKey: `${n}:out`,
  messageId: String(n),
  channel: 'pharmacy-inbound',
  destination: 'out',
  ...over,
});

let dir: string;
const open: Connector[] = [];
const connect = (o: Record<string, unknown> = {}) => {
  const c = fileConnector.create(fileConnector.options.parse({ folder: 'out', ...o }), { logger: silentLogger, baseDir: dir });
  open.push(c);
  return c;
};
const send = (c: Connector, p: OutboundPayload) => c.send(p, new AbortController().signal);
const files = () => fs.readdirSync(path.join(dir, 'out')).sort();
const visible = () => files().filter((n) => !n.startsWith('.'));
const read = (name: string) => fs.readFileSync(path.join(dir, 'out', name), 'utf8');

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rxb-file-'));
  fs.mkdirSync(path.join(dir, 'out'));
});
afterEach(async () => {
  for (const c of open.splice(0)) await c.close();
  jest.restoreAllMocks();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('file connector: one file a message', () => {
  it('is listed as file; writes the payload under its pattern name and leaves no temporary file', async () => {
    expect(connectorFactory('file')).toBe(fileConnector);
    const c = connect({ fileName: '{channel}-{messageId}-{controlId}.hl7' });
    expect(await send(c, payload(7))).toEqual({ kind: 'delivered', detail: 'written as pharmacy-inbound-7-CTL-7.hl7' });
    expect(files()).toEqual(['pharmacy-inbound-7-CTL-7.hl7']);
    expect(read('pharmacy-inbound-7-CTL-7.hl7')).toBe(msg('CTL-7'));
  });

  it('a name appears only once its whole content is written and synced (linked from a complete temporary file)', async () => {
    const body = msg('CTL-1', 'X'.repeat(2_000_000));
    const realLink = fs.linkSync;
    const link = jest.spyOn(fs, 'linkSync');
    const fsync = jest.spyOn(fs, 'fsyncSync');
    link.mockImplementation(((from: fs.PathLike, to: fs.PathLike) => {
      expect(fs.existsSync(to)).toBe(false);
      expect(path.basename(String(from)).startsWith('.')).toBe(true);
      expect(fs.readFileSync(from, 'utf8')).toBe(body);
      expect(fsync).toHaveBeenCalled();
      return realLink(from, to);
    }) as typeof fs.linkSync);
    expect((await send(connect(), payload(1, { body }))).kind).toBe('delivered');
    expect(link).toHaveBeenCalledTimes(1);
    expect(read('1_out.hl7')).toBe(body);
  });

  it('a second attempt of a delivery writes no second file and never overwrites (also with a timestamp in the name)', async () => {
    const c = connect();
    await send(c, payload(3));
    expect(await send(c, payload(3, { body: msg('CHANGED') }))).toEqual({ kind: 'delivered', detail: 'already written as 3_out.hl7' });
    expect(files()).toEqual(['3_out.hl7']);
    expect(read('3_out.hl7')).toBe(msg('CTL-3'));

    const timed = connect({ fileName: '{timestamp}_{deliveryKey}.hl7' });
    const first = await send(timed, payload(4));
    await new Promise((r) => setTimeout(r, 5));
    const again = await send(timed, payload(4));
    const written = visible().filter((n) => n.endsWith('_4_out.hl7'));
    expect(written).toHaveLength(1);
    expect(first).toEqual({ kind: 'delivered', detail: `written as ${written[0]}` });
    expect(again).toEqual({ kind: 'delivered', detail: `already written as ${written[0]}` });
  });

  it('temporary files a crash left are removed at the first write once they are an hour old, younger ones stay', async () => {
    const old = path.join(dir, 'out', '.9_out.hl7.4242.0123abcd.tmp');
    const young = path.join(dir, 'out', '.8_out.hl7.4242.89abcdef.tmp');
    fs.writeFileSync(old, 'half');
    fs.writeFileSync(young, 'half');
    const hourAgo = (Date.now() - STALE_TEMP_MS - 60_000) / 1000;
    fs.utimesSync(old, hourAgo, hourAgo);
    await send(connect(), payload(1));
    expect(files()).toEqual(['.8_out.hl7.4242.89abcdef.tmp', '1_out.hl7']);
  });

  it('a missing folder is retried with its path and code, and is not created', async () => {
    const c = connect({ folder: 'nowhere' });
    expect(await send(c, payload(1))).toEqual({ kind: 'retry', error: `writing into ${path.join(dir, 'nowhere')} failed (ENOENT)` });
    expect(fs.existsSync(path.join(dir, 'nowhere'))).toBe(false);
  });

  it('options: name patterns without a message id, with unknown tokens or a path are refused', () => {
    const ok = (o: object) => fileConnector.options.safeParse({ folder: 'out', ...o }).success;
    expect(ok({})).toBe(true);
    expect(ok({ fileName: '{timestamp}.hl7' })).toBe(false);
    expect(ok({ fileName: '{patient}_{messageId}.hl7' })).toBe(false);
    expect(ok({ fileName: '../{messageId}.hl7' })).toBe(false);
    expect(ok({ fileName: '.{messageId}' })).toBe(false);
    expect(ok({ batch: { fileName: '{destination}.hl7' } })).toBe(false);
    expect(ok({ folder: 'out', extra: 1 })).toBe(false);
    expect(checkFileNamePattern('{messageId}.hl7', 'message')).toBeUndefined();
  });

  it('names: values become safe file name characters; the matcher finds a name of any time', () => {
    const v = nameValues(payload(5, { channel: 'a/b c', deliveryKey: '5:out' }), new Date('2025-03-01T12:34:56.789Z'));
    expect(fileName('{channel}_{deliveryKey}_{timestamp}_{date}', v)).toBe('a_b_c_5_out_20250301123456789_20250301');
    expect(namePattern('{timestamp}_{messageId}.hl7', v).test('20260101000000000_5.hl7')).toBe(true);
    expect(namePattern('{timestamp}_{messageId}.hl7', v).test('20260101000000000_51.hl7')).toBe(false);
  });
});

describe('file connector: HL7 batch files', () => {
  const closedBatches = () => visible();
  const segments = (text: string) => text.split('\r').filter(Boolean);

  it('closes a batch at maxMessages with FHS/BHS … BTS/FTS and the counts; the next message opens a hidden batch', async () => {
    const c = connect({ batch: { maxMessages: 2, fileName: '{destination}_{timestamp}.batch' } });
    expect(await send(c, payload(1))).toMatchObject({ kind: 'delivered', detail: expect.stringMatching(/^message 1 of the batch out_\d{17}\.batch$/) });
    expect(closedBatches()).toEqual([]);
    await send(c, payload(2));
    const [batch] = closedBatches();
    expect(batch).toMatch(/^out_\d{17}\.batch$/);
    const segs = segments(read(batch as string));
    expect(segs.map((s) => s.slice(0, 3))).toEqual(['FHS', 'BHS', 'MSH', 'PID', 'MSH', 'PID', 'BTS', 'FTS']);
    expect(segs[0]).toMatch(/^FHS\|\^~\\&\|RXBRIDGE\|PHARM1\|IIS\|STATE\|\d{14}\+0000\|\|out_\d{17}\.batch\|\|\w+$/);
    expect(segs[6]).toBe('BTS|2');
    expect(segs[7]).toBe('FTS|1');
    await send(c, payload(3));
    expect(closedBatches()).toHaveLength(1);
    expect(files().some((n) => n.endsWith('.open'))).toBe(true);
  });

  it('a second attempt finds the message in the open batch or in a closed one and appends nothing', async () => {
    const c = connect({ batch: { maxMessages: 2 } });
    await send(c, payload(1));
    expect(await send(c, payload(1))).toMatchObject({ detail: expect.stringMatching(/^already in the open batch /) });
    await send(c, payload(2));
    expect(await send(c, payload(1))).toMatchObject({ kind: 'delivered', detail: expect.stringMatching(/^already in the batch out_/) });
    expect(segments(read(closedBatches()[0] as string)).filter((s) => s.startsWith('MSH'))).toHaveLength(2);
    // After a restart too (the closed batch's keys are kept beside it).
    await c.close();
    const again = connect({ batch: { maxMessages: 2 } });
    expect(await send(again, payload(2))).toMatchObject({ detail: expect.stringMatching(/^already in the batch out_/) });
  });

  it('closes a batch by age (its timer), with the count it has', async () => {
    const c = connect({ batch: { maxAgeSeconds: 1 } });
    await send(c, payload(1));
    expect(closedBatches()).toEqual([]);
    await new Promise((r) => setTimeout(r, 1600));
    const [batch] = closedBatches();
    expect(segments(read(batch as string)).slice(-2)).toEqual(['BTS|1', 'FTS|1']);
    expect(files().filter((n) => n.endsWith('.open'))).toEqual([]);
  });

  it('a batch left open by an earlier run is closed by age after a restart, though no message comes', async () => {
    const c = connect({ batch: { maxAgeSeconds: 1 } });
    await send(c, payload(1));
    await c.close();
    expect(closedBatches()).toEqual([]);
    connect({ batch: { maxAgeSeconds: 1 } });
    await new Promise((r) => setTimeout(r, 1600));
    expect(closedBatches()).toHaveLength(1);
  });

  it('two destinations of one process on one batch folder: the second is retried until the first is closed', async () => {
    const first = connect({ batch: {} });
    await send(first, payload(1));
    const second = connect({ batch: {} });
    expect(await send(second, payload(2))).toMatchObject({ kind: 'retry', error: expect.stringContaining('is written by another destination') });
    await first.close();
    expect(await send(second, payload(2))).toMatchObject({ kind: 'delivered', detail: expect.stringMatching(/^message 2 of /) });
  });

  it.each([
    ['half of the message written', (m: string) => m.slice(0, 20)],
    ['the whole message written but not its ledger line', (m: string) => m],
  ])('a crash in the middle of an append (%s): the restart cuts it off, the retry adds it once, the counts stay true', async (_what, written) => {
    const c = connect({ batch: { maxMessages: 3 } });
    await send(c, payload(1));
    await send(c, payload(2));
    const openName = files().find((n) => n.endsWith('.open')) as string;
    // What a crash leaves: message 3's bytes (all or some) in the open batch, no ledger entry for it.
    fs.appendFileSync(path.join(dir, 'out', openName), written(msg('CTL-3')));
    await c.close();
    const restarted = connect({ batch: { maxMessages: 3 } });
    expect(await send(restarted, payload(3))).toMatchObject({ kind: 'delivered', detail: expect.stringMatching(/^message 3 of /) });
    const text = read(closedBatches()[0] as string);
    expect(text).toBe(text.slice(0, text.indexOf('MSH')) + msg('CTL-1') + msg('CTL-2') + msg('CTL-3') + 'BTS|3\rFTS|1\r');
  });

  it('a write that fails after the message (disk full at the ledger) cuts the batch back; the retry adds the message once', async () => {
    const c = connect({ batch: { maxMessages: 2 } });
    await send(c, payload(1));
    const realWrite = fs.writeSync;
    const write = jest.spyOn(fs, 'writeSync').mockImplementation(((fd: number, data: string) => {
      if (String(data).startsWith('2:out\t')) throw Object.assign(new Error('no space'), { code: 'ENOSPC' });
      return realWrite(fd, data);
    }) as typeof fs.writeSync);
    expect(await send(c, payload(2))).toEqual({ kind: 'retry', error: `writing into ${path.join(dir, 'out')} failed (ENOSPC)` });
    write.mockRestore();
    expect(await send(c, payload(2))).toMatchObject({ detail: expect.stringMatching(/^message 2 of /) });
    const text = read(closedBatches()[0] as string);
    expect(text.slice(text.indexOf('MSH'))).toBe(msg('CTL-1') + msg('CTL-2') + 'BTS|2\rFTS|1\r');
  });

  it('a ledger line cut by a crash is not an entry', async () => {
    const c = connect({ batch: { maxMessages: 3 } });
    await send(c, payload(1));
    const openName = files().find((n) => n.endsWith('.open')) as string;
    fs.appendFileSync(path.join(dir, 'out', openName), msg('CTL-2'));
    fs.appendFileSync(path.join(dir, 'out', openName.replace(/\.open$/, '.keys')), '2:out\t');
    await c.close();
    const restarted = connect({ batch: { maxMessages: 2 } });
    expect(await send(restarted, payload(2))).toMatchObject({ detail: expect.stringMatching(/^message 2 of /) });
    expect(read(closedBatches()[0] as string).match(/MSH/g)).toHaveLength(2);
  });

  it('a crash after a closed batch was put in place: the restart finishes the close and keeps its keys', async () => {
    const c = connect({ batch: { maxMessages: 2 } });
    await send(c, payload(1));
    const openName = files().find((n) => n.endsWith('.open')) as string;
    const keysName = openName.replace(/\.open$/, '.keys');
    const openCopy = read(openName) + msg('CTL-2');
    await send(c, payload(2));
    const closedKeys = `.${openName.slice(1, -'.open'.length)}.closed-keys`;
    // Put back what a crash between the link and the removal of the open file leaves.
    fs.writeFileSync(path.join(dir, 'out', openName), openCopy);
    fs.renameSync(path.join(dir, 'out', closedKeys), path.join(dir, 'out', keysName));
    await c.close();
    const restarted = connect({ batch: { maxMessages: 2 } });
    expect(await send(restarted, payload(2))).toMatchObject({ detail: expect.stringMatching(/^already in the batch /) });
    expect(files().filter((n) => n.endsWith('.open'))).toEqual([]);
    expect(closedBatches()).toHaveLength(1);
  });

  it('a folder whose batch lock another live process holds is retried; other delimiters and JSON are rejected', async () => {
    fs.writeFileSync(path.join(dir, 'out', '.rxbridge-batch.lock'), '1');
    expect(await send(connect({ batch: {} }), payload(1))).toEqual({
      kind: 'retry',
      error: `the batch folder ${path.join(dir, 'out')} is written by process 1`,
    });
    fs.rmSync(path.join(dir, 'out', '.rxbridge-batch.lock'));
    const c = connect({ batch: {} });
    await send(c, payload(1));
    expect(await send(c, payload(2, { body: msg('CTL-2').replace('MSH|^~\\&', 'MSH|^~\\&#') }))).toMatchObject({ kind: 'rejected' });
    expect(await send(c, payload(3, { format: 'json', body: '{}' }))).toMatchObject({ kind: 'rejected' });
  });
});
