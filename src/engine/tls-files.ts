/**
 * Reads and checks TLS files at start (src/tls/credentials.ts). A missing file, or a key that does not belong to
 * its certificate, fails start-up naming the server (`channel NAME`, the admin API) and the file.
 */
import { readTlsCredentials, TlsFilesError, type TlsCredentials, type TlsFiles } from '../tls/credentials';

export function readTlsFiles(server: string, files: TlsFiles): TlsCredentials {
  try {
    return readTlsCredentials(files);
  } catch (err) {
    if (err instanceof TlsFilesError) throw new Error(`${server}: ${err.message}`);
    throw err;
  }
}
