/**
 * docs/billing.md keeps up with the code: every scrub rule and every payer-rule key is documented there
 * (a new rule or key without its line in the docs fails here).
 */
import fs from 'node:fs';
import path from 'node:path';
import { SCRUB_RULES } from '../../src/billing/scrub';
import { payerRulesFileSchema } from '../../src/billing/scrub/payer-rules';

const DOC = fs.readFileSync(path.join(__dirname, '../../docs/billing.md'), 'utf8');

describe('docs/billing.md', () => {
  it.each(SCRUB_RULES.map((r) => [r.id]))('lists scrub rule %s', (id) => {
    expect(DOC).toContain(`| \`${id}\` |`);
  });

  const entryKeys = Object.keys(payerRulesFileSchema.shape.rules.element.shape)
    .filter((k) => !['payers', 'from', 'to', 'note'].includes(k));
  it.each(entryKeys.map((k) => [k]))('documents payer-rule key %s', (key) => {
    expect(DOC).toMatch(new RegExp(`^\\|[^|\\n]*\`${key}\``, 'm')); // in the first cell of a table row
  });
});
