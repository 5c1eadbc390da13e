/**
 * The sftp connector against a real OpenSSH SFTP server of the test's own (test/integration/sftp-server.ts): the file
 * arrives whole under its name (uploaded under a hidden name, then renamed), a second attempt uploads nothing and
 * overwrites nothing, one connection serves many deliveries, a server that goes away is retried and reconnected to,
 * a wrong host key and a missing folder are retried with their reason.
 * Skipped (with the reason printed) when /usr/sbin/sshd is missing.
 */
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { silentLogger } from '../../src/core/logger';
import { connectorFactory } from '../../src/destinations/connectors';
import type { Connector, OutboundPayload } from '../../src/destinations/ports';
import { sftpConnector, STALE_PART_MS } from '../../src/destinations/sftp';
import { startSftpServer, SSHD_MISSING, type SftpServer } from './sftp-server';

const describeSftp = SSHD_MISSING ? describe.skip : describe;
if (SSHD_MISSING) console.log(SSHD_MISSING);

const msg = (id: string) => `MSH|^~\\&|RXBRIDGE|PHARM1|LAB|LAB1|20250301120000||ORM^O01|${id}|P|2.5.1\rPID|1||TESTPAT0001^^^PHARM1^MR\r`;
const payload = (n: number, over: Partial<OutboundPayload> = {}): OutboundPayload => ({
  format: 'hl7v2',
  body: msg(`CTL-${n}`),
  contentType: 'application/hl7-v2',
  controlId: `CTL-${n}`,
  deliveryKey: `${n}:lab-drop`,
  messageId: String(n),
  channel: 'pharmacy-inbound',
  destination: 'lab-drop',
  ...over,
});

describeSftp('sftp connector against OpenSSH', () => {
  let server: SftpServer;
  const connectors: Connector[] = [];
  const outbound = () => path.join(server.root, 'outbound');
  const connect = (over: Record<string, unknown> = {}) => {
    const o = sftpConnector.options.parse({
      host: server.host,
      port: server.port,
      username: 'root',
      hostKeyFingerprint: server.fingerprint,
      auth: { privateKeyFile: path.basename(server.clientKeyFile) },
      folder: outbound(),
      connectTimeoutSeconds: 5,
      timeoutSeconds: 10,
      ...over,
    });
    const c = sftpConnector.create(o, { logger: silentLogger, baseDir: server.dir });
    connectors.push(c);
    return c;
  };
  const send = (c: Connector, p: OutboundPayload) => c.send(p, new AbortController().signal);
  const logins = () => (server.log().match(/Accepted publickey/g) ?? []).length;

  beforeAll(async () => {
    server = await startSftpServer();
  });
  afterAll(async () => {
    for (const c of connectors) await c.close();
    await server.stop();
  });
  beforeEach(() => {
    for (const n of fs.readdirSync(outbound())) fs.rmSync(path.join(outbound(), n));
  });

  it('is listed as sftp; uploads the payload whole under its name, leaves no temporary file, and reuses one connection', async () => {
    expect(connectorFactory('sftp')).toBe(sftpConnector);
    const before = logins();
    const c = connect();
    for (const n of [1, 2, 3]) expect(await send(c, payload(n))).toEqual({ kind: 'delivered', detail: `uploaded as ${n}_lab-drop.hl7` });
    expect(fs.readdirSync(outbound()).sort()).toEqual(['1_lab-drop.hl7', '2_lab-drop.hl7', '3_lab-drop.hl7']);
    expect(fs.readFileSync(path.join(outbound(), '2_lab-drop.hl7'), 'utf8')).toBe(msg('CTL-2'));
    expect(logins() - before).toBe(1);
  });

  it('a second attempt uploads nothing and never overwrites; with a timestamp in the name the first file is found', async () => {
    const c = connect();
    await send(c, payload(5));
    expect(await send(c, payload(5, { body: msg('CHANGED') }))).toEqual({ kind: 'delivered', detail: 'already uploaded as 5_lab-drop.hl7' });
    expect(fs.readFileSync(path.join(outbound(), '5_lab-drop.hl7'), 'utf8')).toBe(msg('CTL-5'));

    const timed = connect({ fileName: '{date}_{timestamp}_{messageId}.hl7' });
    const first = await send(timed, payload(6));
    const again = await send(timed, payload(6));
    const names = fs.readdirSync(outbound()).filter((n) => n.endsWith('_6.hl7'));
    expect(names).toHaveLength(1);
    expect(first).toEqual({ kind: 'delivered', detail: `uploaded as ${names[0]}` });
    expect(again).toEqual({ kind: 'delivered', detail: `already uploaded as ${names[0]}` });
  });

  it('removes temporary uploads a dropped connection left once they are an hour old; younger ones stay', async () => {
    const old = path.join(outbound(), '.9_lab-drop.hl7.0123abcd.part');
    const young = path.join(outbound(), '.8_lab-drop.hl7.89abcdef.part');
    fs.writeFileSync(old, 'half');
    fs.writeFileSync(young, 'half');
    const past = (Date.now() - STALE_PART_MS - 60_000) / 1000;
    fs.utimesSync(old, past, past);
    await send(connect(), payload(11));
    expect(fs.readdirSync(outbound()).sort()).toEqual(['.8_lab-drop.hl7.89abcdef.part', '11_lab-drop.hl7']);
  });

  it('a server that goes away is retried; once it is back the connector connects again and delivers', async () => {
    const c = connect();
    expect((await send(c, payload(7))).kind).toBe('delivered');
    await server.kill();
    const down = await send(c, payload(8));
    expect(down.kind).toBe('retry');
    await server.start();
    const before = logins();
    expect(await send(c, payload(8))).toEqual({ kind: 'delivered', detail: 'uploaded as 8_lab-drop.hl7' });
    expect(logins() - before).toBe(1);
    expect(fs.readFileSync(path.join(outbound(), '8_lab-drop.hl7'), 'utf8')).toBe(msg('CTL-8'));
  });

  it('another host key is refused before logging in; a missing folder and a missing key file are retried with their reason', async () => {
    const otherKey = 'SHA256:' + 'A'.repeat(43);
    const before = logins();
    expect(await send(connect({ hostKeyFingerprint: otherKey }), payload(9))).toEqual({
      kind: 'retry',
      error: `${server.host}:${server.port} showed host key ${server.fingerprint}, not the pinned ${otherKey}; refused`,
    });
    expect(logins()).toBe(before);
    const noFolder = await send(connect({ folder: `${server.root}/missing` }), payload(9));
    expect(noFolder).toMatchObject({ kind: 'retry', error: expect.stringContaining(`${server.root}/missing`) });
    expect(await send(connect({ auth: { privateKeyFile: 'nope' } }), payload(9))).toEqual({
      kind: 'retry',
      error: `the private key file ${path.join(server.dir, 'nope')} cannot be read (ENOENT)`,
    });
    expect(fs.readdirSync(outbound())).toEqual([]);
  });

  it('a server that accepts but never speaks SSH: retried after connectTimeoutSeconds, or at once when the delivery is stopped', async () => {
    const sockets: net.Socket[] = [];
    const silent = net.createServer((s) => sockets.push(s));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as net.AddressInfo).port;
    try {
      const started = Date.now();
      const timedOut = await send(connect({ host: '127.0.0.1', port, connectTimeoutSeconds: 1 }), payload(10));
      expect(timedOut).toMatchObject({ kind: 'retry', error: expect.stringContaining(`connecting to 127.0.0.1:${port} as root failed`) });
      expect(Date.now() - started).toBeGreaterThanOrEqual(900);
      const ctl = new AbortController();
      const pending = connect({ host: '127.0.0.1', port, connectTimeoutSeconds: 60 }).send(payload(10), ctl.signal);
      setTimeout(() => ctl.abort(), 100);
      const t0 = Date.now();
      expect(await pending).toEqual({ kind: 'retry', error: 'the delivery was stopped (shutdown or timeout)' });
      expect(Date.now() - t0).toBeLessThan(5000);
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  it('options: a relative folder, an MD5 fingerprint and auth without a key or password are refused', () => {
    const base = { host: 'sftp.example.org', username: 'u', hostKeyFingerprint: 'SHA256:' + 'A'.repeat(43), auth: { passwordEnv: 'P' }, folder: '/in' };
    const ok = (o: object) => sftpConnector.options.safeParse({ ...base, ...o }).success;
    expect(ok({})).toBe(true);
    expect(ok({ folder: 'in' })).toBe(false);
    expect(ok({ hostKeyFingerprint: 'MD5:aa:bb' })).toBe(false);
    expect(ok({ auth: {} })).toBe(false);
  });
});
