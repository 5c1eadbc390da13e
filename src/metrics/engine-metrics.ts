/**
 * The engine's Prometheus metrics (prom-client), served at GET /metrics (docs/deploy.md "Monitoring").
 *
 * Contract:
 * - One registry per engine (tests run several engines in one process); the Node.js process metrics
 *   (event-loop lag, heap, GC, CPU, handles) come from one process-wide registry, appended to the text, so
 *   their collectors are installed once per process.
 * - Labels hold channel names, statuses, stage names, queue states and pool names only: never a value from a
 *   message (no PHI can reach a label).
 * - Hot paths get pre-bound recorders (`intakeOutcomes(channel)`, `ackLatency(channel)`, the pipeline observer)
 *   so recording is one counter or histogram update, no lookups by name.
 * - Readings that cost a round trip are cached: the BullMQ job counts for 1 s, the store's per-channel counts for
 *   5 s (both shared by concurrent scrapes), each bounded by a 1 s timeout so a scrape never hangs on an outage;
 *   an unreachable source reports `rxbridge_queue_up 0` / `rxbridge_store_readings_up 0` and no stale values.
 */
import client from 'prom-client';
import { withTimeout } from '../core/with-timeout';
import type { IntakeOutcome } from '../pipeline/intake';
import type { PipelineObserver, PipelineStage, ReportedOutcome } from '../pipeline/process';

/** Why an MLLP source limit refused or closed a connection (the listener's MllpCloseReason). */
export type MllpCloseReason =
  'max_connections' | 'max_connections_per_ip' | 'allow_from' | 'frame_timeout' | 'reserved_slots' | 'allow_clients';

/** One MLLP listener's connection slots now (the listener's SlotReading). */
export interface MllpSlotsReading {
  channel: string;
  open: number;
  /** maxConnections. */
  limit: number;
  /** Slots kept for known senders. */
  reserved: number;
}

/** Per-channel counts read from the store (alerts read the same). */
export interface ChannelReading {
  /** Messages committed but not finished (received or processing). */
  open: number;
  /** Messages in status error (dead letters). */
  deadLetters: number;
  /** When the newest message of the channel was received (any status); null when none was. */
  lastReceivedAt: Date | null;
}

/** One database connection pool's state (pg.Pool counts). */
export interface PoolReading {
  pool: string;
  total: number;
  idle: number;
  waiting: number;
}

export interface MetricSources {
  /** BullMQ job counts by state (getJobCounts). */
  queueCounts?(): Promise<Record<string, number>>;
  /** Per-channel store counts, keyed by channel name. */
  channelReadings?(): Promise<ReadonlyMap<string, ChannelReading>>;
  /** Database pools; absent or empty for PGlite. */
  pools?(): readonly PoolReading[];
  /** Backpressure: the open backlog last read and the ACK delay it implies (listener roles). */
  backpressure?(): { backlog: number; ackDelayMs: number };
  /** Active alerts by channel and kind. */
  activeAlerts?(): ReadonlyArray<{ channel: string; kind: string }>;
  /** The connection slots of each running MLLP listener. */
  mllpSlots?(): readonly MllpSlotsReading[];
  /** Deliveries per channel destination: open (queued or being retried) and failed (dead letters). */
  destinations?(): Promise<ReadonlyArray<{ channel: string; destination: string; open: number; failed: number }>>;
  /** Each running file, SFTP or HTTP source's counters since this process started it. */
  channelSources?(): readonly SourceReading[];
}

/** A file, SFTP or HTTP source's counters (src/sources). */
export interface SourceReading {
  channel: string;
  type: string;
  /** Files archived (file, sftp) or requests answered (http). */
  units: number;
  /** Messages handed to intake and stored. */
  messages: number;
  /** 1 while the last poll failed (file, sftp); 0 otherwise. */
  failing: number;
}

/** ACK latency buckets, in seconds: from sub-millisecond commits to backpressure holds of seconds. */
const ACK_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** Stage buckets: parse/map of one message take microseconds; a batch write, milliseconds. */
const STAGE_BUCKETS = [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];
const QUEUE_CACHE_MS = 1_000;
const STORE_CACHE_MS = 5_000;
const READ_TIMEOUT_MS = 1_000;

let processRegistry: client.Registry | undefined;

/** The process-wide registry of Node.js default metrics (created on first use). */
function processMetrics(): client.Registry {
  if (!processRegistry) {
    processRegistry = new client.Registry();
    client.collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

export class EngineMetrics {
  private readonly own = new client.Registry();
  private readonly intake: client.Counter<'channel' | 'outcome'>;
  private readonly reusedControlIds: client.Counter<'channel'>;
  private readonly mllpClosed: client.Counter<'channel' | 'reason'>;
  private readonly ack: client.Histogram<'channel'>;
  private readonly pipeline: client.Counter<'channel' | 'outcome'>;
  private readonly stages: client.Histogram<'stage'>;
  private readonly applicationAcks: client.Counter<'channel' | 'result'>;
  private readonly deliveries: client.Counter<'channel' | 'destination' | 'result'>;

  constructor() {
    const registers = [this.own];
    this.intake = new client.Counter({
      name: 'rxbridge_intake_messages_total',
      registers,
      labelNames: ['channel', 'outcome'],
      help: 'Frames answered at intake, by channel and outcome (received, duplicate, rejected, store_unavailable).',
    });
    this.reusedControlIds = new client.Counter({
      name: 'rxbridge_reused_control_ids_total',
      registers,
      labelNames: ['channel'],
      help: 'Messages received although their sender used their control id (MSH-10) with other content inside the duplicate window.',
    });
    this.mllpClosed = new client.Counter({
      name: 'rxbridge_mllp_connections_closed_total',
      registers,
      labelNames: ['channel', 'reason'],
      help: 'MLLP connections refused or closed by a source limit, by channel and reason (max_connections and reserved_slots: the slots open to the sender ran out; max_connections_per_ip, allow_from, allow_clients, frame_timeout).',
    });
    this.ack = new client.Histogram({
      name: 'rxbridge_ack_latency_seconds',
      registers,
      labelNames: ['channel'],
      buckets: ACK_BUCKETS,
      help: 'From a frame handed to intake to its ACK written to the socket, by channel (includes backpressure holds).',
    });
    this.pipeline = new client.Counter({
      name: 'rxbridge_pipeline_messages_total',
      registers,
      labelNames: ['channel', 'outcome'],
      help: 'Pipeline outcomes in this process, by channel (processed, filtered, retry, dead_letter).',
    });
    this.stages = new client.Histogram({
      name: 'rxbridge_pipeline_stage_seconds',
      registers,
      labelNames: ['stage'],
      buckets: STAGE_BUCKETS,
      help: 'Pipeline stage durations: parse, filter and map per message; claim and write per store call (a batch).',
    });
    this.applicationAcks = new client.Counter({
      name: 'rxbridge_application_acks_total',
      registers,
      labelNames: ['channel', 'result'],
      help: 'Application ACK attempts settled in this process, by channel and result (sent, not_needed, retry, failed).',
    });
    this.deliveries = new client.Counter({
      name: 'rxbridge_destination_deliveries_total',
      registers,
      labelNames: ['channel', 'destination', 'result'],
      help: 'Destination delivery attempts settled in this process, by result (delivered, retry, failed, filtered).',
    });
  }

  /** Counts one settled destination delivery attempt (src/destinations). */
  deliverySettled(channel: string, destination: string, result: 'delivered' | 'retry' | 'failed' | 'filtered'): void {
    this.deliveries.labels(channel, destination, result).inc();
  }

  /** Counts one settled application ACK attempt (src/acks). */
  applicationAckSettled(channel: string, result: 'sent' | 'not_needed' | 'retry' | 'failed'): void {
    this.applicationAcks.labels(channel, result).inc();
  }

  /** Adds the gauges of the sources given (each source once; main.ts calls this as the parts start). */
  watch(sources: MetricSources): void {
    const registers = [this.own];
    if (sources.queueCounts) this.defineQueueGauges(registers, sources.queueCounts);
    if (sources.channelReadings) this.defineStoreGauges(registers, sources.channelReadings);
    if (sources.pools) this.definePoolGauges(registers, sources.pools);
    if (sources.backpressure) this.defineBackpressureGauges(registers, sources.backpressure);
    if (sources.activeAlerts) this.defineAlertGauge(registers, sources.activeAlerts);
    if (sources.mllpSlots) this.defineSlotGauges(registers, sources.mllpSlots);
    if (sources.channelSources) this.defineSourceGauges(registers, sources.channelSources);
    if (sources.destinations) this.defineDestinationGauges(registers, sources.destinations);
  }

  private defineDestinationGauges(registers: client.Registry[], read: NonNullable<MetricSources['destinations']>): void {
    new client.Gauge({
      name: 'rxbridge_destination_deliveries',
      registers,
      labelNames: ['channel', 'destination', 'state'],
      help: 'Deliveries per channel destination in the store: open (queued or being retried) and failed (dead letters).',
      async collect() {
        const rows = await read().catch(() => undefined);
        if (!rows) return;
        this.reset();
        for (const r of rows) {
          this.set({ channel: r.channel, destination: r.destination, state: 'open' }, r.open);
          this.set({ channel: r.channel, destination: r.destination, state: 'failed' }, r.failed);
        }
      },
    });
  }

  get contentType(): string {
    return this.own.contentType;
  }

  /** The text exposition of every metric: the engine's, then the process's. */
  async render(): Promise<string> {
    const [engine, node] = await Promise.all([this.own.metrics(), processMetrics().metrics()]);
    return `${engine}\n${node}`;
  }

  /** Counts intake outcomes of one channel (bound once per channel). */
  intakeOutcomes(channel: string): (outcome: IntakeOutcome) => void {
    const bound = {
      received: this.intake.labels(channel, 'received'),
      duplicate: this.intake.labels(channel, 'duplicate'),
      rejected: this.intake.labels(channel, 'rejected'),
      store_unavailable: this.intake.labels(channel, 'store_unavailable'),
    };
    for (const c of Object.values(bound)) c.inc(0); // every series exists from the start (rate() needs a zero)
    return (outcome) => bound[outcome].inc();
  }

  /** Counts one channel's messages received with a reused control id (bound once per channel; starts at zero). */
  reusedControlId(channel: string): () => void {
    const child = this.reusedControlIds.labels(channel);
    child.inc(0);
    return () => child.inc();
  }

  /** Counts one channel's connections refused or closed by a source limit (bound once per channel). */
  mllpConnectionsClosed(channel: string): (reason: MllpCloseReason) => void {
    const reasons: MllpCloseReason[] = [
      'max_connections',
      'max_connections_per_ip',
      'allow_from',
      'frame_timeout',
      'reserved_slots',
      'allow_clients',
    ];
    const bound = Object.fromEntries(reasons.map((r) => [r, this.mllpClosed.labels(channel, r)])) as Record<
      MllpCloseReason,
      client.Counter.Internal
    >;
    for (const c of Object.values(bound)) c.inc(0);
    return (reason) => bound[reason].inc();
  }

  /** Records one channel's ACK latencies, in seconds (bound once per channel). */
  ackLatency(channel: string): (seconds: number) => void {
    const child = this.ack.labels(channel);
    return (seconds) => child.observe(seconds);
  }

  /** What the pipeline worker reports to (process.ts). */
  pipelineObserver(channels: readonly string[]): PipelineObserver {
    const outcomes: ReportedOutcome[] = ['processed', 'filtered', 'retry', 'dead-letter'];
    const bound = new Map<string, Record<ReportedOutcome, client.Counter.Internal>>();
    const bind = (channel: string) => {
      const byOutcome = Object.fromEntries(outcomes.map((o) => [o, this.pipeline.labels(channel, o.replace('-', '_'))])) as Record<
        ReportedOutcome,
        client.Counter.Internal
      >;
      bound.set(channel, byOutcome);
      return byOutcome;
    };
    for (const channel of channels) for (const c of Object.values(bind(channel))) c.inc(0);
    const stageNames: PipelineStage[] = ['parse', 'filter', 'map', 'claim', 'write'];
    const stages = Object.fromEntries(stageNames.map((s) => [s, this.stages.labels(s)])) as Record<
      PipelineStage,
      client.Histogram.Internal<'stage'>
    >;
    return {
      stage: (stage, seconds) => stages[stage].observe(seconds),
      outcome: (channel, outcome) => (bound.get(channel) ?? bind(channel))[outcome].inc(),
    };
  }

  private defineQueueGauges(registers: client.Registry[], read: NonNullable<MetricSources['queueCounts']>): void {
    const counts = cachedFor(QUEUE_CACHE_MS, () => withTimeout(read(), READ_TIMEOUT_MS, 'the queue counts'));
    new client.Gauge({
      name: 'rxbridge_queue_up',
      help: '1 when the BullMQ job counts could be read (Redis answers).',
      registers,
      async collect() {
        this.set(
          await counts().then(
            () => 1,
            () => 0,
          ),
        );
      },
    });
    new client.Gauge({
      name: 'rxbridge_queue_jobs',
      registers,
      labelNames: ['state'],
      help: 'Pipeline jobs in the BullMQ queue by state (one job carries up to 50 message ids); shared by every engine process.',
      async collect() {
        this.reset();
        for (const [state, n] of Object.entries(await counts().catch(() => ({})))) this.set({ state }, n);
      },
    });
  }

  private defineStoreGauges(registers: client.Registry[], read: NonNullable<MetricSources['channelReadings']>): void {
    const readings = cachedFor(STORE_CACHE_MS, () => withTimeout(read(), READ_TIMEOUT_MS, 'the channel readings'));
    // Each gauge collects for itself (prom-client reads gauges concurrently); the cache makes it one store read.
    const perChannel = (name: string, help: string, valueOf: (r: ChannelReading) => number | undefined) =>
      new client.Gauge({
        name,
        help,
        registers,
        labelNames: ['channel'],
        async collect() {
          this.reset();
          for (const [channel, r] of await readings().catch(() => new Map<string, ChannelReading>())) {
            const v = valueOf(r);
            if (v !== undefined) this.set({ channel }, v);
          }
        },
      });
    new client.Gauge({
      name: 'rxbridge_store_readings_up',
      help: '1 when the per-channel store counts could be read.',
      registers,
      async collect() {
        this.set(
          await readings().then(
            () => 1,
            () => 0,
          ),
        );
      },
    });
    perChannel(
      'rxbridge_messages_open',
      'Messages committed but not finished (received or processing) in the store, by channel; the same in every process.',
      (r) => r.open,
    );
    perChannel(
      'rxbridge_dead_letters',
      'Dead letters (status error) in the store, by channel; the same in every process.',
      (r) => r.deadLetters,
    );
    perChannel(
      'rxbridge_last_message_received_timestamp_seconds',
      'When the newest message of the channel was received (Unix time); absent when none was.',
      (r) => (r.lastReceivedAt ? r.lastReceivedAt.getTime() / 1000 : undefined),
    );
  }

  private definePoolGauges(registers: client.Registry[], read: NonNullable<MetricSources['pools']>): void {
    new client.Gauge({
      name: 'rxbridge_db_pool_connections',
      registers,
      labelNames: ['pool', 'state'],
      help: 'Connections of the database pool: total open and idle (Postgres; PGlite has no pool).',
      collect() {
        this.reset();
        for (const p of read()) {
          this.set({ pool: p.pool, state: 'total' }, p.total);
          this.set({ pool: p.pool, state: 'idle' }, p.idle);
        }
      },
    });
    new client.Gauge({
      name: 'rxbridge_db_pool_waiting',
      registers,
      labelNames: ['pool'],
      help: 'Queries waiting for a free connection of the pool.',
      collect() {
        this.reset();
        for (const p of read()) this.set({ pool: p.pool }, p.waiting);
      },
    });
  }

  private defineBackpressureGauges(registers: client.Registry[], read: NonNullable<MetricSources['backpressure']>): void {
    new client.Gauge({
      name: 'rxbridge_backpressure_backlog',
      registers,
      help: 'The open backlog (received or processing messages, whole store) as backpressure reckons it: the last reading, plus frames admitted since, less the drain seen.',
      collect() {
        this.set(read().backlog);
      },
    });
    new client.Gauge({
      name: 'rxbridge_backpressure_ack_delay_seconds',
      registers,
      help: 'How long each positive ACK is held now (0 at or below RXBRIDGE_BACKLOG_SOFT).',
      collect() {
        this.set(read().ackDelayMs / 1000);
      },
    });
  }

  private defineSlotGauges(registers: client.Registry[], read: NonNullable<MetricSources['mllpSlots']>): void {
    const gauge = (name: string, help: string, value: (r: MllpSlotsReading) => number) =>
      new client.Gauge({
        name,
        registers,
        labelNames: ['channel'],
        help,
        collect() {
          this.reset();
          for (const r of read()) this.set({ channel: r.channel }, value(r));
        },
      });
    gauge('rxbridge_mllp_connections_open', 'MLLP connections open now, by channel (slots in use).', (r) => r.open);
    gauge(
      'rxbridge_mllp_connections_limit',
      "The channel's maxConnections: open connections at or above it means every slot is taken.",
      (r) => r.limit,
    );
    gauge('rxbridge_mllp_connections_reserved', 'Slots of maxConnections kept for known senders, by channel.', (r) => r.reserved);
  }

  private defineSourceGauges(registers: client.Registry[], read: NonNullable<MetricSources['channelSources']>): void {
    const gauge = (name: string, help: string, value: (r: SourceReading) => number) =>
      new client.Gauge({
        name,
        registers,
        labelNames: ['channel', 'source'],
        help,
        collect() {
          this.reset();
          for (const r of read()) this.set({ channel: r.channel, source: r.type }, value(r));
        },
      });
    gauge(
      'rxbridge_source_units_total',
      'Files archived (file, sftp sources) or requests answered (http) by this process, by channel.',
      (r) => r.units,
    );
    gauge(
      'rxbridge_source_messages_total',
      'Messages a file, sftp or http source handed to intake in this process, by channel.',
      (r) => r.messages,
    );
    gauge(
      'rxbridge_source_poll_failing',
      '1 while the last poll of a file or sftp source failed (see the channel status lastError).',
      (r) => r.failing,
    );
  }

  private defineAlertGauge(registers: client.Registry[], read: NonNullable<MetricSources['activeAlerts']>): void {
    new client.Gauge({
      name: 'rxbridge_alerts_active',
      registers,
      labelNames: ['channel', 'kind'],
      help: 'Active channel alerts (silence, dead-letters, queue-depth) as this process evaluates them.',
      collect() {
        this.reset();
        for (const a of read()) this.inc({ channel: a.channel, kind: a.kind });
      },
    });
  }
}

/**
 * Memoizes `fetch` for `ms`: calls within that time share one promise (also while it is pending). A failed
 * fetch is forgotten at once, so the next call tries again. Exported for tests.
 */
export function cachedFor<T>(ms: number, fetch: () => Promise<T>, now: () => number = Date.now): () => Promise<T> {
  let last: { at: number; value: Promise<T> } | undefined;
  return () => {
    const t = now();
    if (last && t - last.at < ms) return last.value;
    const value = fetch();
    const entry = { at: t, value };
    last = entry;
    value.catch(() => {
      if (last === entry) last = undefined;
    });
    return value;
  };
}
