/**
 * The `rxbridge` command as an operator runs it (the built bin/rxbridge.js): channels check, send, replay.
 */
import { execFile, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { startHarness, TOKEN, type Harness } from './engine-harness';
import { dftMessage, freePort, ROOT, tempProject } from './support';

function rxbridge(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [path.join(ROOT, 'bin/rxbridge.js'), ...args], {
    env: { ...process.env, ...env }, encoding: 'utf8', timeout: 30_000,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** Async variant: the engine under test runs in this process and must keep answering. */
function rxbridgeAsync(args: string[], env: Record<string, string> = {}): Promise<ReturnType<typeof rxbridge>> {
  return new Promise((resolve) => {
    execFile(process.execPath, [path.join(ROOT, 'bin/rxbridge.js'), ...args], { env: { ...process.env, ...env }, encoding: 'utf8', timeout: 30_000 },
      (err, stdout, stderr) => resolve({ code: err ? (typeof err.code === 'number' ? err.code : null) : 0, out: stdout, err: stderr }));
  });
}

describe('rxbridge CLI', () => {
  test('channels check passes on the shipped channels and mappings', () => {
    const r = rxbridge(['channels', 'check'], { CHANNELS_DIR: path.join(ROOT, 'channels'), MAPPINGS_DIR: path.join(ROOT, 'mappings') });
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toContain('ok  channel pharmacy-inbound');
    expect(r.out).toContain('ok  mapping dft-p03');
  });

  test('channels check names file:line:col and the reason for a bad channel, and exits 1', () => {
    const p = tempProject({ mllpPort: 2575 });
    const file = path.join(p.channelsDir, 'pharmacy-inbound.yaml');
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('  maxConnections:', '  maxConections:'));
    const r = rxbridge(['channels', 'check'], { CHANNELS_DIR: p.channelsDir, MAPPINGS_DIR: p.mappingsDir });
    p.cleanup();
    expect(r.code).toBe(1);
    expect(r.err).toMatch(new RegExp(`${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\d+:\\d+: unknown key "maxConections"`));
  });

  test('start exits 1 with the configuration errors when a channel is bad', () => {
    const p = tempProject({ mllpPort: 2575 });
    fs.writeFileSync(path.join(p.channelsDir, 'pharmacy-inbound.yaml'), 'name: Bad Name\n');
    const r = rxbridge(['start'], { CHANNELS_DIR: p.channelsDir, MAPPINGS_DIR: p.mappingsDir, DATA_DIR: p.dataDir });
    p.cleanup();
    expect(r.code).toBe(1);
    expect(r.err).toContain('configuration errors');
    expect(r.err).toMatch(/pharmacy-inbound\.yaml:1:\d+:/);
  });

  test('unknown command prints usage and exits 2', () => {
    const r = rxbridge(['frobnicate']);
    expect(r.code).toBe(2);
    expect(r.err).toContain('usage:');
  });

  test('send to a port nothing listens on fails at once, saying so', async () => {
    const port = await freePort();
    const started = Date.now();
    const r = rxbridge(['send', path.join(ROOT, 'samples/dft-p03.hl7'), '--port', String(port)]);
    expect(r.code).toBe(1);
    expect(r.err).toContain(`cannot connect to 127.0.0.1:${port} (ECONNREFUSED)`);
    expect(Date.now() - started).toBeLessThan(8000);
  });

  test('--version prints the version of package.json', () => {
    const r = rxbridge(['--version']);
    expect(r.code).toBe(0);
    expect(r.out.trim()).toBe(`rxbridge ${(JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string }).version}`);
  });

  test('channels check also loads billing.yaml, which stops the engine at start when it does not load', () => {
    const p = tempProject({ mllpPort: 2575 });
    const env = { CHANNELS_DIR: p.channelsDir, MAPPINGS_DIR: p.mappingsDir, DATA_DIR: p.dataDir, BILLING_CONFIG: path.join(p.root, 'billing.yaml') };
    fs.writeFileSync(env.BILLING_CONFIG, fs.readFileSync(path.join(ROOT, 'billing/billing.yaml'), 'utf8'));
    const good = rxbridge(['channels', 'check'], env);
    expect(good.code).toBe(0);
    expect(good.out).toMatch(/ok {2}billing .*billing\.yaml \(\d+ payers\)/);
    fs.writeFileSync(env.BILLING_CONFIG, fs.readFileSync(env.BILLING_CONFIG, 'utf8').replace('  SYNCOM01:\n', '  "SYN COM":\n    name: X\n    filingIndicator: CI\n  SYNCOM01:\n'));
    const bad = rxbridge(['channels', 'check'], env);
    p.cleanup();
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/billing\.yaml:\d+:3: key "SYN COM" must be a payer id: 2 to 80 letters, digits or dashes/);
  });

  describe('against a running engine', () => {
    let h: Harness;
    beforeAll(async () => { h = await startHarness({ store: 'postgres' }); });
    afterAll(async () => { await h.close(); });

    test('send prints each ACK; replay queues a replay through the API', async () => {
      const file = path.join(h.project.root, 'two.hl7');
      fs.writeFileSync(file, [
        dftMessage({ controlId: 'CLI-1', patientId: 'CP1', lines: [{ txn: 'CLI-1-1', code: '90471', amount: '5' }] }),
        dftMessage({ controlId: 'CLI-2', patientId: 'CP2', lines: [{ txn: 'CLI-2-1', code: '90471', amount: '5' }] }),
      ].join('\n').replace(/\r/g, '\n'));
      const sent = await rxbridgeAsync(['send', file, '--port', String(h.mllpPort)]);
      expect(sent.code).toBe(0);
      expect(sent.out).toContain('MSA|AA|CLI-1');
      expect(sent.out).toContain('MSA|AA|CLI-2');
      const row = await h.engine.store.db.selectFrom('messages').select('id').where('control_id', '=', 'CLI-1').executeTakeFirstOrThrow();
      await h.waitForStatus(String(row.id), ['processed']);
      const port = String(h.engine.httpAddress()!.port);
      const replayed = await rxbridgeAsync(['replay', String(row.id), '--url', `http://127.0.0.1:${port}`], { RXBRIDGE_ADMIN_TOKEN: TOKEN });
      expect(replayed.out).toContain(`${row.id}: replay 1 queued`);
      expect(replayed.code).toBe(0);
      const missing = await rxbridgeAsync(['replay', '999999', '--url', `http://127.0.0.1:${port}`], { RXBRIDGE_ADMIN_TOKEN: TOKEN });
      expect(missing.code).toBe(1);
      expect(missing.out).toContain('404');
    });

    test('send sends a one-message file whose later fields hold "MSH" as one message, and it is acknowledged', async () => {
      const file = path.join(h.project.root, 'msh-in-fields.hl7');
      const text = dftMessage({ controlId: 'CLI-MSH', patientId: 'CPM', lines: [{ txn: 'CLI-MSH-1', code: '90471', amount: '5' }] })
        .split('\r').map((seg) => (seg.startsWith('PID|') ? `${seg}|||||||||||||MSH` : seg)).join('\r');
      expect(text.match(/MSH\|/g)!.length).toBeGreaterThan(1); // node-hl7-client would count two MSH segments here
      fs.writeFileSync(file, text.replace(/\r/g, '\n'));
      const sent = await rxbridgeAsync(['send', file, '--port', String(h.mllpPort)]);
      expect(sent.err).toBe('');
      expect(sent.out.trim().split('\n')).toEqual([`${file}: MSA|AA|CLI-MSH`]);
      expect(sent.code).toBe(0);
      // The whole message went (not its MSH alone): it is processed into its charge.
      const row = await h.engine.store.db.selectFrom('messages').select('id').where('control_id', '=', 'CLI-MSH').executeTakeFirstOrThrow();
      await h.waitForStatus(String(row.id), ['processed']);
      const charges = await h.engine.store.db.selectFrom('charges').select('code').where('message_id', '=', row.id).execute();
      expect(charges.map((c) => c.code)).toEqual(['90471']);
    });
  });
});
