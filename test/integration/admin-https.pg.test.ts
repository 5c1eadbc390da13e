/**
 * The admin API over HTTPS (RXBRIDGE_HTTPS_CERT/KEY → EngineConfig.https): it answers over TLS to a client that
 * trusts the CA, and not at all to plain HTTP; with client certificates required, only a client with a
 * certificate from the CA gets through the handshake. Without a certificate the API stays plain HTTP, and the
 * start-up line says which (`scheme`). A certificate that cannot be used stops start-up with the file named.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createLogger } from '../../src/core/logger';
import { startEngine } from '../../src/main';
import { httpsGet, identity, makeCerts, makeServerCert } from './certs';
import { startHarness, TOKEN, type Harness } from './engine-harness';
import { Redis } from 'ioredis';
import { createTestDatabase, freePort, REDIS_URL, ROOT, tempProject, type ProjectDirs } from './support';

jest.setTimeout(60_000);

const certDir = fs.mkdtempSync(path.join(os.tmpdir(), 'rxb-https-'));
const file = (name: string) => path.join(certDir, name);

beforeAll(() => {
  makeCerts(certDir);
  makeServerCert(certDir, 'other', '1002');
});
afterAll(() => fs.rmSync(certDir, { recursive: true, force: true }));

/** The JSON log line with this message. */
function logLine(h: Harness, message: string): Record<string, unknown> | undefined {
  return h.logs().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.message === message);
}

describe('HTTPS admin API', () => {
  let h: Harness;
  let port: number;
  beforeAll(async () => {
    h = await startHarness({ store: 'postgres', config: { https: { cert: file('server.crt'), key: file('server.key'), requireClientCert: false } } });
    port = h.engine.httpAddress()!.port;
  });
  afterAll(async () => { await h?.close(); });

  test('GET /api/health answers over TLS with the configured certificate, to a client trusting the CA', async () => {
    const res = await httpsGet(port, '/api/health', identity(certDir));
    expect(res).toMatchObject({ status: 200, json: { status: 'ok' }, serial: '1001' });
  });

  test('authenticated routes work the same over HTTPS', async () => {
    const res = await httpsGet(port, '/api/channels', identity(certDir), { authorization: `Bearer ${TOKEN}` });
    expect(res.status).toBe(200);
    expect(res.json.channels.map((c: { name: string }) => c.name)).toEqual(['pharmacy-inbound']);
    expect((await httpsGet(port, '/api/channels', identity(certDir))).status).toBe(401);
  });

  test('plain HTTP to the HTTPS port gets no answer', async () => {
    await expect(fetch(`http://127.0.0.1:${port}/api/health`)).rejects.toThrow();
  });

  test('the start-up line and httpAddress() say https', () => {
    expect(logLine(h, 'admin API listening')).toMatchObject({ scheme: 'https', port });
    expect(h.engine.httpAddress()).toMatchObject({ scheme: 'https' });
  });

  test('TLS 1.1 is refused (minimum TLS 1.2)', async () => {
    const tls = await import('node:tls');
    await expect(new Promise((resolve, reject) => {
      const s = tls.connect({ host: '127.0.0.1', port, ca: identity(certDir).ca, minVersion: 'TLSv1', maxVersion: 'TLSv1.1' }, () => resolve(s));
      s.on('error', reject);
    })).rejects.toThrow();
  });
});

describe('HTTPS admin API: headers and cipher suites', () => {
  let h: Harness;
  let port: number;
  beforeAll(async () => {
    h = await startHarness({ store: 'postgres', config: { https: { cert: file('server.crt'), key: file('server.key'), requireClientCert: false } } });
    port = h.engine.httpAddress()!.port;
  });
  afterAll(async () => { await h?.close(); });

  /** Answers the handshake with TLS 1.2 and only these suites: the suite agreed, or the error. */
  async function handshake12(ciphers: string): Promise<string> {
    const tls = await import('node:tls');
    return new Promise((resolve, reject) => {
      const s = tls.connect({ host: '127.0.0.1', port, ca: identity(certDir).ca, minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2', ciphers }, () => {
        const name = s.getCipher().name;
        s.end();
        resolve(name);
      });
      s.on('error', reject);
    });
  }

  test('answers carry HSTS, nosniff and no-store (a route\'s own cache rule stays)', async () => {
    const https = await import('node:https');
    const headersOf = (urlPath: string) => new Promise<Record<string, unknown>>((resolve, reject) => {
      const req = https.request({ host: '127.0.0.1', port, path: urlPath, agent: false, ...identity(certDir), headers: { authorization: `Bearer ${TOKEN}` } }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.headers));
      });
      req.on('error', reject);
      req.end();
    });
    const api = await headersOf('/api/channels');
    expect(api).toMatchObject({ 'strict-transport-security': 'max-age=31536000', 'x-content-type-options': 'nosniff', 'cache-control': 'no-store' });
    const refused = await headersOf('/api/nowhere');
    expect(refused).toMatchObject({ 'strict-transport-security': 'max-age=31536000', 'cache-control': 'no-store' });
    const page = await headersOf('/');
    expect(page).toMatchObject({ 'strict-transport-security': 'max-age=31536000', 'x-content-type-options': 'nosniff', 'cache-control': 'no-cache' });
  });

  test('TLS 1.2 offers forward-secret AEAD suites only: CBC and static-RSA suites are refused', async () => {
    for (const weak of ['AES128-SHA', 'AES256-SHA256', 'AES128-GCM-SHA256', 'ECDHE-RSA-AES128-SHA', 'ECDHE-RSA-AES256-SHA384']) {
      await expect(handshake12(weak)).rejects.toThrow();
    }
    expect(await handshake12('ECDHE-RSA-AES128-GCM-SHA256')).toBe('ECDHE-RSA-AES128-GCM-SHA256');
    expect(await handshake12('ECDHE-RSA-CHACHA20-POLY1305:AES128-SHA')).toBe('ECDHE-RSA-CHACHA20-POLY1305');
  });
});

describe('HTTPS admin API with client certificates required', () => {
  let h: Harness;
  let port: number;
  beforeAll(async () => {
    h = await startHarness({
      store: 'postgres',
      config: { https: { cert: file('server.crt'), key: file('server.key'), ca: file('ca.crt'), requireClientCert: true } },
    });
    port = h.engine.httpAddress()!.port;
  });
  afterAll(async () => { await h?.close(); });

  test('a client with a certificate from the CA gets its answer', async () => {
    expect(await httpsGet(port, '/api/health', identity(certDir, 'client'))).toMatchObject({ status: 200, json: { status: 'ok' } });
  });

  test('a client without a certificate, or with one from no CA, is refused in the handshake', async () => {
    await expect(httpsGet(port, '/api/health', identity(certDir))).rejects.toThrow();
    await expect(httpsGet(port, '/api/health', identity(certDir, 'stranger'))).rejects.toThrow();
  });
});

describe('without RXBRIDGE_HTTPS_CERT', () => {
  let h: Harness;
  beforeAll(async () => { h = await startHarness({ store: 'postgres' }); });
  afterAll(async () => { await h?.close(); });

  test('the API is plain HTTP, and the start-up line says so', async () => {
    const port = h.engine.httpAddress()!.port;
    expect((await fetch(`http://127.0.0.1:${port}/api/health`)).status).toBe(200);
    expect(logLine(h, 'admin API listening')).toMatchObject({ scheme: 'http', port });
    await expect(httpsGet(port, '/api/health', identity(certDir))).rejects.toThrow();
  });
});

describe('a certificate that cannot be used stops start-up', () => {
  let db: { url: string; drop(): Promise<void> };
  let project: ProjectDirs;
  let mllpPort: number;
  const prefix = `rxbt-https-bad-${process.pid}`;
  beforeAll(async () => {
    db = await createTestDatabase();
    mllpPort = await freePort();
    project = tempProject({ mllpPort });
  });
  afterAll(async () => {
    await db?.drop();
    project?.cleanup();
    const redis = new Redis(REDIS_URL);
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  });

  const start = (https: { cert: string; key: string }) => startEngine({
    channelsDir: project.channelsDir, mappingsDir: project.mappingsDir, dataDir: project.dataDir, databaseUrl: db.url, redisUrl: REDIS_URL,
    httpHost: '127.0.0.1', httpPort: 0, env: {}, logger: createLogger({ silent: true }), queuePrefix: prefix,
    https: { ...https, requireClientCert: false },
  });

  test('a key that belongs to another certificate', async () => {
    await expect(start({ cert: file('server.crt'), key: file('other.key') })).rejects.toThrow(
      `the admin API (RXBRIDGE_HTTPS_*): the private key in ${file('other.key')} does not belong to the certificate in ${file('server.crt')}`);
  });

  test('a missing file, or a file that is not a certificate', async () => {
    await expect(start({ cert: file('server.crt'), key: file('missing.key') })).rejects.toThrow(
      `the admin API (RXBRIDGE_HTTPS_*): cannot read TLS file ${file('missing.key')} (ENOENT)`);
    await expect(start({ cert: file('server.key'), key: file('server.key') })).rejects.toThrow(`${file('server.key')} is not a PEM certificate`);
  });

  test('a private key other users can read is refused (its group may read it)', async () => {
    const loose = file('loose.key');
    fs.copyFileSync(file('server.key'), loose);
    fs.chmodSync(loose, 0o644);
    await expect(start({ cert: file('server.crt'), key: loose })).rejects.toThrow(
      `the TLS private key ${loose} can be read or written by other users (mode 0644); a secret key must be private: chmod o-rwx ${loose}`);
    fs.chmodSync(loose, 0o640);
    const engine = await start({ cert: file('server.crt'), key: loose });
    await engine.stop();
  });

  test('a TLS channel whose key does not match is named too', async () => {
    const channel = fs.readFileSync(path.join(ROOT, 'channels/pharmacy-inbound.yaml'), 'utf8').replace('  charset: UTF-8',
      `  charset: UTF-8\n  tls:\n    cert: ${file('server.crt')}\n    key: ${file('other.key')}`);
    const tlsProject = tempProject({ mllpPort, channelYaml: channel });
    try {
      await expect(startEngine({
        channelsDir: tlsProject.channelsDir, mappingsDir: tlsProject.mappingsDir, dataDir: project.dataDir, databaseUrl: db.url,
        redisUrl: REDIS_URL, httpHost: '127.0.0.1', httpPort: -1, env: {}, logger: createLogger({ silent: true }), queuePrefix: prefix,
      })).rejects.toThrow(`channel pharmacy-inbound: the private key in ${file('other.key')} does not belong`);
    } finally {
      tlsProject.cleanup();
    }
  });
});
