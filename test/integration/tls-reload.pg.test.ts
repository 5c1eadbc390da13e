/**
 * Certificate reload without restart, for an MLLP TLS channel and the HTTPS admin API sharing one pair of files:
 * after the files are replaced, SIGHUP (through serveUntilStopped, the `rxbridge start` loop) installs the new
 * certificate for new connections while a connection already open keeps its own and keeps working; a broken
 * pair (a key from another certificate) is refused with a warning and the certificate in force stays; and the
 * file watch picks up a renewal made by renaming new files into place, with no signal at all.
 */
import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type tls from 'node:tls';
import { serveUntilStopped } from '../../src/cli/main';
import { frame, MllpDecoder } from '../../src/mllp/decoder';
import { httpsGet, identity, makeCerts, makeServerCert, servedSerial, tlsConnect } from './certs';
import { segment, startHarness, type Harness } from './engine-harness';
import { dftMessage, ROOT, waitFor } from './support';

jest.setTimeout(60_000);

/** Watch interval of this engine: the watch reacts within about two intervals (one poll, one settle). */
const WATCH_MS = 500;

/** Sends one MLLP frame on an open TLS socket and resolves with the ACK. */
function sendOn(socket: tls.TLSSocket, message: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const decoder = new MllpDecoder({ maxFrameBytes: 1 << 20 });
    const onData = (chunk: Buffer) => {
      for (const ev of decoder.push(chunk)) {
        if (ev.kind === 'frame') {
          socket.off('data', onData);
          resolve(ev.payload.toString('latin1'));
        }
      }
    };
    socket.on('data', onData);
    socket.once('error', reject);
    socket.write(frame(message));
  });
}

describe('TLS certificate reload', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rxb-reload-'));
  const live = { cert: path.join(dir, 'live', 'tls.crt'), key: path.join(dir, 'live', 'tls.key') };
  let h: Harness;
  let adminPort: number;
  const signals = new EventEmitter();
  const id = () => identity(dir);
  const serials = async () => ({ mllp: await servedSerial(h.mllpPort, id()), admin: (await httpsGet(adminPort, '/api/health', id())).serial });
  const logLines = () => h.logs().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
  const count = (message: string) => logLines().filter((l) => l.message === message).length;
  /** Writes `name`.crt/.key over the live files in place (cert first, as a careless renewal would). */
  const writeInPlace = (certOf: string, keyOf: string) => {
    fs.writeFileSync(live.cert, fs.readFileSync(path.join(dir, `${certOf}.crt`)));
    fs.writeFileSync(live.key, fs.readFileSync(path.join(dir, `${keyOf}.key`)), { mode: 0o600 }); // a private key is private
  };
  /** Lets the file watch finish reacting to the last write, so steps do not overlap. */
  const watchSettled = async (before: number) => {
    await waitFor(() => count('tls files changed: reloading') > before, 10 * WATCH_MS, 'the file watch to react');
  };

  beforeAll(async () => {
    makeCerts(dir); // server.crt: serial 1001
    makeServerCert(dir, 'second', '1002');
    makeServerCert(dir, 'third', '1003');
    makeServerCert(dir, 'fourth', '1004');
    fs.mkdirSync(path.dirname(live.cert));
    writeInPlace('server', 'server');
    const channel = fs.readFileSync(path.join(ROOT, 'channels/pharmacy-inbound.yaml'), 'utf8')
      .replace('  charset: UTF-8', `  charset: UTF-8\n  tls:\n    cert: ${live.cert}\n    key: ${live.key}`);
    h = await startHarness({
      store: 'postgres', channelYaml: channel,
      config: { https: { ...live, requireClientCert: false }, tlsWatchIntervalMs: WATCH_MS },
    });
    adminPort = h.engine.httpAddress()!.port;
    void serveUntilStopped(h.engine, signals); // only SIGHUP is ever emitted: the harness stops the engine
  });
  afterAll(async () => {
    await h?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  let open: tls.TLSSocket;

  test('both servers start with certificate 1001', async () => {
    expect(await serials()).toEqual({ mllp: '1001', admin: '1001' });
    open = await tlsConnect(h.mllpPort, id());
    expect(open.getPeerCertificate().serialNumber).toBe('1001');
  });

  test('SIGHUP after the files are replaced: new connections get 1002; the open connection keeps 1001 and keeps working', async () => {
    const watched = count('tls files changed: reloading');
    writeInPlace('second', 'second');
    signals.emit('SIGHUP');
    // Checked at once: the file watch cannot have acted yet (it waits one poll and one settle interval).
    expect(await serials()).toEqual({ mllp: '1002', admin: '1002' });
    const reloaded = logLines().filter((l) => l.message === 'tls certificate reloaded');
    expect(reloaded).toEqual(expect.arrayContaining([
      expect.objectContaining({ server: 'mllp:pharmacy-inbound', serial: '1002' }),
      expect.objectContaining({ server: 'admin', serial: '1002' }),
    ]));

    const ack = await sendOn(open, dftMessage({ controlId: 'RELOAD-1', patientId: 'RLD1', lines: [{ txn: 'RLD-1', code: '90471', amount: '5' }] }));
    expect(segment(ack, 'MSA').slice(0, 3)).toEqual(['MSA', 'AA', 'RELOAD-1']);
    expect(open.getPeerCertificate().serialNumber).toBe('1001');
    await watchSettled(watched);
    expect(await serials()).toEqual({ mllp: '1002', admin: '1002' });
  });

  test('a broken pair (a key from another certificate) is refused with a warning; 1002 stays in force', async () => {
    const watched = count('tls files changed: reloading');
    const warned = count('tls certificate reload failed; the certificate in force stays');
    writeInPlace('third', 'second');
    const results = h.engine.reloadCertificates();
    expect(results).toEqual([
      { target: 'mllp:pharmacy-inbound', ok: false, reason: `the private key in ${live.key} does not belong to the certificate in ${live.cert}` },
      { target: 'admin', ok: false, reason: `the private key in ${live.key} does not belong to the certificate in ${live.cert}` },
    ]);
    signals.emit('SIGHUP');
    expect(await serials()).toEqual({ mllp: '1002', admin: '1002' });
    // The watch tries the same files, warns again, and changes nothing either.
    await watchSettled(watched);
    expect(count('tls certificate reload failed; the certificate in force stays')).toBeGreaterThanOrEqual(warned + 6);
    expect(await serials()).toEqual({ mllp: '1002', admin: '1002' });
    const warning = logLines().find((l) => l.message === 'tls certificate reload failed; the certificate in force stays');
    expect(warning).toMatchObject({ level: 'warn', server: expect.any(String), reason: expect.stringContaining('does not belong') });

    // A file that disappeared is refused the same way.
    fs.rmSync(live.key);
    expect(h.engine.reloadCertificates().map((r) => r.ok)).toEqual([false, false]);
    expect(await serials()).toEqual({ mllp: '1002', admin: '1002' });
  });

  test('the file watch installs a renewal renamed into place, without a signal', async () => {
    for (const [ext, file] of [['key', live.key], ['crt', live.cert]] as const) {
      const tmp = `${file}.new`;
      fs.copyFileSync(path.join(dir, `fourth.${ext}`), tmp);
      fs.renameSync(tmp, file);
    }
    await waitFor(async () => (await serials()).mllp === '1004', 10 * WATCH_MS, 'the watch to install certificate 1004');
    expect(await serials()).toEqual({ mllp: '1004', admin: '1004' });
    const ack = await sendOn(open, dftMessage({ controlId: 'RELOAD-2', patientId: 'RLD2', lines: [{ txn: 'RLD-2', code: '90471', amount: '5' }] }));
    expect(segment(ack, 'MSA')[1]).toBe('AA');
    open.destroy();
  });
});
