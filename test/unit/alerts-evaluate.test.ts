/**
 * The alert rules, pure: the business-hours grammar and clock, and the evaluator (thresholds, silence counted in
 * business hours only, each alert raised once and cleared once), plus the channel-file `alerts` block.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { businessWindowStart, parseBusinessHours, weekMinute } from '../../src/alerts/business-hours';
import { evaluateAlerts, type Alert, type AlertReading, type ChannelAlertRules, type EvaluationInput } from '../../src/alerts/evaluate';
import { alertPayload } from '../../src/alerts/webhook';
import { loadChannels } from '../../src/channels/load';
import { ConfigError } from '../../src/core/config-file';

describe('business hours', () => {
  it('parses day ranges, single days and several entries into week windows', () => {
    const h = parseBusinessHours('Mo-Fr 08:00-20:00, Sa 09:00-13:00');
    expect(h.windows).toHaveLength(6);
    expect(h.windows[0]).toEqual({ start: 8 * 60, end: 20 * 60 });
    expect(h.windows[5]).toEqual({ start: 5 * 1440 + 9 * 60, end: 5 * 1440 + 13 * 60 });
    // Fr-Mo wraps over the week-end; whole days touch, so Friday to Sunday is one window.
    expect(parseBusinessHours('Fr-Mo 00:00-24:00').windows).toEqual([{ start: 0, end: 1440 }, { start: 4 * 1440, end: 7 * 1440 }]);
    expect(parseBusinessHours('Mo 08:00-12:00, Mo 12:00-18:00').windows).toEqual([{ start: 480, end: 1080 }]);
  });

  it('refuses what it cannot read, saying why', () => {
    expect(() => parseBusinessHours('Mo-Fx 08:00-20:00')).toThrow(/"Fx" is not a day/);
    expect(() => parseBusinessHours('weekdays 8-20')).toThrow(/is not like "Mo-Fr 08:00-20:00"/);
    expect(() => parseBusinessHours('Mo-Fr 20:00-08:00')).toThrow(/end must be later than the start/);
    expect(() => parseBusinessHours('Mo 08:00-24:30')).toThrow(/00:00 to 24:00/);
    expect(() => parseBusinessHours('Mo 08:00-09:00,')).toThrow(/entries/);
  });

  it('reads the wall clock of the time zone, daylight saving included', () => {
    // Wednesday 2026-01-14 13:30 UTC: 08:30 in New York (EST, UTC-5), 14:30 in Berlin (CET).
    const winter = new Date('2026-01-14T13:30:00Z');
    expect(weekMinute('America/New_York', winter)).toBe(2 * 1440 + 8 * 60 + 30);
    expect(weekMinute('Europe/Berlin', winter)).toBe(2 * 1440 + 14 * 60 + 30);
    // Wednesday 2026-07-15 12:30 UTC: 08:30 in New York (EDT, UTC-4).
    expect(weekMinute('America/New_York', new Date('2026-07-15T12:30:00Z'))).toBe(2 * 1440 + 8 * 60 + 30);
  });

  it('gives the start of the window that holds now, or null outside business hours', () => {
    const h = parseBusinessHours('Mo-Fr 08:00-20:00');
    expect(businessWindowStart(h, 'America/New_York', new Date('2026-01-14T13:30:15Z'))?.toISOString()).toBe('2026-01-14T13:00:00.000Z');
    expect(businessWindowStart(h, 'America/New_York', new Date('2026-01-14T12:59:00Z'))).toBeNull(); // 07:59
    expect(businessWindowStart(h, 'America/New_York', new Date('2026-01-17T15:00:00Z'))).toBeNull(); // Saturday
    expect(businessWindowStart(h, 'UTC', new Date('2026-01-14T19:59:59Z'))?.toISOString()).toBe('2026-01-14T08:00:00.000Z');
    expect(businessWindowStart(h, 'UTC', new Date('2026-01-14T20:00:00Z'))).toBeNull();
  });
});

describe('evaluateAlerts', () => {
  const MIN = 60_000;
  // Wednesday 2026-01-14, 09:00 UTC.
  const wed9 = new Date('2026-01-14T09:00:00Z');
  const at = (base: Date, minutes: number) => new Date(base.getTime() + minutes * MIN);
  const rules = (r: Partial<ChannelAlertRules>): ChannelAlertRules => ({ timeZone: 'UTC', ...r });
  const reading = (r: Partial<AlertReading> = {}): AlertReading => ({ open: 0, deadLetters: 0, lastReceivedAt: null, ...r });

  /** Runs evaluations in sequence, each from the active set the previous one left. */
  function run(steps: Array<Omit<EvaluationInput, 'active' | 'startedAt'>>, startedAt = at(wed9, -600)) {
    let active = new Map<string, Alert>();
    return steps.map((step) => {
      const result = evaluateAlerts({ ...step, startedAt, active });
      active = result.active;
      return { raised: result.raised.map((a) => a.id), cleared: result.cleared.map((a) => a.id), active: [...active.keys()], result };
    });
  }

  it('raises a threshold alert once, follows its value, and clears it once', () => {
    const ch = (deadLetters: number, open: number) => [{ name: 'lab', rules: rules({ deadLettersAbove: 2, queueDepthAbove: 100 }), reading: reading({ deadLetters, open }) }];
    const steps = run([
      { now: wed9, channels: ch(2, 100) },
      { now: at(wed9, 1), channels: ch(3, 50) },
      { now: at(wed9, 2), channels: ch(5, 101) },
      { now: at(wed9, 3), channels: ch(5, 101) },
      { now: at(wed9, 4), channels: ch(1, 0) },
      { now: at(wed9, 5), channels: ch(0, 0) },
    ]);
    expect(steps.map((s) => [s.raised, s.cleared])).toEqual([
      [[], []],
      [['lab:dead-letters'], []],
      [['lab:queue-depth'], []],
      [[], []],
      [[], ['lab:dead-letters', 'lab:queue-depth']],
      [[], []],
    ]);
    const held = steps[2]!.result.active.get('lab:dead-letters')!;
    expect(held).toMatchObject({ value: 5, threshold: 2, since: at(wed9, 1).toISOString(), kind: 'dead-letters', channel: 'lab' });
    expect(held.message).toBe('channel lab: 5 dead letters (limit: more than 2)');
    expect(steps[4]!.result.cleared[0]!.message).toBe('channel lab: 1 dead letter (limit: more than 2)');
  });

  it('counts silence from the newest message, inside business hours only, and clears it when messages come again', () => {
    const r = rules({ silenceMinutes: 30, businessHours: parseBusinessHours('Mo-Fr 08:00-20:00') });
    const ch = (last: Date | null) => [{ name: 'rx', rules: r, reading: reading({ lastReceivedAt: last }) }];
    const last = at(wed9, -10); // 08:50
    const steps = run([
      { now: at(wed9, 19), channels: ch(last) }, // 29 minutes: not yet
      { now: at(wed9, 20), channels: ch(last) }, // 30 minutes: raised
      { now: at(wed9, 50), channels: ch(last) }, // still silent: nothing new
      { now: at(wed9, 51), channels: ch(at(wed9, 51)) }, // a message: cleared
    ]);
    expect(steps.map((s) => [s.raised, s.cleared])).toEqual([[[], []], [['rx:silence'], []], [[], []], [[], ['rx:silence']]]);
    expect(steps[1]!.result.raised[0]).toMatchObject({ value: 30, threshold: 30 });
    expect(steps[1]!.result.raised[0]!.message).toBe('channel rx: no message received for 30 minutes (limit 30, business hours Mo-Fr 08:00-20:00 UTC)');
    expect(steps[2]!.result.active.get('rx:silence')!.value).toBe(60);
    expect(steps[3]!.result.cleared[0]!.message).toBe('channel rx: messages are arriving again');
  });

  it('does not count the night: silence starts at the opening of the business window', () => {
    const r = rules({ silenceMinutes: 30, businessHours: parseBusinessHours('Mo-Fr 08:00-20:00') });
    const friday = new Date('2026-01-16T19:00:00Z');
    const monday8 = new Date('2026-01-19T08:00:00Z');
    const ch = [{ name: 'rx', rules: r, reading: reading({ lastReceivedAt: friday }) }];
    const steps = run([
      { now: new Date('2026-01-17T12:00:00Z'), channels: ch }, // Saturday: outside business hours
      { now: at(monday8, 29), channels: ch },
      { now: at(monday8, 30), channels: ch },
    ], new Date('2026-01-01T00:00:00Z'));
    expect(steps.map((s) => s.raised)).toEqual([[], [], ['rx:silence']]);
    expect(steps[2]!.result.raised[0]!.value).toBe(30);
  });

  it('keeps a silence alert over closing time and the night until a message arrives', () => {
    const r = rules({ silenceMinutes: 30, businessHours: parseBusinessHours('Mo-Fr 08:00-20:00') });
    const last = new Date('2026-01-14T19:00:00Z');
    const ch = (l: Date) => [{ name: 'rx', rules: r, reading: reading({ lastReceivedAt: l }) }];
    const steps = run([
      { now: new Date('2026-01-14T19:45:00Z'), channels: ch(last) }, // raised
      { now: new Date('2026-01-14T23:00:00Z'), channels: ch(last) }, // night: held
      { now: new Date('2026-01-15T08:05:00Z'), channels: ch(last) }, // next window, 5 min in: held, not cleared
      { now: new Date('2026-01-15T08:06:00Z'), channels: ch(new Date('2026-01-15T08:06:00Z')) },
    ], new Date('2026-01-01T00:00:00Z'));
    expect(steps.map((s) => [s.raised, s.cleared, s.active])).toEqual([
      [['rx:silence'], [], ['rx:silence']],
      [[], [], ['rx:silence']],
      [[], [], ['rx:silence']],
      [[], ['rx:silence'], []],
    ]);
  });

  it('without business hours counts silence all the time, from the monitor start at the earliest', () => {
    const started = new Date('2026-01-18T03:00:00Z'); // a Sunday night
    const ch = [{ name: 'rx', rules: rules({ silenceMinutes: 15 }), reading: reading({ lastReceivedAt: null }) }];
    const steps = run([{ now: at(started, 14), channels: ch }, { now: at(started, 15), channels: ch }], started);
    expect(steps.map((s) => s.raised)).toEqual([[], ['rx:silence']]);
  });

  it('keeps the alerts of a channel without a reading as they are', () => {
    const r = rules({ deadLettersAbove: 0 });
    const steps = run([
      { now: wed9, channels: [{ name: 'lab', rules: r, reading: reading({ deadLetters: 1 }) }] },
      { now: at(wed9, 1), channels: [{ name: 'lab', rules: r, reading: undefined }] },
    ]);
    expect(steps.map((s) => [s.raised, s.cleared, s.active])).toEqual([[['lab:dead-letters'], [], ['lab:dead-letters']], [[], [], ['lab:dead-letters']]]);
  });

  it('makes webhook payloads with a sentence a chat webhook can show', () => {
    const alert: Alert = { id: 'lab:dead-letters', channel: 'lab', kind: 'dead-letters', since: wed9.toISOString(), value: 3, threshold: 2, message: 'channel lab: 3 dead letters (limit: more than 2)' };
    expect(alertPayload('raised', alert)).toEqual({ source: 'rxbridge', event: 'raised', alert, text: 'RxBridge alert: channel lab: 3 dead letters (limit: more than 2)' });
    expect(alertPayload('cleared', alert).text).toMatch(/^RxBridge alert cleared: /);
  });
});

describe('the channel file alerts block', () => {
  const base = `name: lab
source: { type: mllp, port: 2599 }
accept: [ORU^R01]
`;
  function load(alerts: string) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rxb-alerts-'));
    fs.mkdirSync(path.join(dir, 'mappings'));
    fs.writeFileSync(path.join(dir, 'lab.yaml'), base + alerts);
    try {
      return loadChannels({ dir, mappingsDir: path.join(dir, 'mappings'), env: {} });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
  const issues = (alerts: string): string[] => {
    try {
      load(alerts);
    } catch (err) {
      if (err instanceof ConfigError) return err.issues.map((i) => `${i.line}:${i.col}: ${i.reason}`);
      throw err;
    }
    return [];
  };

  it('is optional, and builds the plan with the business hours parsed', () => {
    expect(load('')[0]!.alerts).toBeNull();
    const plan = load(`alerts:
  silenceMinutes: 30
  businessHours: "Mo-Fr 08:00-20:00"
  timezone: America/Chicago
  deadLettersAbove: 10
  queueDepthAbove: 5000
  webhook: https://hooks.example.org/rxbridge
`)[0]!.alerts!;
    expect(plan).toMatchObject({ silenceMinutes: 30, timeZone: 'America/Chicago', deadLettersAbove: 10, queueDepthAbove: 5000, webhook: 'https://hooks.example.org/rxbridge' });
    expect(plan.businessHours!.windows).toHaveLength(5);
    expect(load('alerts: { deadLettersAbove: 0 }\n')[0]!.alerts!.timeZone).toBe(Intl.DateTimeFormat().resolvedOptions().timeZone);
  });

  it('reports bad values at their line and column', () => {
    expect(issues('alerts:\n  silenceMinutes: 30\n  businessHours: "Mo-Fx 08:00-20:00"\n')).toEqual(['6:18: businessHours: "Fx" is not a day: use Mo Tu We Th Fr Sa Su']);
    expect(issues('alerts:\n  silenceMinutes: 30\n  timezone: Mars/Olympus\n')).toEqual([
      '6:13: timezone must be an IANA time zone name such as America/Chicago, Europe/Berlin or UTC']);
    expect(issues('alerts:\n  deadLettersAbove: 1\n  webhook: ftp://example.org/x\n')).toEqual(['6:12: webhook must be an http:// or https:// URL']);
    expect(issues('alerts:\n  deadLettersAbove: -1\n')).toEqual(['5:21: deadLettersAbove must be an integer from 0 to 1000000']);
    expect(issues('alerts:\n  silenceMinuts: 5\n')[0]).toMatch(/^5:3: unknown key "silenceMinuts"/);
    expect(issues('alerts:\n  webhook: https://example.org/x\n')).toEqual(['5:3: alerts needs at least one of silenceMinutes, deadLettersAbove, queueDepthAbove']);
    expect(issues('alerts:\n  deadLettersAbove: 1\n  businessHours: "Mo-Fr 08:00-20:00"\n')).toEqual([
      '6:18: businessHours applies to silenceMinutes only: set silenceMinutes or remove it']);
  });
});
