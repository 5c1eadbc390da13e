/**
 * The pure side of a channel reload: diffChannels sorts each channel into added / removed / enabled / disabled /
 * restarted (source changed) / updated (anything else, in place) / unchanged, listenerActions says what that does
 * to the listener, and the registry answers the current plans (and a removed channel's last plan).
 */
import { mllpSource } from '../../src/channels/schema';
import { changedKeys, diffChannels, listenerActions } from '../../src/channels/diff';
import { ChannelRegistry } from '../../src/channels/registry';
import { unloadedMappingIssues } from '../../src/channels/reloader';
import { buildChannelPlan, channelFileSchema, type ChannelPlan } from '../../src/channels/schema';

/** A plan from a channel file's content (defaults filled in by the schema). */
function plan(name: string, over: Record<string, unknown> = {}, source: Record<string, unknown> = {}): ChannelPlan {
  const file = channelFileSchema.parse({
    name,
    source: { type: 'mllp', port: 2575, ...source },
    accept: ['DFT^P03', 'ADT^A04'],
    routes: [{ types: ['DFT^P03'], mapping: 'dft-p03' }],
    ...over,
  });
  return buildChannelPlan(file, `/etc/rxb/channels/${name}.yaml`);
}

const kinds = (before: ChannelPlan[], after: ChannelPlan[]) =>
  Object.fromEntries(diffChannels(before, after).map((c) => [c.name, c.kind]));

describe('diffChannels', () => {
  test('identical plans (built twice from the same file) are unchanged', () => {
    expect(kinds([plan('a')], [plan('a')])).toEqual({ a: 'unchanged' });
    expect(diffChannels([plan('a')], [plan('a')])[0]?.changed).toEqual([]);
  });

  test('a channel only in the new set is added, one only in the old set is removed', () => {
    const changes = diffChannels([plan('a'), plan('b', {}, { port: 2576 })], [plan('a'), plan('c', {}, { port: 2577 })]);
    expect(changes.map((c) => [c.name, c.kind])).toEqual([['a', 'unchanged'], ['c', 'added'], ['b', 'removed']]);
    expect(listenerActions(changes[1]!)).toEqual({ stop: false, start: true });
    expect(listenerActions(changes[2]!)).toEqual({ stop: true, start: false });
  });

  test('an added disabled channel starts nothing; a removed disabled one stops nothing', () => {
    const [added] = diffChannels([], [plan('a', { enabled: false })]);
    expect(added?.kind).toBe('added');
    expect(listenerActions(added!)).toEqual({ stop: false, start: false });
    const [removed] = diffChannels([plan('a', { enabled: false })], []);
    expect(listenerActions(removed!)).toEqual({ stop: false, start: false });
  });

  test('enabled flipped: enabled starts the listener, disabled stops it', () => {
    const [on] = diffChannels([plan('a', { enabled: false })], [plan('a')]);
    expect(on?.kind).toBe('enabled');
    expect(listenerActions(on!)).toEqual({ stop: false, start: true });
    const [off] = diffChannels([plan('a')], [plan('a', { enabled: false })]);
    expect(off?.kind).toBe('disabled');
    expect(listenerActions(off!)).toEqual({ stop: true, start: false });
  });

  test.each([
    ['port', { port: 2580 }],
    ['host', { host: '127.0.0.1' }],
    ['maxConnections', { maxConnections: 3 }],
    ['allowFrom', { allowFrom: ['10.0.0.0/8'] }],
    ['charset', { charset: 'ISO-8859-1' }],
    ['tls', { tls: { cert: 'server.crt', key: 'server.key' } }],
  ])('a source change (%s) restarts the listener', (_key, source) => {
    const [change] = diffChannels([plan('a')], [plan('a', {}, source)]);
    expect(change?.kind).toBe('restarted');
    expect(change?.changed).toEqual(['source']);
    expect(listenerActions(change!)).toEqual({ stop: true, start: true });
  });

  test('a source change of a disabled channel is an update (no listener to restart)', () => {
    expect(kinds([plan('a', { enabled: false })], [plan('a', { enabled: false }, { port: 2590 })])).toEqual({ a: 'updated' });
  });

  test.each([
    ['accept', { accept: ['DFT^P03', 'ADT^A04', 'ADT^A08'] }],
    ['processingIds', { processingIds: ['P'] }],
    ['duplicateWindowMs', { duplicates: { windowHours: 1 } }],
    ['routes', { routes: [{ types: ['DFT^P03', 'ADT^A04'], mapping: 'dft-p03' }] }],
    ['pipeline', { pipeline: { attempts: 2 } }],
    ['retention', { retention: { bodiesDays: 30 } }],
    ['alerts', { alerts: { deadLettersAbove: 0 } }],
    ['description', { description: 'the lab feed' }],
  ])('a change of %s is applied in place', (key, over) => {
    const [change] = diffChannels([plan('a')], [plan('a', over)]);
    expect(change?.kind).toBe('updated');
    expect(change?.changed).toEqual([key]);
    expect(listenerActions(change!)).toEqual({ stop: false, start: false });
  });

  test('set order does not count as a change; a source change with other changes restarts and lists both', () => {
    expect(kinds([plan('a')], [plan('a', { accept: ['ADT^A04', 'DFT^P03'] })])).toEqual({ a: 'unchanged' });
    const [change] = diffChannels([plan('a')], [plan('a', { accept: ['DFT^P03'], routes: [] }, { port: 2599 })]);
    expect(change?.kind).toBe('restarted');
    expect(change?.changed).toEqual(['accept', 'routes', 'source']);
  });

  test('changedKeys compares alerts by their parsed rules', () => {
    const hours = { alerts: { silenceMinutes: 30, businessHours: 'Mo-Fr 08:00-20:00', timezone: 'UTC' } };
    expect(changedKeys(plan('a', hours), plan('a', hours))).toEqual([]);
    expect(changedKeys(plan('a', hours), plan('a', { alerts: { ...hours.alerts, businessHours: 'Mo-Fr 09:00-20:00' } }))).toEqual(['alerts']);
  });
});

describe('ChannelRegistry', () => {
  test('answers the current plans; a removed channel keeps its last plan for lastKnown only', () => {
    const a1 = plan('a');
    const registry = new ChannelRegistry([a1, plan('b', {}, { port: 2576 })]);
    expect(registry.names()).toEqual(['a', 'b']);
    const a2 = plan('a', { accept: ['DFT^P03'], routes: [] });
    registry.replace([a2]);
    expect(registry.list).toEqual([a2]);
    expect(registry.get('a')).toBe(a2);
    expect(registry.get('b')).toBeUndefined();
    expect(registry.lastKnown('b')?.name).toBe('b');
    expect(registry.lastKnown('a')).toBe(a2);
    registry.replace([a2, plan('b', {}, { port: 2577 })]);
    expect(mllpSource(registry.lastKnown('b')!).port).toBe(2577);
  });
});

describe('unloadedMappingIssues', () => {
  test('names each route mapping the engine does not have live, at its channel file', () => {
    const issues = unloadedMappingIssues([plan('a'), plan('b', { routes: [] })], (name) => name !== 'dft-p03');
    expect(issues).toEqual([expect.objectContaining({ file: '/etc/rxb/channels/a.yaml', line: 0 })]);
    expect(issues[0]?.reason).toContain('mapping dft-p03 is not loaded');
    expect(unloadedMappingIssues([plan('a')], () => true)).toEqual([]);
  });
});
