import { describeApplicationAck, stageEventLine, type ApplicationAck } from '../../src/console/application-ack';
import { toneClass } from '../../src/console/tone';

const at = (iso: string) => `<${iso}>`;
const base: ApplicationAck = {
  requested: 'AL', state: 'open', attempts: 0, next_attempt_at: null, ack_code: null, ack_control_id: null, last_error: null, sent_at: null,
};

describe('console application ACK line', () => {
  it('reads a delivered ACK with its code, MSH-10 and time; an AE as a warning', () => {
    const sent = { ...base, state: 'sent' as const, attempts: 1, ack_code: 'AA' as const, ack_control_id: 'ACK-1', sent_at: '2026-12-06T12:00:00Z' };
    expect(describeApplicationAck(sent, at)).toEqual({ text: 'sent AA (MSH-10 ACK-1) at <2026-12-06T12:00:00Z>', tone: 'ok' });
    expect(describeApplicationAck({ ...sent, ack_code: 'AE' }, at)).toEqual({ text: 'sent AE (MSH-10 ACK-1) at <2026-12-06T12:00:00Z>', tone: 'warn' });
    expect(describeApplicationAck({ ...sent, ack_code: null, ack_control_id: null, sent_at: null }, at).text).toBe('sent');
  });

  it('reads an open request: not tried yet, in flight, or waiting for its next try after an error', () => {
    expect(describeApplicationAck(base, at)).toEqual({ text: 'open, not sent yet', tone: 'muted' });
    expect(describeApplicationAck({ ...base, attempts: 1, next_attempt_at: '2026-12-06T12:09:00Z' }, at))
      .toEqual({ text: 'open, attempt 1', tone: 'muted' });
    expect(describeApplicationAck({ ...base, attempts: 2, last_error: 'connect ECONNREFUSED', next_attempt_at: '2026-12-06T12:00:10Z' }, at))
      .toEqual({ text: 'open, attempt 2, last error: connect ECONNREFUSED, next try at <2026-12-06T12:00:10Z>', tone: 'warn' });
  });

  it('reads a request given up and one that needed no ACK', () => {
    expect(describeApplicationAck({ ...base, state: 'failed', attempts: 3, last_error: 'answered CR' }, at))
      .toEqual({ text: 'failed after 3 attempts: answered CR', tone: 'error' });
    expect(describeApplicationAck({ ...base, state: 'failed', attempts: 1 }, at).text).toBe('failed after 1 attempt: no reason recorded');
    expect(describeApplicationAck({ ...base, requested: 'ER', state: 'not_needed' }, at)).toEqual({ text: 'not needed', tone: 'muted' });
  });
});

describe('console timeline: application ACK events', () => {
  it('labels the stage and drops the repeated words of the engine\'s detail', () => {
    expect(stageEventLine({ stage: 'application_ack', code: 'AA', detail: 'application ACK AA delivered (MSH-10 ACK-1)' }))
      .toEqual({ label: 'application ACK', tone: 'ok', text: 'AA delivered (MSH-10 ACK-1)' });
    expect(stageEventLine({ stage: 'application_ack', code: 'AE', detail: 'application ACK AE delivered (MSH-10 ACK-2)' })?.tone).toBe('warn');
    expect(stageEventLine({ stage: 'application_ack', code: 'APPLICATION_ACK_NOT_DELIVERED', detail: 'application ACK not delivered, next try in 5 s: timeout' }))
      .toEqual({ label: 'application ACK', tone: 'warn', text: 'not delivered, next try in 5 s: timeout' });
    expect(stageEventLine({ stage: 'application_ack', code: 'APPLICATION_ACK_NOT_DELIVERED', detail: 'application ACK given up: answered CR' }))
      .toEqual({ label: 'application ACK', tone: 'error', text: 'given up: answered CR' });
    expect(stageEventLine({ stage: 'application_ack', code: null, detail: 'no application ACK: MSH-16 ER and the message ended processed' }))
      .toEqual({ label: 'application ACK', tone: 'muted', text: 'no application ACK: MSH-16 ER and the message ended processed' });
  });

  it('leaves every other event to be shown as a status change', () => {
    expect(stageEventLine({ stage: 'write', code: null, detail: '1 charge' })).toBeUndefined();
    expect(stageEventLine({ stage: null, code: null, detail: null })).toBeUndefined();
  });

  it('maps tones to badge classes', () => {
    expect(['ok', 'warn', 'error', 'muted'].map((t) => toneClass(t as never)))
      .toEqual(['badge status-ok', 'badge status-waiting', 'badge status-error', 'badge']);
  });
});
