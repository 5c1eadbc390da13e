/**
 * docs/channels.md "Destination connectors" stays true to the code: every `connector:` example there parses (YAML)
 * and passes its connector's own options schema, and every connector type documented is a registered one.
 */
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { connectorFactory } from '../../src/destinations/connectors';

const DOC = fs.readFileSync(path.join(__dirname, '../../docs/channels.md'), 'utf8');
const SECTION = DOC.slice(DOC.indexOf('## Destination connectors'), DOC.indexOf('\n## ', DOC.indexOf('## Destination connectors') + 5));
const examples = [...SECTION.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => YAML.parse(m[1] as string) as { connector: Record<string, unknown> });

describe('docs/channels.md destination connector examples', () => {
  it('has an example of the registry-soap, file and sftp connectors', () => {
    expect(examples.map((e) => e.connector.type)).toEqual(expect.arrayContaining(['registry-soap', 'file', 'sftp']));
  });

  it.each(examples.map((e, i) => [i, e.connector.type as string, e.connector] as const))('example %i (%s) passes its schema', (_i, type, connector) => {
    const factory = connectorFactory(type);
    expect(factory).toBeDefined();
    const { type: _t, ...options } = connector;
    const parsed = factory!.options.safeParse(options);
    expect(parsed.error?.issues ?? []).toEqual([]);
  });
});
