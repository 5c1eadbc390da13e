// Builds the web console (src/console, Preact + TSX) into dist/console: app.js (one minified bundle),
// app.css and index.html. Run by `npm run build` (and so by `npm ci`, through `prepare`). The engine serves
// dist/console at `/` (src/admin/console-routes.ts). `--watch` rebuilds on change while developing.
import { build, context } from 'esbuild';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const src = path.join(root, 'src/console');
const out = path.join(root, 'dist/console');

const options = {
  entryPoints: [path.join(src, 'main.tsx')],
  outfile: path.join(out, 'app.js'),
  bundle: true,
  minify: true,
  sourcemap: true,
  format: 'iife',
  target: ['chrome110', 'firefox110', 'safari16'],
  jsx: 'automatic',
  jsxImportSource: 'preact',
  tsconfig: path.join(src, 'tsconfig.json'),
  legalComments: 'none',
  logLevel: 'warning',
};

fs.mkdirSync(out, { recursive: true });
fs.copyFileSync(path.join(src, 'index.html'), path.join(out, 'index.html'));
fs.copyFileSync(path.join(src, 'styles.css'), path.join(out, 'app.css'));
if (process.argv.includes('--watch')) {
  const ctx = await context(options);
  await ctx.watch();
  console.log('watching src/console …');
} else {
  await build(options);
}
