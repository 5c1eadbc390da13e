/**
 * HTTPS settings of the admin API from the environment (src/admin/https-config.ts): both files → HTTPS, none →
 * plain HTTP, anything half-set or contradictory → one clear line, which `rxbridge start` prints before exiting 1.
 * And RXBRIDGE_TLS_WATCH_MS, the interval of the certificate file watch (src/tls/reloader.ts).
 */
import path from 'node:path';
import { adminHttpsOptions, httpsConfigFromEnv } from '../../src/admin/https-config';
import { main } from '../../src/cli/main';
import { configFromEnv } from '../../src/main';

const cwd = '/srv/rxbridge';

describe('httpsConfigFromEnv', () => {
  test('neither file: plain HTTP', () => {
    expect(httpsConfigFromEnv({}, cwd)).toBeUndefined();
    expect(httpsConfigFromEnv({ RXBRIDGE_HTTPS_CERT: '', RXBRIDGE_HTTPS_KEY: '' }, cwd)).toBeUndefined();
    expect(configFromEnv({}, cwd).https).toBeUndefined();
  });

  test('both files: HTTPS, paths resolved against the working directory', () => {
    expect(httpsConfigFromEnv({ RXBRIDGE_HTTPS_CERT: 'tls/api.crt', RXBRIDGE_HTTPS_KEY: '/etc/rxb/api.key' }, cwd))
      .toEqual({ cert: path.join(cwd, 'tls/api.crt'), key: '/etc/rxb/api.key', requireClientCert: false });
    expect(httpsConfigFromEnv({
      RXBRIDGE_HTTPS_CERT: 'a.crt', RXBRIDGE_HTTPS_KEY: 'a.key', RXBRIDGE_HTTPS_CA: 'ca.crt', RXBRIDGE_HTTPS_CLIENT_CERT: 'require',
    }, cwd)).toEqual({ cert: path.join(cwd, 'a.crt'), key: path.join(cwd, 'a.key'), ca: path.join(cwd, 'ca.crt'), requireClientCert: true });
  });

  test.each([
    [{ RXBRIDGE_HTTPS_CERT: 'a.crt' }, 'RXBRIDGE_HTTPS_CERT is set but RXBRIDGE_HTTPS_KEY is not: set both for HTTPS on the admin API, or neither for plain HTTP'],
    [{ RXBRIDGE_HTTPS_KEY: 'a.key' }, 'RXBRIDGE_HTTPS_KEY is set but RXBRIDGE_HTTPS_CERT is not'],
    [{ RXBRIDGE_HTTPS_CERT: 'a.crt', RXBRIDGE_HTTPS_KEY: 'a.key', RXBRIDGE_HTTPS_CLIENT_CERT: 'require' }, 'RXBRIDGE_HTTPS_CLIENT_CERT=require needs RXBRIDGE_HTTPS_CA'],
    [{ RXBRIDGE_HTTPS_CERT: 'a.crt', RXBRIDGE_HTTPS_KEY: 'a.key', RXBRIDGE_HTTPS_CA: 'ca.crt' }, 'RXBRIDGE_HTTPS_CA is only used to check client certificates'],
    [{ RXBRIDGE_HTTPS_CERT: 'a.crt', RXBRIDGE_HTTPS_KEY: 'a.key', RXBRIDGE_HTTPS_CLIENT_CERT: 'yes' }, 'RXBRIDGE_HTTPS_CLIENT_CERT must be require or none'],
    [{ RXBRIDGE_HTTPS_CA: 'ca.crt' }, 'RXBRIDGE_HTTPS_CA and RXBRIDGE_HTTPS_CLIENT_CERT need HTTPS'],
  ])('%j is refused', (env, message) => {
    expect(() => httpsConfigFromEnv(env, cwd)).toThrow(message);
    expect(() => configFromEnv(env, cwd)).toThrow(message);
  });

  test('server options: TLS 1.2 at least; client certificates asked and checked only when required', () => {
    const creds = { cert: Buffer.from('c'), key: Buffer.from('k'), ca: Buffer.from('a'), serial: '01', validTo: '' };
    expect(adminHttpsOptions({ cert: 'c', key: 'k', requireClientCert: false }, { ...creds, ca: undefined }))
      .toEqual({
        cert: creds.cert, key: creds.key, ca: undefined, minVersion: 'TLSv1.2', requestCert: false, rejectUnauthorized: false,
        // Forward-secret AEAD suites only (TLS 1.3, and ECDHE with AES-GCM or ChaCha20 for TLS 1.2), ours first.
        ciphers: expect.stringMatching(/^TLS_AES_256_GCM_SHA384:.*ECDHE-RSA-AES128-GCM-SHA256$/), honorCipherOrder: true,
      });
    expect(adminHttpsOptions({ cert: 'c', key: 'k', ca: 'a', requireClientCert: true }, creds))
      .toMatchObject({ ca: creds.ca, minVersion: 'TLSv1.2', requestCert: true, rejectUnauthorized: true });
  });
});

test('RXBRIDGE_TLS_WATCH_MS: a whole number of ms, 0 = no watching; unset = the default', () => {
  expect(configFromEnv({}, cwd).tlsWatchIntervalMs).toBeUndefined();
  expect(configFromEnv({ RXBRIDGE_TLS_WATCH_MS: '0' }, cwd).tlsWatchIntervalMs).toBe(0);
  expect(configFromEnv({ RXBRIDGE_TLS_WATCH_MS: '2500' }, cwd).tlsWatchIntervalMs).toBe(2500);
  for (const bad of ['soon', '-1', '1.5']) {
    expect(() => configFromEnv({ RXBRIDGE_TLS_WATCH_MS: bad }, cwd)).toThrow('RXBRIDGE_TLS_WATCH_MS must be a whole number of milliseconds');
  }
});

test('rxbridge start with only RXBRIDGE_HTTPS_CERT exits 1 with that line, before opening anything', async () => {
  const errors: string[] = [];
  const spy = jest.spyOn(console, 'error').mockImplementation((line: string) => { errors.push(line); });
  try {
    expect(await main(['start'], { RXBRIDGE_HTTPS_CERT: 'api.crt', DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none' })).toBe(1);
  } finally {
    spy.mockRestore();
  }
  expect(errors).toEqual(['rxbridge: RXBRIDGE_HTTPS_CERT is set but RXBRIDGE_HTTPS_KEY is not: set both for HTTPS on the admin API, or neither for plain HTTP']);
});
