import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { builtinModules } from 'node:module';

const SRC = path.join(__dirname, '../../src');
const WIRE = path.join(SRC, 'admin/wire');

/** Every package (non-relative import) reached from `entries` through relative imports, type imports included. */
function packagesReached(entries: string[]): Map<string, string> {
  const seen = new Set<string>();
  const packages = new Map<string, string>();
  const queue = [...entries];
  while (queue.length > 0) {
    const file = queue.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    for (const m of readFileSync(file, 'utf8').matchAll(/(?:from|import)\s+'([^']+)'/g)) {
      const spec = m[1]!;
      if (!spec.startsWith('.')) {
        packages.set(spec, path.relative(SRC, file));
        continue;
      }
      const base = path.resolve(path.dirname(file), spec);
      const next = [`${base}.ts`, path.join(base, 'index.ts')].find((f) => existsSync(f));
      if (next) queue.push(next);
    }
  }
  return packages;
}

describe('the admin API wire types (src/admin/wire)', () => {
  it('reach no Node module and no server package, so the browser console can import them', () => {
    const entries = readdirSync(WIRE).filter((f) => f.endsWith('.ts')).map((f) => path.join(WIRE, f));
    expect(entries.length).toBeGreaterThan(0);
    const node = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);
    const server = ['fastify', 'kysely', 'pg', 'bullmq', 'ioredis', 'zod', '@electric-sql/pglite'];
    const offending = [...packagesReached(entries)].filter(([spec]) => node.has(spec) || server.some((p) => spec === p || spec.startsWith(`${p}/`)));
    expect(offending).toEqual([]);
  });
});
