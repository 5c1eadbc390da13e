/** Reads the payer rule folder (billing/payer-rules/*.yaml, in name order) and parses it with parsePayerRules. */
import fs from 'node:fs';
import path from 'node:path';
import { ConfigError } from '../../core/config-file';
import { parsePayerRules, type PayerRules } from './payer-rules';

/** The shipped folder, relative to the repository root. */
export const PAYER_RULES_DIR = path.join(__dirname, '../../../billing/payer-rules');

/** Every *.yaml file of `dir`. An unreadable folder or file is a ConfigError, like an invalid one. */
export function loadPayerRulesDir(dir: string, env: Record<string, string | undefined> = {}): PayerRules {
  let names: string[];
  try {
    names = fs
      .readdirSync(dir)
      .filter((n) => n.endsWith('.yaml'))
      .sort();
  } catch (err) {
    throw new ConfigError([
      { file: dir, line: 0, col: 0, reason: `cannot read folder (${(err as NodeJS.ErrnoException).code ?? 'unknown error'})` },
    ]);
  }
  const files = names.map((name) => {
    const file = path.join(dir, name);
    try {
      return { file, text: fs.readFileSync(file, 'utf8') };
    } catch (err) {
      throw new ConfigError([
        { file, line: 0, col: 0, reason: `cannot read file (${(err as NodeJS.ErrnoException).code ?? 'unknown error'})` },
      ]);
    }
  });
  return parsePayerRules(files, env);
}
