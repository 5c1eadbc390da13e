import path from 'node:path';
import { EngineError } from '../../src/core/errors';
import type { ChargeRecord, CoverageRecord, MappedRecords, PatientRecord } from '../../src/mappings/records';
import { compileMapping, type MappingPlan } from '../../src/mappings/compile';
import { loadMappings } from '../../src/mappings/load';
import { mappingFileSchema } from '../../src/mappings/schema';
import type { ClaimResult, Completion, FailureRecord, MessagesPort as MessageStorePort, WorkItem } from '../../src/pipeline/ports';
import { evaluate, MAPPING_SLICE_MS, ORDER_WAIT_MS, processBatch, type ChannelRuntime, type ProcessDeps } from '../../src/pipeline/process';

const plans = loadMappings(path.join(__dirname, '../../mappings'), {});

// ---------------------------------------------------------------------------------------------------------------
// An in-memory MessageStorePort with the claim/complete semantics the port documents.

interface StoredMessage {
  id: string;
  channel: string;
  status: 'received' | 'processing' | 'processed' | 'filtered' | 'error' | 'rejected' | 'duplicate';
  sender: string;
  controlId: string;
  messageType: string;
  patientKey: string | null;
  attempts: number;
  content: string;
  filterReason?: string;
  failure?: FailureRecord;
}

const FINAL = new Set(['processed', 'filtered', 'error', 'rejected', 'duplicate']);
const OPEN = new Set(['received', 'processing']);

class MemoryStore implements MessageStorePort {
  readonly messages = new Map<string, StoredMessage>();
  readonly charges = new Map<string, ChargeRecord>();
  /** By patientRef, and by patientRef|planId; a record with an older asOf does not replace a stored one. */
  readonly patients = new Map<string, PatientRecord>();
  readonly coverages = new Map<string, CoverageRecord>();
  readonly calls: string[] = [];
  readonly retries: Array<{ id: string; failure: FailureRecord; delayMs: number }> = [];
  /** Replace to make completeWithRecords fail (e.g. a reversal whose target is not recorded yet). */
  completeWithRecordsHook: ((id: string) => void) | undefined;

  add(m: Partial<StoredMessage> & { id: string; content: string }): void {
    this.messages.set(m.id, {
      channel: 'pharmacy-inbound', status: 'received', sender: 'RXSYS|PHARM01', controlId: `CTL-${m.id}`, messageType: 'DFT^P03',
      patientKey: null, attempts: 0, ...m,
    });
  }

  get(id: string): StoredMessage {
    const m = this.messages.get(id);
    if (!m) throw new Error(`no message ${id}`);
    return m;
  }

  async recordInbound(): Promise<never> { throw new Error('not used'); }
  async prepareReplay(): Promise<never> { throw new Error('not used'); }
  async openMessageIds(): Promise<never> { throw new Error('not used'); }

  async releaseClaims(ids: readonly string[]): Promise<void> {
    this.calls.push(`releaseClaims:${ids.join(',')}`);
    for (const id of ids) this.get(id).attempts -= 1;
  }

  async claimMany(ids: readonly string[]): Promise<Map<string, ClaimResult>> {
    this.calls.push(`claimMany:${ids.join(',')}`);
    const out = new Map<string, ClaimResult>();
    for (const id of ids) {
      const m = this.messages.get(id);
      if (!m || FINAL.has(m.status)) { out.set(id, { kind: 'final' }); continue; }
      const blocked = m.patientKey !== null && [...this.messages.values()].some((o) =>
        o.patientKey === m.patientKey && Number(o.id) < Number(id) && OPEN.has(o.status) && !ids.includes(o.id));
      if (blocked) { out.set(id, { kind: 'wait', patientKey: m.patientKey }); continue; }
      m.status = 'processing';
      m.attempts += 1;
      const item: WorkItem = {
        id, channel: m.channel, status: m.status, sender: m.sender, controlId: m.controlId, messageType: m.messageType,
        patientKey: m.patientKey, attempts: m.attempts, content: m.content,
      };
      out.set(id, { kind: 'claimed', item });
    }
    return out;
  }

  private insert({ charges, patients, coverages }: MappedRecords): number {
    const newer = (stored: { asOf: string } | undefined, next: { asOf: string }) => !stored || Date.parse(stored.asOf) <= Date.parse(next.asOf);
    for (const p of patients) if (newer(this.patients.get(p.patientRef), p)) this.patients.set(p.patientRef, p);
    for (const c of coverages) {
      const key = `${c.patientRef}|${c.planId}`;
      if (newer(this.coverages.get(key), c)) this.coverages.set(key, c);
    }
    let n = 0;
    for (const c of charges) {
      if (this.charges.has(c.sourceKey)) continue;
      this.charges.set(c.sourceKey, c);
      n++;
    }
    return n;
  }

  async completeMany(done: ReadonlyArray<Completion>): Promise<number> {
    this.calls.push(`completeMany:${done.map((d) => d.id).join(',')}`);
    let n = 0;
    for (const d of done) {
      const m = this.get(d.id);
      if (m.status !== 'processing') continue;
      if (d.status === 'processed') {
        if (d.records.charges.some((c) => c.kind !== 'charge')) throw new Error('completeMany takes plain charges only');
        m.status = 'processed';
        n += this.insert(d.records);
      } else {
        m.status = 'filtered';
        m.filterReason = d.reason;
      }
    }
    return n;
  }

  async completeWithRecords(id: string, records: MappedRecords): Promise<number> {
    this.calls.push(`completeWithRecords:${id}`);
    this.completeWithRecordsHook?.(id);
    const m = this.get(id);
    m.status = 'processed';
    return this.insert(records);
  }

  async noteRetry(id: string, failure: FailureRecord, delayMs: number): Promise<void> {
    this.calls.push(`noteRetry:${id}`);
    this.retries.push({ id, failure, delayMs });
  }

  async deadLetter(id: string, failure: FailureRecord): Promise<void> {
    this.calls.push(`deadLetter:${id}`);
    const m = this.get(id);
    m.status = 'error';
    m.failure = failure;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Messages and deps

const ft1 = (fields: Record<number, string>): string => {
  const max = Math.max(...Object.keys(fields).map(Number));
  return ['FT1', ...Array.from({ length: max }, (_, i) => fields[i + 1] ?? '')].join('|');
};

function dft(control: string, ...lines: string[]): string {
  return [
    `MSH|^~\\&|RXSYS|PHARM01|RXBRIDGE|HOSP|20240115103000||DFT^P03|${control}|P|2.5.1`,
    'EVN|P03|20240115103000',
    'PID|1||MRN0012345^^^PHARM01^MR||DOE^JANE',
    ...lines,
  ].join('\r');
}

const CHARGE = ft1({ 1: '1', 2: 'TX-1', 4: '20240115', 6: 'CG', 7: '99213', 10: '1', 11: '75' });
const CHARGE2 = ft1({ 1: '2', 2: 'TX-2', 4: '20240115', 6: 'CG', 7: 'MTM-INIT', 10: '1', 11: '50' });
// A credit in a later message: the sender repeats the charge's transaction id (FT1-2); FT1-31 would be a Set ID of this message.
const CREDIT = ft1({ 1: '1', 2: 'TX-1', 4: '20240116', 6: 'CD', 7: '99213', 10: '1', 11: '-75' });
const NO_DATE = ft1({ 1: '1', 6: 'CG', 7: '99213', 11: '75' });
const ADT = 'MSH|^~\\&|RXSYS|PHARM01|RXBRIDGE|HOSP|20240115103000||ADT^A04|CTL-A|P|2.5.1\rPID|1||MRN0012345';

function channel(overrides: Partial<ChannelRuntime['pipeline']> = {}): ChannelRuntime {
  return {
    name: 'pharmacy-inbound',
    pipeline: { attempts: 4, backoffMs: 100, ...overrides },
    routeFor: (type) => (type === 'DFT^P03' ? 'dft-p03' : undefined),
  };
}

function deps(store: MemoryStore, options: { channel?: ChannelRuntime; mapping?: (name: string) => MappingPlan | undefined } = {}): ProcessDeps {
  const ch = options.channel ?? channel();
  return {
    store,
    channel: (name) => (name === ch.name ? ch : undefined),
    mapping: options.mapping ?? ((name) => plans.get(name)),
  };
}

async function one(id: string, store: MemoryStore, d: ProcessDeps = deps(store)) {
  const outcomes = await processBatch([id], d);
  expect([...outcomes.keys()]).toEqual([id]);
  return outcomes.get(id)!;
}

// ---------------------------------------------------------------------------------------------------------------

describe('processBatch', () => {
  it('processes a message into charges and finishes it with one completeMany', async () => {
    const store = new MemoryStore();
    store.add({ id: '1', content: dft('CTL-1', CHARGE, 'NTE|1', CHARGE2) });
    expect(await one('1', store)).toEqual({ kind: 'processed', charges: 2 });
    const m = store.get('1');
    expect(m.status).toBe('processed');
    expect(m.attempts).toBe(1);
    expect([...store.charges.keys()]).toEqual(['pharmacy-inbound|RXSYS|PHARM01|CTL-1|3|line', 'pharmacy-inbound|RXSYS|PHARM01|CTL-1|5|line']);
    expect(store.charges.get('pharmacy-inbound|RXSYS|PHARM01|CTL-1|5|line')).toMatchObject({ code: '99605', chargeAmount: '50.00', kind: 'charge' });
    expect(store.calls).toEqual(['claimMany:1', 'completeMany:1']);
  });

  it('a batch is claimed once, in numeric id order (duplicates dropped), and finished in one commit', async () => {
    const store = new MemoryStore();
    for (const id of ['9', '10', '11']) store.add({ id, content: dft(`CTL-${id}`, CHARGE) });
    store.add({ id: '12', content: ADT, messageType: 'ADT^A04' });
    const outcomes = await processBatch(['11', '9', '10', '9', '12'], deps(store));
    expect([...outcomes.keys()]).toEqual(['9', '10', '11', '12']);
    expect(store.calls).toEqual(['claimMany:9,10,11,12', 'completeMany:9,10,11,12']);
    expect(store.charges.size).toBe(3);
  });

  it('a batch whose mapping outlasts a slice lets the event loop turn before it is all mapped', async () => {
    // Start on a fresh turn: the budget is shared, and a slice begun by an earlier test ends at the next check phase.
    await new Promise((resolve) => setImmediate(resolve));
    const store = new MemoryStore();
    const ids = Array.from({ length: 10 }, (_, i) => String(i + 1));
    for (const id of ids) store.add({ id, content: dft(`CTL-${id}`, CHARGE) });
    let routed = 0;
    const slow = channel();
    const routeFor = slow.routeFor;
    slow.routeFor = (type) => {
      routed++;
      const until = performance.now() + MAPPING_SLICE_MS / 2;
      while (performance.now() < until); // a message that takes half a slice to map
      return routeFor(type);
    };
    let routedWhenTurned: number | undefined;
    setImmediate(() => (routedWhenTurned = routed));
    const outcomes = await processBatch(ids, deps(store, { channel: slow }));
    expect([...outcomes.values()].every((o) => o.kind === 'processed')).toBe(true);
    expect(routed).toBeGreaterThanOrEqual(ids.length);
    // The loop turned after a slice, not after the whole batch.
    expect(routedWhenTurned).toBeGreaterThan(0);
    expect(routedWhenTurned).toBeLessThan(ids.length);
  });

  it('filters a message no route maps', async () => {
    const store = new MemoryStore();
    store.add({ id: '1', content: ADT, messageType: 'ADT^A04' });
    expect(await one('1', store)).toEqual({ kind: 'filtered', reason: 'no route maps ADT^A04' });
    expect(store.get('1')).toMatchObject({ status: 'filtered', filterReason: 'no route maps ADT^A04' });
    expect(store.charges.size).toBe(0);
  });

  it.each(['processed', 'filtered', 'error', 'rejected', 'duplicate'] as const)('skips a message already %s, writing nothing', async (status) => {
    const store = new MemoryStore();
    store.add({ id: '1', content: dft('CTL-1', CHARGE), status, attempts: 1 });
    expect(await one('1', store)).toEqual({ kind: 'skipped' });
    expect(store.calls).toEqual(['claimMany:1']);
    expect(store.get('1')).toMatchObject({ status, attempts: 1 });
  });

  it('skips an id the store does not know', async () => {
    const store = new MemoryStore();
    expect(await one('404', store)).toEqual({ kind: 'skipped' });
  });

  it('waits while an earlier message of the same patient is open', async () => {
    const store = new MemoryStore();
    store.add({ id: '1', content: dft('CTL-1', CHARGE), patientKey: 'P1' });
    store.add({ id: '2', content: dft('CTL-2', CHARGE), patientKey: 'P1' });
    store.add({ id: '3', content: dft('CTL-3', CHARGE), patientKey: 'P2' });
    const outcomes = await processBatch(['2', '3'], deps(store));
    expect(outcomes.get('2')).toEqual({ kind: 'wait', delayMs: ORDER_WAIT_MS });
    expect(outcomes.get('3')).toEqual({ kind: 'processed', charges: 1 });
    expect(store.get('2')).toMatchObject({ status: 'received', attempts: 0 });
    // Once the earlier one is done, the later one goes.
    expect(await one('1', store)).toEqual({ kind: 'processed', charges: 1 });
    expect(await one('2', store)).toEqual({ kind: 'processed', charges: 1 });
  });

  it('within a batch, a patient\'s later messages wait when an earlier one waits or retries', async () => {
    const store = new MemoryStore();
    store.add({ id: '1', content: dft('CTL-1', CHARGE), patientKey: 'P1' }); // open, not in the batch
    store.add({ id: '2', content: dft('CTL-2', CHARGE), patientKey: 'P1' });
    store.add({ id: '3', content: dft('CTL-3', CHARGE), patientKey: 'P1' });
    const waited = await processBatch(['2', '3'], deps(store));
    expect([waited.get('2')?.kind, waited.get('3')?.kind]).toEqual(['wait', 'wait']);

    const store2 = new MemoryStore();
    store2.add({ id: '1', content: dft('CTL-1', CHARGE), patientKey: 'P1' });
    store2.add({ id: '2', content: dft('CTL-2', CHARGE), patientKey: 'P1' });
    store2.add({ id: '3', content: dft('CTL-3', CHARGE), patientKey: 'P2' });
    const flaky = deps(store2, { mapping: () => { throw new Error('flaky plan lookup'); } });
    const retried = await processBatch(['1', '2', '3'], flaky);
    expect(retried.get('1')).toMatchObject({ kind: 'retry' });
    expect(retried.get('2')).toEqual({ kind: 'wait', delayMs: ORDER_WAIT_MS });
    expect(retried.get('3')).toMatchObject({ kind: 'retry' }); // another patient is not held
  });

  it('dead-letters a non-retryable mapping error at once (attempt 1), with code, text and stage', async () => {
    const store = new MemoryStore();
    store.add({ id: '1', content: dft('CTL-1', NO_DATE) });
    const outcome = await one('1', store);
    expect(outcome).toMatchObject({ kind: 'dead-letter', stage: 'map' });
    if (outcome.kind !== 'dead-letter') throw new Error('unreachable');
    expect(outcome.error.code).toBe('MAPPING_FIELD_MISSING');
    expect(store.get('1')).toMatchObject({ status: 'error', attempts: 1 });
    expect(store.get('1').failure).toEqual({ code: 'MAPPING_FIELD_MISSING', text: outcome.error.message, stage: 'map' });
    expect(store.retries).toEqual([]);
    expect(store.charges.size).toBe(0);
  });

  it('dead-letters an unparsable message (stage parse) and a missing mapping (MAPPING_NOT_FOUND)', async () => {
    const store = new MemoryStore();
    store.add({ id: '1', content: 'MSH|^~\\&|A|B|C|D|20240101||DFT^P03|C1|P|2.5.1\rthis is not a segment' });
    store.add({ id: '2', content: dft('CTL-2', CHARGE) });
    const outcomes = await processBatch(['1', '2'], deps(store, { mapping: () => undefined }));
    expect(outcomes.get('1')).toMatchObject({ kind: 'dead-letter', stage: 'parse', error: { code: 'PARSE_FAILED' } });
    expect(outcomes.get('2')).toMatchObject({ kind: 'dead-letter', stage: 'map', error: { code: 'MAPPING_NOT_FOUND' } });
  });

  it('retries REVERSAL_TARGET_MISSING with delay backoffMs × 2^(attempt-1) until attempts is reached, then dead-letters', async () => {
    const store = new MemoryStore();
    store.add({ id: '1', content: dft('CTL-1', CREDIT), patientKey: 'P1' });
    store.completeWithRecordsHook = () => { throw new EngineError('REVERSAL_TARGET_MISSING', 'the reversed charge is not recorded yet'); };
    const d = deps(store, { channel: channel({ attempts: 4, backoffMs: 100 }) });
    const seen: Array<[string, number | undefined]> = [];
    for (let i = 0; i < 4; i++) {
      const o = await one('1', store, d);
      seen.push([o.kind, o.kind === 'retry' ? o.delayMs : undefined]);
      if (o.kind === 'retry' || o.kind === 'dead-letter') {
        expect(o.error.code).toBe('REVERSAL_TARGET_MISSING');
        expect(o.stage).toBe('write');
      }
    }
    expect(seen).toEqual([['retry', 100], ['retry', 200], ['retry', 400], ['dead-letter', undefined]]);
    expect(store.retries.map((r) => r.delayMs)).toEqual([100, 200, 400]);
    expect(store.retries[0]!.failure).toEqual({ code: 'REVERSAL_TARGET_MISSING', text: 'the reversed charge is not recorded yet', stage: 'write' });
    expect(store.get('1')).toMatchObject({ status: 'error', attempts: 4, failure: { code: 'REVERSAL_TARGET_MISSING', stage: 'write' } });
    // Final now: a late job is skipped.
    expect(await one('1', store, d)).toEqual({ kind: 'skipped' });
  });

  it('a reversal is written by completeWithRecords once its target exists', async () => {
    const store = new MemoryStore();
    store.add({ id: '1', content: dft('CTL-1', CHARGE), patientKey: 'P1' });
    store.add({ id: '2', content: dft('CTL-2', CREDIT), patientKey: 'P1' });
    const outcomes = await processBatch(['1', '2'], deps(store));
    expect(outcomes.get('1')).toEqual({ kind: 'processed', charges: 1 });
    expect(outcomes.get('2')).toEqual({ kind: 'processed', charges: 1 });
    expect(store.calls).toEqual(['claimMany:1,2', 'completeMany:1', 'completeWithRecords:2']);
    expect(store.charges.get('pharmacy-inbound|RXSYS|PHARM01|CTL-2|3|line')).toMatchObject({ kind: 'reversal', reversalOfTransaction: 'TX-1' });
  });

  it('an unknown thrown Error becomes INTERNAL and is retried, then dead-lettered', async () => {
    const store = new MemoryStore();
    store.add({ id: '1', content: dft('CTL-1', CHARGE) });
    const d = deps(store, { channel: channel({ attempts: 2, backoffMs: 250 }), mapping: () => { throw new TypeError('plan table exploded'); } });
    const first = await one('1', store, d);
    expect(first).toMatchObject({ kind: 'retry', delayMs: 250, stage: 'map' });
    if (first.kind !== 'retry') throw new Error('unreachable');
    expect(first.error).toBeInstanceOf(EngineError);
    expect(first.error.code).toBe('INTERNAL');
    expect(first.error.retryable).toBe(true);
    expect(first.error.message).toBe('TypeError: plan table exploded');
    expect(await one('1', store, d)).toMatchObject({ kind: 'dead-letter', error: { code: 'INTERNAL' } });
    expect(store.get('1')).toMatchObject({ status: 'error', attempts: 2 });
  });

  it('a channel that is not loaded is INTERNAL (retryable; with no channel, one attempt, so it dead-letters)', async () => {
    const store = new MemoryStore();
    store.add({ id: '1', content: dft('CTL-1', CHARGE), channel: 'gone' });
    const outcome = await one('1', store);
    expect(outcome).toMatchObject({ kind: 'dead-letter', stage: 'parse', error: { code: 'INTERNAL' } });
    if (outcome.kind !== 'dead-letter') throw new Error('unreachable');
    expect(outcome.error.retryable).toBe(true);
  });

  // BUG (src/pipeline/process.ts processBatch): a message held behind an earlier message of its patient *in the
  // same batch* has already been claimed (claimMany moved it to processing and counted an attempt), so each such
  // in-batch wait spends one of the channel's `pipeline.attempts`. Here (attempts: 2) message 2 waits once behind
  // a credit of the same patient, then fails retryably on its first real attempt and is dead-lettered at once
  // instead of being retried.
  test('an in-batch wait does not spend one of the message\'s attempts', async () => {
    const store = new MemoryStore();
    store.add({ id: '1', content: dft('CTL-1', CREDIT), patientKey: 'P1' });
    store.add({ id: '2', content: dft('CTL-2', CREDIT), patientKey: 'P1' });
    store.completeWithRecordsHook = (id) => {
      if (id === '2') throw new EngineError('REVERSAL_TARGET_MISSING', 'the reversed charge is not recorded yet');
    };
    const d = deps(store, { channel: channel({ attempts: 2, backoffMs: 100 }) });
    const first = await processBatch(['1', '2'], d);
    expect(first.get('1')).toEqual({ kind: 'processed', charges: 1 });
    expect(first.get('2')).toEqual({ kind: 'wait', delayMs: ORDER_WAIT_MS });
    expect(await one('2', store, d)).toMatchObject({ kind: 'retry', delayMs: 100 });
  });

  it('store trouble while writing reversals (a plain Error) fails the whole job', async () => {
    const store = new MemoryStore();
    store.add({ id: '1', content: dft('CTL-1', CREDIT) });
    store.completeWithRecordsHook = () => { throw new Error('connection reset'); };
    await expect(processBatch(['1'], deps(store))).rejects.toThrow('connection reset');
    expect(store.get('1').status).toBe('processing');
  });

  it('a retry keeps charges already recorded under the same source key', async () => {
    const store = new MemoryStore();
    store.add({ id: '1', content: dft('CTL-1', CHARGE) });
    const key = 'pharmacy-inbound|RXSYS|PHARM01|CTL-1|3|line';
    const earlier = { sourceKey: key, code: 'EARLIER' } as ChargeRecord;
    store.charges.set(key, earlier);
    expect(await one('1', store)).toEqual({ kind: 'processed', charges: 1 });
    expect(store.charges.get(key)).toBe(earlier);
  });
});

describe('processBatch: values the store refuses, and endless claims', () => {
  test('a value the store refuses dead-letters only its own message; its batch-mates are processed', async () => {
    class RefusingStore extends MemoryStore {
      override async completeMany(done: ReadonlyArray<Completion>): Promise<number> {
        if (done.some((d) => d.id === '2')) throw new EngineError('VALUE_REJECTED_BY_STORE', 'the store refused a value: numeric field overflow');
        return super.completeMany(done);
      }
    }
    const store = new RefusingStore();
    store.add({ id: '1', content: dft('CTL-1', CHARGE), patientKey: 'P1' });
    store.add({ id: '2', content: dft('CTL-2', CHARGE2), patientKey: 'P2' });
    store.add({ id: '3', content: dft('CTL-3', CHARGE), patientKey: 'P3' });
    const outcomes = await processBatch(['1', '2', '3'], deps(store));
    expect(outcomes.get('1')).toMatchObject({ kind: 'processed' });
    expect(outcomes.get('3')).toMatchObject({ kind: 'processed' });
    expect(outcomes.get('2')).toMatchObject({ kind: 'dead-letter', stage: 'write', error: { code: 'VALUE_REJECTED_BY_STORE' } });
    expect(store.get('2').status).toBe('error');
  });

  test('a message claimed far more often than the channel allows is given up as a dead letter', async () => {
    const store = new MemoryStore();
    store.add({ id: '1', content: dft('CTL-1', CHARGE), patientKey: 'P1' });
    store.get('1').attempts = 4 + 5; // the next claim makes it 10 > attempts (4) + margin (5)
    const outcome = await one('1', store);
    expect(outcome).toMatchObject({ kind: 'dead-letter', error: { code: 'ATTEMPTS_EXHAUSTED' } });
  });
});

describe('processBatch: patients and coverages', () => {
  // The DFT mapping with two more rules: the patient (PID) and each coverage (IN1), as of EVN-2.
  const withParties: MappingPlan = compileMapping(mappingFileSchema.parse({
    name: 'dft-with-parties',
    records: [
      {
        name: 'line', output: 'charge', forEach: 'FT1', when: 'FT1-6 in [CG, CD]',
        reversal: { when: 'FT1-6 = CD', of: 'FT1-2' },
        fields: { patient: 'PID-3.1', transactionId: 'FT1-2', serviceDate: { from: 'FT1-4.1', fn: 'date' }, code: 'FT1-7.1', amount: 'FT1-11.1' },
      },
      { name: 'patient', output: 'patient', forEach: 'PID', fields: { patient: 'PID-3.1', asOf: { from: 'EVN-2', fn: 'datetime' }, familyName: 'PID-5.1' } },
      {
        name: 'coverage', output: 'coverage', forEach: 'IN1',
        fields: { patient: 'PID-3.1', asOf: { from: 'EVN-2', fn: 'datetime' }, planId: 'IN1-2.1', priority: 'IN1-22' },
      },
    ],
  }), 'dft-with-parties.yaml');
  const IN1 = 'IN1|1|PLAN-A^Test plan|PAYER1|TEST PAYER||||||||||||||||||1';
  const partiesDeps = (store: MemoryStore) => deps(store, { mapping: (name) => (name === 'dft-p03' ? withParties : undefined) });

  it('finishes a message with its patient, coverage and charges in one completeMany', async () => {
    const store = new MemoryStore();
    store.add({ id: '1', content: dft('CTL-1', IN1, CHARGE) });
    expect(await one('1', store, partiesDeps(store))).toEqual({ kind: 'processed', charges: 1 });
    expect(store.calls).toEqual(['claimMany:1', 'completeMany:1']);
    expect([...store.patients.values()]).toMatchObject([{ patientRef: 'MRN0012345', familyName: 'DOE', asOf: '2024-01-15T10:30:00.000Z' }]);
    expect([...store.coverages.values()]).toMatchObject([{ patientRef: 'MRN0012345', planId: 'PLAN-A', priority: 1 }]);
    expect([...store.charges.values()]).toMatchObject([{ patientRef: 'MRN0012345', kind: 'charge' }]);
  });

  it('a message with reversals hands its patient and coverage to completeWithRecords with the charges', async () => {
    const store = new MemoryStore();
    store.add({ id: '1', content: dft('CTL-1', CHARGE), patientKey: 'P1' });
    store.add({ id: '2', content: dft('CTL-2', IN1, CREDIT), patientKey: 'P1' });
    const outcomes = await processBatch(['1', '2'], partiesDeps(store));
    expect(outcomes.get('2')).toEqual({ kind: 'processed', charges: 1 });
    expect(store.calls).toEqual(['claimMany:1,2', 'completeMany:1', 'completeWithRecords:2']);
    expect(store.coverages.size).toBe(1);
    expect(store.patients.size).toBe(1);
    expect([...store.charges.values()].map((c) => c.kind)).toEqual(['charge', 'reversal']);
  });
});

describe('processBatch: patient merges', () => {
  const A40 = [
    'MSH|^~\\&|RXSYS|PHARM01|RXBRIDGE|HOSP|20240105153000||ADT^A40^ADT_A39|CTL-2|P|2.5.1',
    'EVN|A40|20240105152900',
    'PID|1||MR1^^^PHARM01^MR||TESTPATIENT^EVE||19800115|F',
    'MRG|MR2^^^PHARM01^MR',
  ].join('\r');
  const withA40: ChannelRuntime = { ...channel(), routeFor: (type) => (type === 'ADT^A40' ? 'adt-a40' : type === 'DFT^P03' ? 'dft-p03' : undefined) };

  it('a merge is written on its own by completeWithRecords, after the plain batch; later messages of its patient wait for it', async () => {
    const store = new MemoryStore();
    store.add({ id: '1', content: dft('CTL-1', CHARGE), patientKey: 'P0' });
    store.add({ id: '2', content: A40, messageType: 'ADT^A40', patientKey: 'MR1' });
    store.add({ id: '3', content: dft('CTL-3', CHARGE), patientKey: 'MR1' });
    const outcomes = await processBatch(['1', '2', '3'], deps(store, { channel: withA40 }));
    expect(store.calls).toEqual(['claimMany:1,2,3', 'releaseClaims:3', 'completeMany:1', 'completeWithRecords:2']);
    expect(outcomes.get('2')).toEqual({ kind: 'processed', charges: 0 });
    expect(outcomes.get('3')).toMatchObject({ kind: 'wait' });
    expect(store.patients.get('MR1')).toMatchObject({ familyName: 'TESTPATIENT' });
  });
});

describe('evaluate (pure stages)', () => {
  const item = (content: string): WorkItem => ({
    id: '7', channel: 'pharmacy-inbound', status: 'processing', sender: 'RXSYS|PHARM01', controlId: 'CTL-7', messageType: 'DFT^P03',
    patientKey: null, attempts: 1, content,
  });
  const d = { channel: () => channel(), mapping: (name: string) => plans.get(name) };

  it('returns the mapped records, filtered or failed with the stage', () => {
    expect(evaluate(item(dft('CTL-7', CHARGE)), d)).toMatchObject({
      kind: 'mapped', records: { charges: [{ sourceKey: 'pharmacy-inbound|RXSYS|PHARM01|CTL-7|3|line' }], patients: [], coverages: [] },
    });
    expect(evaluate(item(ADT), d)).toEqual({ kind: 'filtered', reason: 'no route maps ADT^A04' });
    expect(evaluate(item(dft('CTL-7', NO_DATE)), d)).toMatchObject({ kind: 'failed', stage: 'map', error: { code: 'MAPPING_FIELD_MISSING' } });
    expect(evaluate(item('not hl7'), d)).toMatchObject({ kind: 'failed', stage: 'parse', error: { code: 'PARSE_FAILED' } });
  });
});
