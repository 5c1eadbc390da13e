/**
 * Loads mappings/*.yaml (except *.test.yaml) into compiled plans, keyed by file name without extension.
 * The file name must equal the mapping's `name`. Every problem is reported as file:line:col.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ConfigError, parseConfigText } from '../core/config-file';
import { compileMapping, type MappingPlan } from './compile';
import { mappingFileSchema } from './schema';

export function loadMappings(dir: string, env: Record<string, string | undefined> = process.env): Map<string, MappingPlan> {
  const plans = new Map<string, MappingPlan>();
  const problems: ConfigError[] = [];
  const files = fs.existsSync(dir)
    ? fs.readdirSync(dir).filter((f) => f.endsWith('.yaml') && !f.endsWith('.test.yaml')).sort()
    : [];
  for (const name of files) {
    const file = path.join(dir, name);
    try {
      const parsed = parseConfigText(fs.readFileSync(file, 'utf8'), file, mappingFileSchema, env);
      const expected = name.replace(/\.yaml$/, '');
      if (parsed.name !== expected) {
        throw new ConfigError([{ file, line: 1, col: 1, reason: `mapping name "${parsed.name}" must match the file name "${expected}"` }]);
      }
      plans.set(expected, compileMapping(parsed, file));
    } catch (err) {
      if (err instanceof ConfigError) problems.push(err);
      else problems.push(new ConfigError([{ file, line: 1, col: 1, reason: (err as Error).message }]));
    }
  }
  if (problems.length > 0) throw new ConfigError(problems.flatMap((p) => p.issues));
  return plans;
}

/** The live set of mappings; `reload()` swaps in a new set only when every file loads. */
export class MappingRegistry {
  private plans: Map<string, MappingPlan>;

  constructor(private readonly dir: string, private readonly env: Record<string, string | undefined> = process.env) {
    this.plans = loadMappings(dir, env);
  }

  get(name: string): MappingPlan | undefined {
    return this.plans.get(name);
  }

  names(): string[] {
    return [...this.plans.keys()];
  }

  /** Re-reads the directory; on any error the previous set stays live and the error is thrown. */
  reload(): void {
    this.plans = loadMappings(this.dir, this.env);
  }
}
