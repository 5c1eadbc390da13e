/**
 * The default address of the engine's admin API for commands that call it (`rxbridge replay`, `rxbridge remit`,
 * `rxbridge users` while the engine holds the store), and the token they call it with:
 * `https://` when RXBRIDGE_HTTPS_CERT is set (the engine then speaks HTTPS only), else `http://`, with HTTP_HOST
 * and HTTP_PORT (their defaults from src/engine/config.ts). A private CA must be trusted by Node for https:
 * NODE_EXTRA_CA_CERTS=ca.crt.
 */
import { ENVIRONMENT } from '../engine/config';

export function defaultAdminUrl(env: Record<string, string | undefined>): string {
  const scheme = env.RXBRIDGE_HTTPS_CERT ? 'https' : 'http';
  return `${scheme}://${env.HTTP_HOST || ENVIRONMENT.HTTP_HOST.default}:${env.HTTP_PORT || ENVIRONMENT.HTTP_PORT.default}`;
}

/**
 * The bearer token a command calls the admin API with: RXBRIDGE_TOKEN (a user's API token, `rxbridge tokens create`),
 * else RXBRIDGE_ADMIN_TOKEN (the bootstrap token); undefined when neither is set.
 */
export function apiToken(env: Record<string, string | undefined>): string | undefined {
  return env.RXBRIDGE_TOKEN || env.RXBRIDGE_ADMIN_TOKEN || undefined;
}

/** What a command says when it has no token to call the API with. */
export const NO_API_TOKEN = 'rxbridge: set RXBRIDGE_TOKEN to your API token (or RXBRIDGE_ADMIN_TOKEN to the bootstrap token)';
