/**
 * MLLP over TLS with client certificates (mutual TLS), configured in the channel file: a client without a
 * certificate signed by the channel's CA is refused; with one, messages flow and are ACKed after commit.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { frame, MllpDecoder } from '../../src/mllp/decoder';
import { makeCerts } from './certs';
import { segment, startHarness, type Harness } from './engine-harness';
import { dftMessage, ROOT } from './support';

function tlsSend(port: number, dir: string, who: 'client' | 'stranger' | null, message: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({
      host: '127.0.0.1', port, ca: fs.readFileSync(path.join(dir, 'ca.crt')),
      ...(who ? { cert: fs.readFileSync(path.join(dir, `${who}.crt`)), key: fs.readFileSync(path.join(dir, `${who}.key`)) } : {}),
    }, () => socket.write(frame(message)));
    const decoder = new MllpDecoder({ maxFrameBytes: 1 << 20 });
    socket.on('data', (chunk) => {
      for (const ev of decoder.push(chunk)) if (ev.kind === 'frame') { resolve(ev.payload.toString('latin1')); socket.end(); }
    });
    socket.on('error', reject);
    socket.on('close', () => reject(new Error('closed without an ACK')));
    socket.setTimeout(5000, () => socket.destroy(new Error('timeout')));
  });
}

describe('MLLP over mutual TLS', () => {
  const certDir = fs.mkdtempSync(path.join(os.tmpdir(), 'rxb-tls-'));
  let h: Harness;
  beforeAll(async () => {
    makeCerts(certDir);
    const channel = fs.readFileSync(path.join(ROOT, 'channels/pharmacy-inbound.yaml'), 'utf8').replace('  charset: UTF-8', [
      '  charset: UTF-8',
      '  tls:',
      `    cert: ${path.join(certDir, 'server.crt')}`,
      `    key: ${path.join(certDir, 'server.key')}`,
      `    ca: ${path.join(certDir, 'ca.crt')}`,
      '    requestClientCert: true',
    ].join('\n'));
    expect(channel).toContain('requestClientCert: true');
    h = await startHarness({ store: 'postgres', channelYaml: channel });
  });
  afterAll(async () => {
    await h.close();
    fs.rmSync(certDir, { recursive: true, force: true });
  });

  test('a client with a certificate from the channel CA gets its AA', async () => {
    const ack = await tlsSend(h.mllpPort, certDir, 'client', dftMessage({ controlId: 'TLS-1', patientId: 'PT1', lines: [{ txn: 'TLS-1-1', code: '90471', amount: '5' }] }));
    expect(segment(ack, 'MSA').slice(0, 3)).toEqual(['MSA', 'AA', 'TLS-1']);
  });

  test('a client without a certificate, or with one from another CA, is refused and nothing is stored', async () => {
    await expect(tlsSend(h.mllpPort, certDir, null, dftMessage({ controlId: 'TLS-2', patientId: 'PT2', lines: [{ txn: 'X', code: '90471', amount: '5' }] }))).rejects.toThrow();
    await expect(tlsSend(h.mllpPort, certDir, 'stranger', dftMessage({ controlId: 'TLS-3', patientId: 'PT3', lines: [{ txn: 'Y', code: '90471', amount: '5' }] }))).rejects.toThrow();
    const rows = await h.engine.store.db.selectFrom('messages').select('control_id').where('control_id', 'in', ['TLS-2', 'TLS-3']).execute();
    expect(rows).toEqual([]);
  });

  test('plain TCP on the TLS port gets no ACK', async () => {
    const net = await import('node:net');
    const answer = await new Promise<string>((resolve) => {
      const s = net.connect(h.mllpPort, '127.0.0.1', () => s.write(frame('MSH|^~\\&|A|B|C|D|20260101||DFT^P03|PLAIN-1|P|2.5.1')));
      let got = '';
      s.on('data', (c) => { got += c.toString('latin1'); });
      s.on('close', () => resolve(got));
      s.on('error', () => resolve(got));
      s.setTimeout(3000, () => s.destroy());
    });
    expect(answer).not.toContain('MSA|');
  });
});
