/**
 * Channel sources beyond MLLP, each in a whole engine on Postgres (engine-harness):
 * - file: an HL7 batch file in a local folder is taken in through the channel's intake (received, rejected for an
 *   unaccepted type), a BTS-1 count that differs is a warning on the file row, each message has a source-file event
 *   naming the file and line, the file is archived, a file without a message goes to the error folder, and the
 *   channel status shows the source's counters;
 * - sftp: the same from Debian's sshd on a loopback port (host key pinned; a wrong pin takes nothing);
 * - http (and https with the channel's certificate): AA after the commit, AR for an unaccepted type, 400 for a body without HL7, 413 over the limit, 415 for
 *   another content type, 401 without the token.
 */
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { makeCerts } from './certs';
import { startHarness, type Harness } from './engine-harness';
import { startSftpServer, SSHD_MISSING, type SftpServer } from './sftp-server';
import { adtMessage, dftMessage, freePort, waitFor } from './support';

jest.setTimeout(120_000);

function channelYaml(source: string, extra = ''): string {
  return [
    'name: pharmacy-inbound',
    'source:',
    ...source
      .trim()
      .split('\n')
      .map((l) => `  ${l}`),
    'accept: [DFT^P03, ADT^A04]',
    'duplicates: { windowHours: 0 }',
    'routes:',
    '  - { types: [DFT^P03], mapping: dft-p03 }',
    '  - { types: [ADT^A04], mapping: adt }',
    extra,
  ].join('\n');
}

const dft = (i: number) => dftMessage({ controlId: `F-${i}`, patientId: `FP${i}`, lines: [{ txn: `F-${i}-L1`, code: '90471', amount: '25' }] });
const oru = (id: string) => `MSH|^~\\&|RXSYS|PHARM|RXB|RXB|20250301120000||ORU^R01|${id}|P|2.5.1\rPID|||X1\r`;

function batchFile(messages: string[], declared = messages.length): string {
  const body = messages.map((m) => m.replace(/\r$/, '').split('\r').join('\n')).join('\n');
  return `FHS|^~\\&|RXSYS|PHARM\nBHS|^~\\&|RXSYS|PHARM\n${body}\nBTS|${declared}\nFTS|1\n`;
}

async function rows(h: Harness, q: ReturnType<typeof sql>) {
  return (await q.execute(h.engine.store.db)).rows as any[];
}

describe('file source', () => {
  let h: Harness;
  let dir: string;
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rxb-files-'));
    for (const d of ['in', 'archive', 'error']) fs.mkdirSync(path.join(dir, d));
    h = await startHarness({
      store: 'postgres',
      channelYaml: channelYaml(
        `type: file\ndir: ${dir}/in\narchiveDir: ${dir}/archive\nerrorDir: ${dir}/error\npattern: "*.hl7"\npollIntervalMs: 200\nminAgeMs: 0`,
      ),
     env: { RXBRIDGE_METRICS_TOKEN: 'scrape-token-0123456789abcdef' },
    });
  });
  afterAll(async () => {
    await h?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('a batch file: every message stored once through intake, warnings kept, events with file and line, archived', async () => {
    const messages = [dft(1), dft(2), oru('F-ORU'), dft(3)];
    fs.writeFileSync(path.join(dir, 'in', 'night.hl7'), batchFile(messages, 7));
    fs.writeFileSync(path.join(dir, 'in', 'ignored.txt'), batchFile([dft(9)]));
    await waitFor(() => fs.existsSync(path.join(dir, 'archive', 'night.hl7')), 20_000, 'the file to be archived');
    expect(fs.existsSync(path.join(dir, 'in', 'night.hl7'))).toBe(false);
    expect(fs.existsSync(path.join(dir, 'in', 'ignored.txt'))).toBe(true); // not matching the pattern

    const stored = await rows(h, sql`select id, control_id, status, remote, error_code from messages order by id`);
    expect(stored.map((r) => [r.control_id, r.status === 'rejected' ? 'rejected' : 'in'])).toEqual([
      ['F-1', 'in'],
      ['F-2', 'in'],
      ['F-ORU', 'rejected'],
      ['F-3', 'in'],
    ]);
    expect(stored[2].error_code).toBe('UNSUPPORTED_MESSAGE_TYPE');
    expect(stored[0].remote).toMatch(/^file:f\d+\/night\.hl7#1$/);
    const files = await rows(h, sql`select status, total, committed, warnings from source_files`);
    expect(files).toEqual([{ status: 'archived', total: 4, committed: 4, warnings: expect.stringContaining('BTS-1') }]);
    const events = await rows(h, sql`select message_id, detail from message_events where code = 'source-file' order by message_id`);
    expect(events.map((e) => e.detail)).toEqual([
      expect.stringMatching(/night\.hl7 .*message 1 of 4, line 3$/),
      expect.stringMatching(/message 2 of 4, line \d+$/),
      expect.stringMatching(/message 3 of 4, line \d+$/),
      expect.stringMatching(/message 4 of 4, line \d+$/),
    ]);
    // The pipeline takes them on like any MLLP message.
    for (const r of stored.filter((s) => s.status !== 'rejected')) await h.waitForStatus(String(r.id), ['processed']);
  });

  test('a file without a single HL7 message goes to the error folder; the channel status shows the source', async () => {
    fs.writeFileSync(path.join(dir, 'in', 'junk.hl7'), '\n\n   \n');
    await waitFor(() => fs.existsSync(path.join(dir, 'error', 'junk.hl7')), 20_000, 'the junk file in the error folder');
    const status = await h.api('GET', '/api/channels');
    const ch = (status.json.channels ?? status.json).find((c: any) => c.name === 'pharmacy-inbound');
    expect(ch).toMatchObject({ state: 'listening', sourceType: 'file', host: `${dir}/in` });
    expect(ch.sourceStatus).toMatchObject({ type: 'file', filesTaken: 1, messagesStored: 4 });
    const metrics = await fetch(`http://127.0.0.1:${h.engine.httpAddress()!.port}/metrics`, {
      headers: { authorization: 'Bearer scrape-token-0123456789abcdef' },
    });
    const text = await metrics.text();
    expect(text).toContain('rxbridge_source_messages_total{channel="pharmacy-inbound",source="file"} 4');
    expect(text).toContain('rxbridge_source_units_total{channel="pharmacy-inbound",source="file"} 1');
    expect(text).toContain('rxbridge_intake_messages_total{channel="pharmacy-inbound",outcome="rejected"} 1');
  });

  test('a message file dropped again under another name is a new file (no duplicate window here): stored again', async () => {
    fs.writeFileSync(path.join(dir, 'in', 'single.hl7'), adtMessage('F-ADT', 'FP1'));
    await waitFor(() => fs.existsSync(path.join(dir, 'archive', 'single.hl7')), 20_000, 'single.hl7 archived');
    const n = await rows(h, sql`select count(*)::int as n from messages where control_id = 'F-ADT'`);
    expect(n[0].n).toBe(1);
  });
});

(SSHD_MISSING ? describe.skip : describe)('sftp source', () => {
  let h: Harness;
  let server: SftpServer;
  beforeAll(async () => {
    server = await startSftpServer();
    const yaml = (fingerprint: string, name: string) =>
      channelYaml(
        [
          'type: sftp',
          `host: ${server.host}`,
          `port: ${server.port}`,
          'username: root',
          `hostKeyFingerprint: "${fingerprint}"`,
          `auth: { privateKeyFile: ${server.clientKeyFile} }`,
          `dir: ${server.root}/outbound`,
          `archiveDir: ${server.root}/archive`,
          `errorDir: ${server.root}/error`,
          'pollIntervalMs: 300',
          'minAgeMs: 0',
        ].join('\n'),
      ).replace('name: pharmacy-inbound', `name: ${name}`);
    h = await startHarness({ store: 'postgres', channelYaml: yaml(server.fingerprint, 'pharmacy-inbound') });
    // A second channel pinning another host key: it must take nothing.
    const wrong = `SHA256:${'A'.repeat(43)}`;
    fs.writeFileSync(path.join(h.project.channelsDir, 'wrong-key.yaml'), yaml(wrong, 'wrong-key').replace(`${server.root}/outbound`, `${server.root}/inbound`));
    const reload = await h.api('POST', '/api/channels/reload');
    expect(reload.status).toBe(200);
  });
  afterAll(async () => {
    await h?.close();
    await server?.stop();
  });

  test('a batch file on the SFTP server is stored and moved to the archive folder; a wrong host key takes nothing', async () => {
    fs.writeFileSync(path.join(server.root, 'outbound', 'batch1.hl7'), batchFile([dft(11), dft(12), dft(13)]));
    fs.writeFileSync(path.join(server.root, 'inbound', 'other.hl7'), batchFile([dft(21)]));
    await waitFor(() => fs.existsSync(path.join(server.root, 'archive', 'batch1.hl7')), 30_000, 'batch1 archived');
    const stored = await rows(h, sql`select control_id, channel, remote from messages order by id`);
    expect(stored.map((r) => r.control_id)).toEqual(['F-11', 'F-12', 'F-13']);
    expect(stored[0].remote).toMatch(/^sftp:f\d+\/batch1\.hl7#1$/);
    // The wrong pin: the file stays, the status carries the refusal.
    await waitFor(
      async () => {
        const res = await h.api('GET', '/api/channels');
        const ch = (res.json.channels ?? res.json).find((c: any) => c.name === 'wrong-key');
        return /host key/.test(ch?.sourceStatus?.lastError ?? '');
      },
      20_000,
      'the wrong-key channel to report the host key',
    );
    expect(fs.existsSync(path.join(server.root, 'inbound', 'other.hl7'))).toBe(true);
  });
});

describe('http source', () => {
  let h: Harness;
  let port: number;
  const post = (body: string | Buffer, type = 'x-application/hl7-v2+er7', token: string | null = 'http-token-1') =>
    fetch(`http://127.0.0.1:${port}/hl7`, {
      method: 'POST',
      headers: { 'content-type': type, ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body,
    });
  beforeAll(async () => {
    port = await freePort();
    h = await startHarness({
      store: 'postgres',
      channelYaml: channelYaml(`type: http\nhost: 127.0.0.1\nport: ${port}\npath: /hl7\nmaxBodyBytes: 4096\nauth: { tokenEnv: RXB_TEST_HTTP_TOKEN }`),
    });
    process.env.RXB_TEST_HTTP_TOKEN = 'http-token-1';
  });
  afterAll(async () => {
    await h?.close();
    delete process.env.RXB_TEST_HTTP_TOKEN;
  });

  test('AA only once the message is committed; the body is the ACK MLLP would send', async () => {
    const res = await post(dft(31));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('x-application/hl7-v2+er7');
    const ack = await res.text();
    expect(ack).toMatch(/^MSH\|/);
    expect(ack).toContain('MSA|AA|F-31');
    // Committed before the answer: the row is there the moment the ACK is read.
    const n = await rows(h, sql`select status from messages where control_id = 'F-31'`);
    expect(n).toEqual([{ status: expect.stringMatching(/received|processing|processed/) }]);
  });

  test('AR with ERR for a type the channel does not accept (stored as rejected)', async () => {
    const res = await post(oru('H-ORU'), 'application/hl7-v2');
    expect(res.status).toBe(200);
    const ack = await res.text();
    expect(ack).toContain('MSA|AR|H-ORU');
    expect(ack).toMatch(/\rERR\|/);
    const n = await rows(h, sql`select status, error_code from messages where control_id = 'H-ORU'`);
    expect(n).toEqual([{ status: 'rejected', error_code: 'UNSUPPORTED_MESSAGE_TYPE' }]);
  });

  test('a batch body: one ACK per message, in order', async () => {
    const res = await post(batchFile([dft(41), dft(42)]), 'text/plain');
    const acks = (await res.text()).split('\r').filter((s) => s.startsWith('MSA'));
    expect(acks).toEqual([expect.stringContaining('MSA|AA|F-41'), expect.stringContaining('MSA|AA|F-42')]);
  });

  test('400 for a body without HL7, 413 over the limit, 415 for another type, 401 without the token, 405 for GET', async () => {
    const garbage = await post('hello, this is not HL7');
    expect(garbage.status).toBe(400);
    expect(await garbage.text()).toContain('no HL7 v2 message');
    expect((await post('MSH|' + 'x'.repeat(10_000))).status).toBe(413);
    // Without a declared length (chunked): cut off once past the limit.
    const chunked = await new Promise<number>((resolve, reject) => {
      const req = http.request(
        { host: '127.0.0.1', port, path: '/hl7', method: 'POST', headers: { 'content-type': 'text/plain', authorization: 'Bearer http-token-1' } },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      req.write('MSH|' + 'y'.repeat(3000));
      req.write('z'.repeat(3000));
      req.end();
    });
    expect(chunked).toBe(413);
    expect((await post(dft(51), 'application/json')).status).toBe(415);
    expect((await post(dft(52), undefined, null)).status).toBe(401);
    expect((await fetch(`http://127.0.0.1:${port}/hl7`)).status).toBe(405);
    const n = await rows(h, sql`select count(*)::int as n from messages where control_id in ('F-51', 'F-52')`);
    expect(n[0].n).toBe(0);
  });
});

describe('http source over TLS', () => {
  let h: Harness;
  let port: number;
  let certDir: string;
  beforeAll(async () => {
    certDir = fs.mkdtempSync(path.join(os.tmpdir(), 'rxb-http-tls-'));
    makeCerts(certDir);
    port = await freePort();
    h = await startHarness({
      store: 'postgres',
      channelYaml: channelYaml(`type: http\nhost: 127.0.0.1\nport: ${port}\ntls: { cert: ${certDir}/server.crt, key: ${certDir}/server.key }`),
    });
  });
  afterAll(async () => {
    await h?.close();
    fs.rmSync(certDir, { recursive: true, force: true });
  });

  test('HTTPS with the channel certificate: AA after the commit', async () => {
    const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = https.request(
        { host: '127.0.0.1', port, path: '/', method: 'POST', ca: fs.readFileSync(path.join(certDir, 'ca.crt')), headers: { 'content-type': 'application/hl7-v2' }, agent: false },
        (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => (body += c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        },
      );
      req.on('error', reject);
      req.end(dft(61));
    });
    expect(answer.status).toBe(200);
    expect(answer.body).toContain('MSA|AA|F-61');
    expect(await rows(h, sql`select count(*)::int as n from messages where control_id = 'F-61'`)).toEqual([{ n: 1 }]);
  });
});
