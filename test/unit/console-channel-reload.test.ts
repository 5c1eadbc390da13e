import { issueLocation, outcomeTone, reloadSummary, type ChannelReloadEntry } from '../../src/console/channel-reload';

const entry = (name: string, outcome: ChannelReloadEntry['outcome']): ChannelReloadEntry => ({ name, outcome, changed: [] });

describe('console channel reload', () => {
  it('places an issue as file:line:col, or the file alone for a whole-file issue', () => {
    expect(issueLocation({ file: '/etc/rxb/channels/lab.yaml', line: 7, col: 3, reason: 'x' })).toBe('/etc/rxb/channels/lab.yaml:7:3');
    expect(issueLocation({ file: '/etc/rxb/channels/lab.yaml', line: 0, col: 0, reason: 'x' })).toBe('/etc/rxb/channels/lab.yaml');
  });

  it('sums the outcomes up, failures first', () => {
    expect(reloadSummary([entry('a', 'unchanged'), entry('b', 'updated'), entry('c', 'unchanged'), entry('d', 'failed')]))
      .toBe('1 failed, 1 updated, 2 unchanged');
    expect(reloadSummary([])).toBe('no channel');
  });

  it('tones: failed is an error, a channel that stops listening a warning, unchanged nothing', () => {
    expect(outcomeTone('failed')).toBe('error');
    expect(outcomeTone('removed')).toBe('warn');
    expect(outcomeTone('disabled')).toBe('warn');
    expect(outcomeTone('updated')).toBe('ok');
    expect(outcomeTone('unchanged')).toBe('muted');
  });
});
