/**
 * Serves the web console (built by scripts/build-console.mjs into dist/console) on the admin port:
 * `GET /` → index.html, `GET /console/<file>` → the bundle's files. These routes are public: the bundle holds
 * no data — every piece of data comes from the role-checked /api routes. The files are read once, when the app
 * is built, and served from memory with an ETag; a console that was not built answers 503 with the command to
 * build it. Every answer carries a strict Content-Security-Policy (no inline script, same origin only).
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { role } from './auth';

/** dist/console beside the compiled dist/admin (and beside src/admin when run from sources under jest). */
export const CONSOLE_DIR = path.resolve(__dirname, '..', '..', 'dist', 'console');

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
};

interface Asset {
  body: Buffer;
  type: string;
  etag: string;
}

function loadAssets(dir: string): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  if (!fs.existsSync(dir)) return assets;
  for (const name of fs.readdirSync(dir)) {
    const type = TYPES[path.extname(name)];
    const file = path.join(dir, name);
    if (!type || !fs.statSync(file).isFile()) continue;
    const body = fs.readFileSync(file);
    assets.set(name, { body, type, etag: `"${crypto.createHash('sha256').update(body).digest('base64url').slice(0, 27)}"` });
  }
  return assets;
}

export function registerConsoleRoutes(app: FastifyInstance, dir: string = CONSOLE_DIR): void {
  const assets = loadAssets(dir);

  function send(reply: FastifyReply, ifNoneMatch: string | undefined, name: string) {
    const asset = assets.get(name);
    reply.headers(SECURITY_HEADERS);
    if (!asset) {
      if (name === 'index.html') {
        return reply
          .status(503)
          .type('text/plain; charset=utf-8')
          .send('The web console is not built. Run `npm run build` (npm ci runs it too), then restart the engine.');
      }
      return reply.status(404).send({ error: { code: 'NOT_FOUND', message: `no console file ${name}` } });
    }
    reply.header('etag', asset.etag).header('cache-control', 'no-cache');
    if (ifNoneMatch === asset.etag) return reply.status(304).send();
    return reply.type(asset.type).send(asset.body);
  }

  app.get('/', role('public'), async (req, reply) => send(reply, req.headers['if-none-match'], 'index.html'));
  app.get('/console/:file', role('public'), async (req, reply) => {
    const { file } = req.params as { file: string };
    return send(reply, req.headers['if-none-match'], file);
  });
}
