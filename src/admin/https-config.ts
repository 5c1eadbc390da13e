/**
 * HTTPS for the admin API, from the environment (README "Configuration", docs/security.md):
 *   RXBRIDGE_HTTPS_CERT, RXBRIDGE_HTTPS_KEY  PEM files of the server certificate and its key: both set → HTTPS;
 *                                            neither → plain HTTP; one without the other → a start-up error
 *   RXBRIDGE_HTTPS_CA                        CA certificate(s) that client certificates must chain to
 *   RXBRIDGE_HTTPS_CLIENT_CERT               `require`: mutual TLS, a client without a certificate from the CA
 *                                            is refused during the handshake; `none` (default): not asked
 * httpsConfigFromEnv is pure (nothing is read; paths are resolved against cwd) and throws one line naming the
 * variables when the set is incomplete or contradictory. adminHttpsOptions builds the server options from a
 * config and credentials read by src/tls/credentials.ts; the oldest protocol accepted is TLS 1.2, and only
 * forward-secret AEAD cipher suites are offered (ADMIN_TLS_CIPHERS).
 */
import path from 'node:path';
import type { ServerOptions } from 'node:https';
import type { TlsCredentials, TlsFiles } from '../tls/credentials';

export interface HttpsConfig extends TlsFiles {
  /** Mutual TLS: the handshake fails for a client without a certificate chaining to `ca`. */
  readonly requireClientCert: boolean;
}

export const ADMIN_TLS_MIN_VERSION = 'TLSv1.2';

/**
 * The cipher suites the admin API offers: TLS 1.3's (all forward-secret AEAD), and for TLS 1.2 only ECDHE key
 * exchange with AES-GCM or ChaCha20-Poly1305 — no static-RSA key exchange (no forward secrecy) and no CBC suites.
 * The server's order wins (honorCipherOrder).
 */
export const ADMIN_TLS_CIPHERS = [
  'TLS_AES_256_GCM_SHA384',
  'TLS_CHACHA20_POLY1305_SHA256',
  'TLS_AES_128_GCM_SHA256',
  'ECDHE-ECDSA-AES256-GCM-SHA384',
  'ECDHE-RSA-AES256-GCM-SHA384',
  'ECDHE-ECDSA-CHACHA20-POLY1305',
  'ECDHE-RSA-CHACHA20-POLY1305',
  'ECDHE-ECDSA-AES128-GCM-SHA256',
  'ECDHE-RSA-AES128-GCM-SHA256',
].join(':');

export function httpsConfigFromEnv(env: Record<string, string | undefined>, cwd: string): HttpsConfig | undefined {
  const cert = env.RXBRIDGE_HTTPS_CERT || undefined;
  const key = env.RXBRIDGE_HTTPS_KEY || undefined;
  const ca = env.RXBRIDGE_HTTPS_CA || undefined;
  const clientCert = (env.RXBRIDGE_HTTPS_CLIENT_CERT ?? '').trim().toLowerCase() || 'none';
  if (clientCert !== 'none' && clientCert !== 'require') {
    throw new Error('RXBRIDGE_HTTPS_CLIENT_CERT must be require or none');
  }
  if (!cert && !key) {
    if (ca || clientCert === 'require') {
      throw new Error('RXBRIDGE_HTTPS_CA and RXBRIDGE_HTTPS_CLIENT_CERT need HTTPS: set RXBRIDGE_HTTPS_CERT and RXBRIDGE_HTTPS_KEY too');
    }
    return undefined;
  }
  if (!cert || !key) {
    const [set, missing] = cert ? ['RXBRIDGE_HTTPS_CERT', 'RXBRIDGE_HTTPS_KEY'] : ['RXBRIDGE_HTTPS_KEY', 'RXBRIDGE_HTTPS_CERT'];
    throw new Error(`${set} is set but ${missing} is not: set both for HTTPS on the admin API, or neither for plain HTTP`);
  }
  const requireClientCert = clientCert === 'require';
  if (requireClientCert && !ca)
    throw new Error('RXBRIDGE_HTTPS_CLIENT_CERT=require needs RXBRIDGE_HTTPS_CA, the CA client certificates must chain to');
  if (ca && !requireClientCert)
    throw new Error('RXBRIDGE_HTTPS_CA is only used to check client certificates: set RXBRIDGE_HTTPS_CLIENT_CERT=require, or unset it');
  return {
    cert: path.resolve(cwd, cert),
    key: path.resolve(cwd, key),
    ...(ca ? { ca: path.resolve(cwd, ca) } : {}),
    requireClientCert,
  };
}

/** The https.Server options: also what setSecureContext gets on a reload (it resets every option it is not given). */
export function adminHttpsOptions(config: HttpsConfig, credentials: TlsCredentials): ServerOptions {
  return {
    cert: credentials.cert,
    key: credentials.key,
    ca: credentials.ca,
    minVersion: ADMIN_TLS_MIN_VERSION,
    ciphers: ADMIN_TLS_CIPHERS,
    honorCipherOrder: true,
    requestCert: config.requireClientCert,
    rejectUnauthorized: config.requireClientCert,
  };
}
