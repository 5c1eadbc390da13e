/**
 * A TLS server identity read from its PEM files: the certificate (chain), its private key and, optionally, the
 * CA certificate(s) that client certificates must chain to.
 *
 * readTlsCredentials reads the files and proves they make a working identity before anyone installs them: the
 * certificate and the CA file must parse as PEM certificates, the key as an unencrypted PEM private key, the key
 * must belong to the certificate, and a secure context must build from the set. So a truncated file, a key
 * from another pair or a half-finished renewal is caught here, not at the next handshake. A private key file
 * that other users may read or write is refused (its group may read it: the usual ssl-cert group setup). It throws a
 * TlsFilesError whose message names the file and the reason; it never contains file contents (a key is a secret).
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import tls from 'node:tls';
import { refuseOpenPermissions } from '../core/private-file';

export interface TlsFiles {
  readonly cert: string;
  readonly key: string;
  readonly ca?: string;
}

export interface TlsCredentials {
  readonly cert: Buffer;
  readonly key: Buffer;
  readonly ca?: Buffer;
  /** The leaf certificate's serial number in upper-case hex, as tls getPeerCertificate().serialNumber shows it. */
  readonly serial: string;
  /** The leaf certificate's expiry, as OpenSSL prints it (`Dec  3 23:08:51 2026 GMT`). */
  readonly validTo: string;
}

export class TlsFilesError extends Error {
  override readonly name = 'TlsFilesError';
}

export function readTlsCredentials(files: TlsFiles): TlsCredentials {
  const cert = readFile(files.cert);
  try {
    refuseOpenPermissions(files.key, 0o007, 'the TLS private key');
  } catch (err) {
    throw new TlsFilesError((err as Error).message);
  }
  const key = readFile(files.key);
  const ca = files.ca === undefined ? undefined : readFile(files.ca);
  const leaf = parseCertificate(cert, files.cert);
  if (ca) parseCertificate(ca, files.ca as string);
  let privateKey: crypto.KeyObject;
  try {
    privateKey = crypto.createPrivateKey(key);
  } catch {
    throw new TlsFilesError(`${files.key} is not an unencrypted PEM private key`);
  }
  if (!leaf.checkPrivateKey(privateKey)) {
    throw new TlsFilesError(`the private key in ${files.key} does not belong to the certificate in ${files.cert}`);
  }
  try {
    tls.createSecureContext({ cert, key, ca });
  } catch (err) {
    throw new TlsFilesError(`${files.cert} and ${files.key} do not make a TLS identity (${codeOf(err)})`);
  }
  return { cert, key, ca, serial: leaf.serialNumber.toUpperCase(), validTo: leaf.validTo };
}

function readFile(file: string): Buffer {
  try {
    return fs.readFileSync(file);
  } catch (err) {
    throw new TlsFilesError(`cannot read TLS file ${file} (${codeOf(err)})`);
  }
}

function parseCertificate(pem: Buffer, file: string): crypto.X509Certificate {
  try {
    return new crypto.X509Certificate(pem);
  } catch {
    throw new TlsFilesError(`${file} is not a PEM certificate`);
  }
}

function codeOf(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === 'string' ? code : 'error';
}
