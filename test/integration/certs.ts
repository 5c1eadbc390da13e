/**
 * TLS test helpers: throwaway certificates made with openssl in a temporary folder, and clients that report
 * which certificate a server presented.
 *
 * makeCerts(dir) writes a CA (ca.crt, ca.key), a server certificate for 127.0.0.1 (server.crt, server.key,
 * serial 1001), a client certificate from the CA (client.crt, client.key) and a self-signed one from no CA
 * (stranger.crt, stranger.key). makeServerCert adds more server certificates from the same CA with the serial
 * (hex) and common name you choose, so a test can tell which one a server is using.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import tls from 'node:tls';

const openssl = (dir: string, args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });

export function makeCerts(dir: string): void {
  openssl(dir, ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=Test CA']);
  makeServerCert(dir, 'server', '1001');
  for (const who of ['client', 'stranger']) {
    openssl(dir, ['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${who}.key`, '-out', `${who}.csr`, '-subj', `/CN=${who}`]);
  }
  openssl(dir, ['x509', '-req', '-in', 'client.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-set_serial', '0x2001', '-out', 'client.crt', '-days', '2']);
  openssl(dir, ['x509', '-req', '-in', 'stranger.csr', '-signkey', 'stranger.key', '-out', 'stranger.crt', '-days', '2']);
}

/** `<name>.crt` and `<name>.key`: a server certificate for 127.0.0.1 from the CA of makeCerts, CN=name, serial `serialHex`. */
export function makeServerCert(dir: string, name: string, serialHex: string): void {
  openssl(dir, ['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`]);
  fs.writeFileSync(path.join(dir, 'san.ext'), 'subjectAltName=IP:127.0.0.1\n');
  openssl(dir, ['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-set_serial', `0x${serialHex}`,
    '-out', `${name}.crt`, '-days', '2', '-extfile', 'san.ext']);
}

export interface ClientIdentity {
  /** The CA that must have signed the server's certificate. */
  ca: Buffer;
  cert?: Buffer;
  key?: Buffer;
}

/** The CA of `dir` and, when `who` is given, that client's certificate and key. */
export function identity(dir: string, who?: 'client' | 'stranger'): ClientIdentity {
  const read = (f: string) => fs.readFileSync(path.join(dir, f));
  return { ca: read('ca.crt'), ...(who ? { cert: read(`${who}.crt`), key: read(`${who}.key`) } : {}) };
}

/** Opens a TLS connection (verifying the server against `id.ca`) and resolves once the handshake is done. */
export function tlsConnect(port: number, id: ClientIdentity): Promise<tls.TLSSocket> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: '127.0.0.1', port, ...id }, () => resolve(socket));
    socket.once('error', reject);
    socket.setTimeout(5000, () => socket.destroy(new Error('tls connect timeout')));
  });
}

/** The serial number (upper-case hex) of the certificate a new TLS connection to `port` is shown; closes it. */
export async function servedSerial(port: number, id: ClientIdentity): Promise<string> {
  const socket = await tlsConnect(port, id);
  const serial = socket.getPeerCertificate().serialNumber;
  socket.end(); // a graceful close: the server finishes its side of the handshake and sees the connection end
  return serial;
}

/** GET over HTTPS on a fresh connection: status, JSON body and the serial of the certificate the server showed. */
export function httpsGet(port: number, urlPath: string, id: ClientIdentity, headers: Record<string, string> = {}):
  Promise<{ status: number; json: any; serial: string }> {
  return new Promise((resolve, reject) => {
    const req = https.request({ host: '127.0.0.1', port, path: urlPath, method: 'GET', headers, agent: false, ...id }, (res) => {
      const serial = (res.socket as tls.TLSSocket).getPeerCertificate().serialNumber;
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => { body += c; });
      res.on('end', () => {
        let json: unknown = null;
        try { json = JSON.parse(body); } catch { /* not JSON */ }
        resolve({ status: res.statusCode ?? 0, json, serial });
      });
    });
    req.on('error', reject);
    req.setTimeout(5000, () => req.destroy(new Error('https request timeout')));
    req.end();
  });
}
