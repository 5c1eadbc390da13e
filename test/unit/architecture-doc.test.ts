/**
 * docs/architecture.md keeps up with the code: its folder picture names every folder of src/ (migrations and the
 * scrub rules' folder aside: they are one file per migration or rule) and nothing that is not there, and every file
 * the newcomer's route names exists.
 */
import fs from 'node:fs';
import path from 'node:path';

const ROOT = path.join(__dirname, '../..');
const DOC = fs.readFileSync(path.join(ROOT, 'docs/architecture.md'), 'utf8');
const SKIPPED = new Set(['src/store/migrations', 'src/billing/scrub/rules']);

function folders(dir: string): string[] {
  return fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .flatMap((e) => {
      const rel = `${dir}/${e.name}`;
      return SKIPPED.has(rel) ? [] : [rel, ...folders(rel)];
    });
}

/** The folders the tree picture under "A newcomer's route" draws, as src/… paths. */
function pictured(): string[] {
  const start = DOC.indexOf('\nsrc/\n');
  const picture = DOC.slice(start + 1, DOC.indexOf('```', start));
  const out: string[] = [];
  const parents: string[] = [];
  for (const line of picture.split('\n').slice(1)) {
    const m = /^((?:│   |    )*)[├└]── ([\w./-]+)/.exec(line);
    if (!m) continue;
    const depth = m[1]!.length / 4;
    const name = m[2]!.replace(/\/$/, '');
    parents.length = depth;
    if (!m[2]!.endsWith('/')) continue; // a file (main.ts)
    parents.push(name);
    out.push(`src/${parents.join('/')}`);
  }
  return out;
}

describe('docs/architecture.md', () => {
  it('pictures every folder of src/ and no folder that is gone', () => {
    expect(pictured().sort()).toEqual(folders('src').sort());
  });

  it('names only files that exist in the newcomer\'s route', () => {
    const route = DOC.slice(DOC.indexOf("## A newcomer's route"), DOC.indexOf('## The path of one message'));
    const files = [...route.matchAll(/`((?:src|docs|test)\/[\w./-]+\.(?:ts|tsx|md))`/g)].map((m) => m[1]!);
    expect(files.length).toBeGreaterThan(15);
    for (const f of files) expect([f, fs.existsSync(path.join(ROOT, f))]).toEqual([f, true]);
  });
});
