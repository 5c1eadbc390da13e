/**
 * The default address of the engine's admin API for commands that call it (`rxbridge replay`, `rxbridge remit`):
 * `https://` when RXBRIDGE_HTTPS_CERT is set (the engine then speaks HTTPS only), else `http://`, with HTTP_HOST
 * and HTTP_PORT (their defaults from src/engine/config.ts). A private CA must be trusted by Node for https:
 * NODE_EXTRA_CA_CERTS=ca.crt.
 */
import { ENVIRONMENT } from '../engine/config';

export function defaultAdminUrl(env: Record<string, string | undefined>): string {
  const scheme = env.RXBRIDGE_HTTPS_CERT ? 'https' : 'http';
  return `${scheme}://${env.HTTP_HOST || ENVIRONMENT.HTTP_HOST.default}:${env.HTTP_PORT || ENVIRONMENT.HTTP_PORT.default}`;
}
