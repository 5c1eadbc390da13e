/**
 * Channel destinations without services: the `destinations:` schema (defaults, errors at their line), the
 * transformers (passthrough, hl7 field edits with the delivery's MSH-10, json, fhir registry), the retry and
 * ordering decisions, and the mllp and http connectors' answer rules.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadChannels } from '../../src/channels/load';
import { ConfigError } from '../../src/core/config-file';
import { backoffDelay, settlementOf } from '../../src/destinations/delivery';
import { outcomeOfResponse, statusIn } from '../../src/destinations/http-connector';
import { encodeOutbound, outcomeOfAck } from '../../src/destinations/mllp-connector';
import { conditionHolds, transformMessage, type TransformInput } from '../../src/destinations/transform';
import { unknownFhirResource } from '../../src/destinations/transformers';
import { parseHl7 } from '../../src/hl7/parse';
import { deliveriesFor, orderKeyOf } from '../../src/store/deliveries';
import { evaluateAlerts } from '../../src/alerts/evaluate';
import { destinationReadings } from '../../src/engine/notices';

let root: string;
let n = 0;
beforeAll(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'rxb-dest-'));
  fs.mkdirSync(path.join(root, 'mappings'));
  fs.writeFileSync(path.join(root, 'mappings', 'dft-p03.yaml'), '# stub\n');
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

function load(lines: string[]) {
  const dir = path.join(root, `c${++n}`);
  fs.mkdirSync(dir);
  const text = ['name: lab', 'source:', '  type: mllp', '  port: 2600', 'accept: [DFT^P03, ADT^A04]', 'routes:', '  - types: [DFT^P03]',
    '    mapping: dft-p03', 'destinations:', ...lines, ''].join('\n');
  fs.writeFileSync(path.join(dir, 'lab.yaml'), text);
  return loadChannels({ dir, mappingsDir: path.join(root, 'mappings'), env: {} })[0]!;
}

function problems(lines: string[]): string[] {
  try {
    load(lines);
  } catch (err) {
    if (err instanceof ConfigError) return err.issues.map((i) => `${i.line}: ${i.reason}`);
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('destinations schema', () => {
  test('the complete examples of docs/channels.md are valid', () => {
    const doc = fs.readFileSync(path.join(__dirname, '../../docs/channels.md'), 'utf8');
    const section = doc.slice(doc.indexOf('### `destinations`'), doc.indexOf('#### Other connectors'));
    const examples = [...section.matchAll(/```yaml\ndestinations:\n([\s\S]*?)```/g)].map((m) => m[1]!.trimEnd().split('\n'));
    expect(examples).toHaveLength(2);
    const dir = path.join(root, `docs${++n}`);
    fs.mkdirSync(dir);
    for (const [i, lines] of examples.entries()) {
      const text = ['name: lab', 'source:', '  type: mllp', '  port: 2600', 'accept: [DFT^P03, RDE^O11, RDS^O13]', 'destinations:', ...lines, ''].join('\n');
      fs.writeFileSync(path.join(dir, `lab${i}.yaml`), text.replace('name: lab', `name: lab${i}`).replace('port: 2600', `port: ${2600 + i}`));
    }
    const plans = loadChannels({ dir, mappingsDir: path.join(root, 'mappings'), env: {} });
    expect(plans.map((p) => p.destinations.map((d) => `${d.name}:${d.connector.type}:${d.transform.kind}`))).toEqual([
      ['dispensing-copy:mllp:hl7'],
      ['analytics:http:json'],
    ]);
  });

  test('defaults: enabled, processed only, passthrough, fifo (one at a time), 20 attempts', () => {
    const plan = load(['  - name: copy', '    connector: { type: mllp, host: rx.example, port: 2575 }']);
    const d = plan.destinations[0]!;
    expect(d).toMatchObject({ name: 'copy', enabled: true, types: null, when: null, order: 'fifo', concurrency: 1 });
    expect([...d.statuses]).toEqual(['processed']);
    expect(d.transform).toEqual({ kind: 'passthrough' });
    expect(d.retry).toEqual({ attempts: 20, backoffMs: 1000, maxBackoffMs: 300_000 });
    expect(d.connector).toEqual({
      type: 'mllp',
      options: { host: 'rx.example', port: 2575, connectTimeoutMs: 10_000, answerTimeoutMs: 30_000, onApplicationError: 'retry', maxFrameBytes: 1_048_576 },
    });
  });

  test('the example of the fhir connector section is a valid destination with the FHIR transform', () => {
    const doc = fs.readFileSync(path.join(__dirname, '../../docs/channels.md'), 'utf8');
    const section = doc.slice(doc.indexOf('## The `fhir` connector'));
    const lines = /```yaml\ndestinations:\n([\s\S]*?)```/.exec(section)![1]!.trimEnd().split('\n');
    const dir = path.join(root, `docs${++n}`);
    fs.mkdirSync(dir);
    const text = ['name: iis', 'source:', '  type: mllp', '  port: 2700', 'accept: [VXU^V04]', 'destinations:', ...lines, ''].join('\n');
    fs.writeFileSync(path.join(dir, 'iis.yaml'), text);
    const plans = loadChannels({ dir, mappingsDir: path.join(root, 'mappings'), env: {} });
    expect(plans[0]!.destinations.map((d) => `${d.name}:${d.connector.type}:${d.transform.kind}`)).toEqual(['state-iis:fhir:fhir']);
  });

  test('an unknown connector type names the known ones; connector options are checked at their line', () => {
    expect(problems(['  - name: copy', '    connector:', '      type: pigeon'])).toEqual([
      '12: unknown connector type pigeon (known: fhir, file, http, mllp, registry-soap, sftp)',
    ]);
    expect(problems(['  - name: copy', '    connector:', '      type: mllp', '      host: h', '      port: 99999'])).toEqual([
      '14: port must be an integer from 1 to 65535',
    ]);
    expect(problems(['  - name: copy', '    connector:', '      type: http', '      url: http://h/x', '      verb: GET'])[0]).toMatch(/^14: unknown key "verb"/);
  });

  test('names are unique, types must be accepted, unknown keys and bad expressions are refused', () => {
    const c = '    connector: { type: mllp, host: h, port: 1 }';
    expect(problems(['  - name: a', c, '  - name: a', c])).toEqual(['12: destination a is already named by destinations[0]']);
    expect(problems(['  - name: a', '    types: [ORM^O01]', c])).toEqual([expect.stringMatching(/^11: destination type ORM\^O01 is not in accept/)]);
    expect(problems(['  - name: a', '    colour: red', c])[0]).toMatch(/^11: unknown key "colour"/);
    expect(problems(['  - name: a', '    when: PID-3 ~ x', c])[0]).toMatch(/^11: when: .*is not a condition/);
    expect(problems(['  - name: a', '    transform: { hl7: { set: { MSH-10: "\\"X\\"" } } }', c])[0]).toMatch(/MSH-10 is always the delivery's own control id/);
    expect(problems(['  - name: a', '    transform: { json: { id: $nope } }', c])[0]).toMatch(/unknown variable \$nope/);
    expect(problems(['  - name: a', '    transform: { fhir: Observation }', c])[0]).toMatch(/fhir: Observation is not a known FHIR builder/);
    expect(problems(['  - name: a', '    retry: { backoffMs: 5000, maxBackoffMs: 100 }', c])[0]).toMatch(/maxBackoffMs must be at least backoffMs/);
    expect(problems(['  - name: a', '    transform: { json: { id: MSH-10 } }', c])[0]).toMatch(/the mllp connector sends HL7 v2: use transform passthrough or hl7 \(not json\)/);
  });
});

const TEXT = ['MSH|^~\\&|PHARM|STORE1|HUB|HQ|20261206120000||DFT^P03|C-1|P|2.5.1', 'PID|1||MRN7^^^H^MR||DOE^JANE', 'FT1|1|||20261206||CG|90471'].join('\r') + '\r';

function input(controlId = 'RXB42'): TransformInput {
  return { text: TEXT, message: parseHl7(TEXT), messageId: '42', channel: 'lab', destination: 'copy', controlId };
}

describe('transformers', () => {
  test('passthrough sends the message as received, its own MSH-10 as control id', () => {
    const p = transformMessage({ kind: 'passthrough' }, input());
    expect(p).toMatchObject({ format: 'hl7v2', body: TEXT, controlId: 'C-1', deliveryKey: '42:copy', contentType: 'application/hl7-v2' });
  });

  test('hl7 sets fields from expressions and always the delivery control id in MSH-10', () => {
    const plan = load([
      '  - name: copy',
      '    transform:',
      '      hl7:',
      '        set:',
      '          MSH-5: \'"RECEIVER"\'',
      '          MSH-6: $channel',
      '          PID-5.2: \'"JO|HN"\'',
      '          FT1-20.3: PID-3.1',
      '    connector: { type: mllp, host: h, port: 1 }',
    ]).destinations[0]!;
    const p = transformMessage(plan.transform, input());
    const lines = p.body.split('\r');
    expect(lines[0]).toBe('MSH|^~\\&|PHARM|STORE1|RECEIVER|lab|20261206120000||DFT^P03|RXB42|P|2.5.1');
    expect(lines[1]).toBe('PID|1||MRN7^^^H^MR||DOE^JO\\F\\HN');
    expect(lines[2]).toBe('FT1|1|||20261206||CG|90471|||||||||||||^^MRN7');
    expect(p.controlId).toBe('RXB42');
    // The same delivery gives the same body on every try.
    expect(transformMessage(plan.transform, input()).body).toBe(p.body);
  });

  test('json builds an object of expressions, leaving empty values out', () => {
    const plan = load([
      '  - name: j',
      '    transform:',
      '      json:',
      '        id: $messageId',
      '        patient: { mrn: PID-3.1, family: PID-5.1, middle: PID-5.3 }',
      '        kind: \'"charge"\'',
      '    connector: { type: http, url: "http://h/x" }',
    ]).destinations[0]!;
    const p = transformMessage(plan.transform, input());
    expect(JSON.parse(p.body)).toEqual({ id: '42', patient: { mrn: 'MRN7', family: 'DOE' }, kind: 'charge' });
    expect(p.contentType).toBe('application/json');
  });

  test('when: conditions of the mapping language', () => {
    const plan = (when: string) =>
      load(['  - name: w', `    when: ${JSON.stringify(when)}`, '    connector: { type: mllp, host: h, port: 1 }']).destinations[0]!.when!;
    expect(conditionHolds(plan('MSH-4 = STORE1'), input())).toBe(true);
    expect(conditionHolds(plan('MSH-4 in [STORE2, STORE3]'), input())).toBe(false);
    expect(conditionHolds(plan('PID-5.3 is empty'), input())).toBe(true);
  });

  test('fhir: the R4 builders are there; an unknown resource names them', () => {
    expect(unknownFhirResource('Patient')).toBeUndefined();
    expect(unknownFhirResource('Immunization')).toBeUndefined();
    expect(unknownFhirResource('Observation')).toMatch(/not a known FHIR builder \(known: Bundle, Coverage, Immunization, MedicationDispense, Patient\)/);
  });
});

describe('retry and order decisions', () => {
  const retry = { attempts: 4, backoffMs: 1000, maxBackoffMs: 5000 };
  test('backoff doubles per attempt and is capped', () => {
    expect([1, 2, 3, 4, 5, 60].map((a) => backoffDelay(retry, a))).toEqual([1000, 2000, 4000, 5000, 5000, 5000]);
  });
  test('with the default retry, a receiver down for 10 minutes is still being tried, and is tried again within 5 minutes of its return', () => {
    const defaults = { attempts: 20, backoffMs: 1000, maxBackoffMs: 300_000 };
    let elapsed = 0;
    let attempt = 1;
    // Each try fails while the receiver is down; the next comes after the backoff.
    for (; elapsed < 600_000; attempt++) {
      const s = settlementOf(defaults, attempt, { kind: 'retry', error: 'connection refused' });
      expect(s.kind).toBe('retry');
      elapsed += (s as { delayMs: number }).delayMs;
    }
    expect(attempt).toBeLessThan(defaults.attempts); // tries left for when it is back
    expect(backoffDelay(defaults, attempt)).toBeLessThanOrEqual(300_000);
    // Given up only after about an hour of failures.
    let total = 0;
    for (let a = 1; a < defaults.attempts; a++) total += backoffDelay(defaults, a);
    expect(total).toBeGreaterThan(3_400_000);
  });
  test('retry until attempts run out, then a dead letter; rejected at once', () => {
    expect(settlementOf(retry, 1, { kind: 'retry', error: 'x' })).toEqual({ kind: 'retry', error: 'x', delayMs: 1000 });
    expect(settlementOf(retry, 4, { kind: 'retry', error: 'x' })).toEqual({ kind: 'failed', code: 'DESTINATION_GAVE_UP', error: 'after 4 attempts: x' });
    expect(settlementOf(retry, 1, { kind: 'rejected', error: 'AR' })).toEqual({ kind: 'failed', code: 'DESTINATION_REJECTED', error: 'AR' });
    expect(settlementOf(retry, 1, { kind: 'delivered', detail: 'AA' })).toEqual({ kind: 'delivered', detail: 'AA' });
  });
  test('order keys: fifo holds the whole destination, patient the patient, none nothing', () => {
    expect(orderKeyOf('fifo', 'p1')).toBe('');
    expect(orderKeyOf('patient', 'p1')).toBe('p1');
    expect(orderKeyOf('patient', null)).toBe('');
    expect(orderKeyOf('none', 'p1')).toBeNull();
  });
  test('the feeder picks messages by type and final status per destination', () => {
    const all = { name: 'all', types: null, statuses: new Set(['processed', 'error']), order: 'fifo' as const };
    const adt = { name: 'adt', types: new Set(['ADT^A04']), statuses: new Set(['processed']), order: 'patient' as const };
    const out = deliveriesFor(
      [
        { id: '1', status: 'processed', messageType: 'ADT^A04', patientKey: 'k1' },
        { id: '2', status: 'error', messageType: 'DFT^P03', patientKey: 'k2' },
        { id: '3', status: 'filtered', messageType: 'ADT^A04', patientKey: 'k3' },
      ],
      [all, adt],
    );
    expect(out).toEqual([
      { messageId: '1', destination: 'all', orderKey: '' },
      { messageId: '1', destination: 'adt', orderKey: 'k1' },
      { messageId: '2', destination: 'all', orderKey: '' },
    ]);
  });
});

describe('mllp encoding', () => {
  const msg = (msh18: string) => `MSH|^~\\&|A|B|C|D|20261207||ADT^A08|X1|P|2.5.1||||||${msh18}\rPID|1||1||MÜLLER^JOSÉ€\r`;
  test('the set MSH-18 names: ISO-8859-1 and windows-1252 one byte each, UTF-8 otherwise', () => {
    expect(encodeOutbound(msg('8859/1')).toString('latin1')).toContain('MÜLLER^JOSÉ?');
    expect(encodeOutbound(msg('8859/1')).length).toBe(msg('8859/1').length);
    expect(encodeOutbound(msg('CP1252')).includes(Buffer.from([0x80]))).toBe(true);
    expect(encodeOutbound(msg('UNICODE UTF-8')).toString('utf8')).toBe(msg('UNICODE UTF-8'));
    expect(encodeOutbound(msg('')).toString('utf8')).toBe(msg(''));
  });
});

describe('connector answers', () => {
  const ack = (code: string, id: string) => `MSH|^~\\&|R|R|S|S|20261206||ACK|A1|P|2.5.1\rMSA|${code}|${id}\rERR|||207^x\r`;
  test('mllp: MSA-2 must match; AA delivered, AR rejected, AE retried unless onApplicationError is reject', () => {
    expect(outcomeOfAck(ack('AA', 'C1'), 'C1', 'retry')).toEqual({ kind: 'delivered', detail: 'AA (MSA-2 C1)' });
    expect(outcomeOfAck(ack('AA', 'C0'), 'C1', 'retry').kind).toBe('retry');
    expect(outcomeOfAck(ack('AR', 'C1'), 'C1', 'retry')).toEqual({ kind: 'rejected', error: 'receiver answered AR (ERR-3 207)' });
    expect(outcomeOfAck(ack('AE', 'C1'), 'C1', 'retry').kind).toBe('retry');
    expect(outcomeOfAck(ack('AE', 'C1'), 'C1', 'reject').kind).toBe('rejected');
    expect(outcomeOfAck('MSH|^~\\&|R\r', 'C1', 'retry').kind).toBe('retry');
  });
  test('http: success list and body rule, retry list, anything else rejected', () => {
    const o = { successStatuses: ['200-299', 302], retryStatuses: [408, 429, '500-599'], bodyMustMatch: '"ok":true' };
    expect(statusIn(o.successStatuses, 204)).toBe(true);
    expect(outcomeOfResponse(o, 200, '{"ok":true}')).toEqual({ kind: 'delivered', detail: 'HTTP 200' });
    expect(outcomeOfResponse(o, 200, '{"ok":false}').kind).toBe('retry');
    expect(outcomeOfResponse(o, 503, '').kind).toBe('retry');
    expect(outcomeOfResponse(o, 422, '')).toEqual({ kind: 'rejected', error: 'HTTP 422' });
  });
});

describe('destination alerts', () => {
  const now = new Date('2026-12-07T10:00:00Z');
  const rules = { timeZone: 'UTC', destinationFailuresAbove: 0, destinationQueueAbove: 100 };
  const reading = (failed: number, largestQueue: number) => ({
    open: 0,
    deadLetters: 0,
    lastReceivedAt: now,
    destinations: { failed, largestQueue, largestQueueName: 'pharmacy-copy' },
  });

  test('failed deliveries and a destination queue above their limits raise alerts; back under, they clear', () => {
    const first = evaluateAlerts({ now, startedAt: now, channels: [{ name: 'lab', rules, reading: reading(2, 150) }], active: new Map() });
    expect(first.raised.map((a) => [a.kind, a.value, a.message])).toEqual([
      ['destination-failures', 2, 'channel lab: 2 failed deliveries to destinations (limit: more than 0)'],
      ['destination-queue', 150, 'channel lab: 150 deliveries waiting for destination pharmacy-copy (limit: more than 100)'],
    ]);
    const second = evaluateAlerts({ now, startedAt: now, channels: [{ name: 'lab', rules, reading: reading(0, 3) }], active: first.active });
    expect(second.cleared.map((a) => a.kind)).toEqual(['destination-failures', 'destination-queue']);
  });

  test('readings per channel: failures added up, the largest queue named', () => {
    const r = destinationReadings([
      { channel: 'lab', destination: 'a', open: 5, failed: 1, delivered: 0, lastError: null, lastErrorAt: null },
      { channel: 'lab', destination: 'b', open: 9, failed: 2, delivered: 0, lastError: null, lastErrorAt: null },
    ]);
    expect(r.get('lab')).toEqual({ failed: 3, largestQueue: 9, largestQueueName: 'b' });
  });

  test('the channel file takes the two rules alone', () => {
    const plan = load(['  - name: a', '    connector: { type: mllp, host: h, port: 1 }', 'alerts: { destinationQueueAbove: 10 }']);
    expect(plan.alerts).toMatchObject({ destinationQueueAbove: 10 });
  });
});
