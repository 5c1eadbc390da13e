/**
 * `rxbridge doctor` as an operator runs it (the built bin/rxbridge.js), against real services: a migrated
 * Postgres database, the test Redis, real ports and openssl-made certificates. One line per check, exit 0 when
 * nothing FAILs (warnings allowed), exit 1 otherwise; ports held by a running rxbridge are fine, by anything else
 * they are not.
 */
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { openStore } from '../../src/store/db';
import { startHarness, type Harness } from './engine-harness';
import { createTestDatabase, freePort, REDIS_URL, ROOT, tempProject, type ProjectDirs } from './support';

const BIN = path.join(ROOT, 'bin/rxbridge.js');

function doctor(env: Record<string, string>) {
  const r = spawnSync(process.execPath, [BIN, 'doctor'], { env: { ...cleanEnv(), ...env }, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** Async: for a doctor that asks the engine running in this process. */
function doctorAsync(env: Record<string, string>): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, 'doctor'], { env: { ...cleanEnv(), ...env }, encoding: 'utf8', timeout: 60_000 },
      (err, stdout) => resolve({ code: err ? (typeof err.code === 'number' ? err.code : null) : 0, out: stdout }));
  });
}

/** The environment without the engine's own variables (a developer's shell may set some). */
function cleanEnv(): Record<string, string> {
  return Object.fromEntries(Object.entries(process.env).filter(([k, v]) => v !== undefined
    && !/^(RXBRIDGE_|DATABASE_URL|REDIS_URL|HTTP_|DATA_DIR|CHANNELS_DIR|MAPPINGS_DIR|MLLP_)/.test(k))) as Record<string, string>;
}

/** The line of one check: `ok    name: detail`. */
function line(out: string, check: string): string {
  return out.split('\n').find((l) => l.slice(6).startsWith(`${check}:`)) ?? `(no line for ${check})\n${out}`;
}

/** A self-signed certificate for 127.0.0.1 valid for `days`, as cert and key files in `dir`. */
function selfSigned(dir: string, name: string, days: number): { cert: string; key: string } {
  const cert = path.join(dir, `${name}.crt`);
  const key = path.join(dir, `${name}.key`);
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', String(days), '-subj', `/CN=${name}`],
    { stdio: 'ignore' });
  return { cert, key };
}

function withTls(channelYaml: string, tls: { cert: string; key: string }): string {
  const withBlock = channelYaml.replace('  charset: UTF-8\n', `  charset: UTF-8\n  tls:\n    cert: ${tls.cert}\n    key: ${tls.key}\n`);
  if (withBlock === channelYaml) throw new Error('the sample channel no longer has the line this test edits');
  return withBlock;
}

describe('rxbridge doctor', () => {
  const sample = fs.readFileSync(path.join(ROOT, 'channels/pharmacy-inbound.yaml'), 'utf8');
  let db: { url: string; drop(): Promise<void> };
  let certs: string;
  let project: ProjectDirs;
  let env: Record<string, string>;

  beforeAll(async () => {
    db = await createTestDatabase();
    const store = await openStore({ databaseUrl: db.url, poolSize: 2 }); // migrated, as after a first start
    await store.close();
    certs = fs.mkdtempSync(path.join(os.tmpdir(), 'rxb-doctor-certs-'));
    const soon = selfSigned(certs, 'soon', 10);
    project = tempProject({ mllpPort: await freePort(), channelYaml: withTls(sample, soon) });
    env = {
      CHANNELS_DIR: project.channelsDir, MAPPINGS_DIR: project.mappingsDir, DATA_DIR: project.dataDir,
      DATABASE_URL: db.url, REDIS_URL, HTTP_PORT: String(await freePort()),
      RXBRIDGE_ENCRYPTION_KEY: crypto.randomBytes(32).toString('base64'),
    };
  });
  afterAll(async () => {
    project.cleanup();
    fs.rmSync(certs, { recursive: true, force: true });
    await db.drop();
  });

  test('passes on a sound set-up, with a warning for a certificate that expires within 30 days', () => {
    const r = doctor(env);
    expect(r.err).toBe('');
    expect(line(r.out, 'node')).toMatch(/^ok {4}node: v\d+\.\d+\.\d+ \(needs 20\.11 or later\)$/);
    expect(line(r.out, 'config')).toMatch(/^ok {4}config: 1 channel\(s\) \(pharmacy-inbound\)/);
    expect(line(r.out, 'store')).toMatch(/^ok {4}store: Postgres at postgres:\/\/.* answers$/);
    expect(line(r.out, 'migrations')).toBe('ok    migrations: current');
    expect(line(r.out, 'encryption key')).toMatch(/^ok {4}encryption key: key \S+ from RXBRIDGE_ENCRYPTION_KEY; it opens what the store holds$/);
    expect(line(r.out, 'redis')).toMatch(/^ok {4}redis: redis:\/\/127\.0\.0\.1:6379\/?: version \d+\.\d+\.\d+, maxmemory-policy noeviction$/);
    expect(line(r.out, 'mllp port (pharmacy-inbound)')).toMatch(/is free$/);
    expect(line(r.out, 'http port')).toMatch(/^ok {4}http port: 127\.0\.0\.1:\d+ is free$/);
    expect(line(r.out, 'tls (pharmacy-inbound)')).toMatch(/^warn {2}tls \(pharmacy-inbound\): .*soon\.crt valid until \d{4}-\d\d-\d\d: expires in (9|10) day\(s\)/);
    expect(line(r.out, 'disk')).toMatch(/^(ok|warn) {2,4}disk: [\d.]+ GiB free/);
    expect(r.out.trim().split('\n').pop()).toMatch(/^all checks passed, \d+ warning\(s\)$/);
    expect(r.code).toBe(0);
  });

  test('FAILs, exit 1, for a port another program holds, a key that is not the certificate\'s, and Redis away', async () => {
    const good = selfSigned(certs, 'good', 400);
    const other = selfSigned(certs, 'other', 400);
    const mllpPort = await freePort();
    const broken = tempProject({ mllpPort, channelYaml: withTls(sample, { cert: good.cert, key: other.key }) });
    const squatter = net.createServer();
    await new Promise<void>((resolve) => squatter.listen(mllpPort, '127.0.0.1', resolve));
    try {
      const r = doctor({ ...env, CHANNELS_DIR: broken.channelsDir, REDIS_URL: `redis://127.0.0.1:${await freePort()}` });
      expect(line(r.out, 'mllp port (pharmacy-inbound)')).toMatch(new RegExp(`^FAIL  mllp port \\(pharmacy-inbound\\): 127\\.0\\.0\\.1:${mllpPort} is in use by another program`));
      expect(line(r.out, 'tls (pharmacy-inbound)')).toMatch(/^FAIL  tls \(pharmacy-inbound\): .*other\.key is not the key of .*good\.crt$/);
      expect(line(r.out, 'redis')).toMatch(/^FAIL  redis: redis:\/\/127\.0\.0\.1:\d+\/? \(REDIS_URL\) does not answer \(ECONNREFUSED\)$/);
      expect(line(r.out, 'store')).toMatch(/^ok /);
      expect(r.out.trim().split('\n').pop()).toMatch(/^3 check\(s\) FAILED/);
      expect(r.code).toBe(1);
    } finally {
      squatter.close();
      broken.cleanup();
    }
  });

  test('checks that each application ACK destination accepts connections (a warning when it does not)', async () => {
    const listening = net.createServer();
    await new Promise<void>((resolve) => listening.listen(0, '127.0.0.1', resolve));
    const openPort = (listening.address() as net.AddressInfo).port;
    const closedPort = await freePort();
    const check = async (port: number) => {
      const p = tempProject({ mllpPort: await freePort(), channelYaml: `${sample}\napplicationAcks:\n  host: 127.0.0.1\n  port: ${port}\n` });
      try {
        return doctor({ ...env, CHANNELS_DIR: p.channelsDir });
      } finally {
        p.cleanup();
      }
    };
    try {
      expect(line((await check(openPort)).out, 'application acks (pharmacy-inbound)')).toBe(`ok    application acks (pharmacy-inbound): 127.0.0.1:${openPort} accepts connections`);
      const down = await check(closedPort);
      expect(line(down.out, 'application acks (pharmacy-inbound)')).toMatch(new RegExp(`^warn  application acks \\(pharmacy-inbound\\): 127\\.0\\.0\\.1:${closedPort} does not accept connections \\(ECONNREFUSED\\)`));
      expect(down.code).toBe(0);
    } finally {
      listening.close();
    }
  });

  test('checks that each clearinghouse\'s key file can be read and its password variable is set, showing no secret', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rxb-doctor-ch-'));
    const fp = 'SHA256:XwNvt5nglfxqBlnEOxXXPsENrNgXiCh6+jN5zvXIj0Y';
    const ch = (name: string, auth: string) => [`  ${name}:`, '    transport: sftp', '    host: sftp.example.com', '    username: SUB1',
      `    hostKeyFingerprint: "${fp}"`, '    auth:', `      ${auth}`, '    outboundDir: /in', '    inboundDir: /out', '    archiveDir: /archive'].join('\n');
    fs.writeFileSync(path.join(dir, 'present_key'), 'not checked for form, only read');
    const billing = path.join(dir, 'billing.yaml');
    fs.writeFileSync(billing, `${fs.readFileSync(path.join(ROOT, 'billing/billing.yaml'), 'utf8')}\nclearinghouses:\n`
      + `${ch('alpha', 'privateKeyFile: present_key')}\n${ch('beta', 'privateKeyFile: missing_key')}\n${ch('gamma', 'passwordEnv: GAMMA_PASSWORD')}\n`);
    try {
      const r = doctor({ ...env, BILLING_CONFIG: billing, GAMMA_PASSWORD: 'sekret-value' });
      const lines = r.out.split('\n').filter((l) => l.slice(6).startsWith('clearinghouse:'));
      expect(lines).toEqual([
        `ok    clearinghouse: alpha: sftp SUB1@sftp.example.com:22, host key ${fp}, secrets readable`,
        `FAIL  clearinghouse: clearinghouse beta: the private key file ${path.join(dir, 'missing_key')} cannot be read (ENOENT)`,
        `ok    clearinghouse: gamma: sftp SUB1@sftp.example.com:22, host key ${fp}, secrets readable`,
      ]);
      expect(r.out).not.toContain('sekret-value');
      expect(r.code).toBe(1);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('FAILs on a channel file with an error and on a database it cannot reach', () => {
    const bad = tempProject({ mllpPort: 2575 });
    fs.writeFileSync(path.join(bad.channelsDir, 'pharmacy-inbound.yaml'), sample.replace('  maxConnections:', '  maxConections:'));
    try {
      const r = doctor({ ...env, CHANNELS_DIR: bad.channelsDir, DATABASE_URL: `postgres://postgres@127.0.0.1:${1}/nowhere` });
      expect(line(r.out, 'config')).toMatch(/^FAIL  config: 1 problem\(s\); run `rxbridge channels check`\. First: .*pharmacy-inbound\.yaml:\d+:\d+: unknown key "maxConections"/);
      expect(line(r.out, 'store')).toMatch(/^FAIL  store: Postgres at postgres:\/\/postgres@127\.0\.0\.1:1\/nowhere does not answer \(ECONNREFUSED\)$/);
      expect(r.code).toBe(1);
    } finally {
      bad.cleanup();
    }
  });

  describe('beside a running engine', () => {
    let h: Harness;
    beforeAll(async () => { h = await startHarness({ store: 'postgres' }); });
    afterAll(async () => { await h.close(); });

    test('takes the ports the engine holds as fine', async () => {
      const r = await doctorAsync({
        CHANNELS_DIR: h.project.channelsDir, MAPPINGS_DIR: h.project.mappingsDir, DATA_DIR: h.project.dataDir,
        REDIS_URL, HTTP_PORT: String(h.engine.httpAddress()!.port), DATABASE_URL: db.url,
      });
      expect(line(r.out, 'mllp port (pharmacy-inbound)')).toMatch(/^ok {4}mllp port \(pharmacy-inbound\): 127\.0\.0\.1:\d+ is in use, presumably by the running rxbridge/);
      expect(line(r.out, 'http port')).toMatch(/^ok {4}http port: 127\.0\.0\.1:\d+ is in use by a running rxbridge/);
      expect(r.code).toBe(0);
    });
  });
});
