/**
 * The default address of the engine's admin API for commands that call it (`rxbridge replay`, `rxbridge remit`):
 * `https://` when RXBRIDGE_HTTPS_CERT is set (the engine then speaks HTTPS only), else `http://`, with HTTP_HOST
 * (default 127.0.0.1) and HTTP_PORT (default 8080). A private CA must be trusted by Node for https:
 * NODE_EXTRA_CA_CERTS=ca.crt.
 */
export function defaultAdminUrl(env: Record<string, string | undefined>): string {
  const scheme = env.RXBRIDGE_HTTPS_CERT ? 'https' : 'http';
  return `${scheme}://${env.HTTP_HOST ?? '127.0.0.1'}:${env.HTTP_PORT ?? '8080'}`;
}
