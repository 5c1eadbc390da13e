/**
 * The admin side of an engine process: the HTTP admin API and the web console (src/admin), with the mapping
 * editor, channel reloads, replays, claims and the observability routes behind it. Absent with HTTP_PORT=-1.
 *
 * Contract: the API listens once the 'admin API' service has started (HTTPS when RXBRIDGE_HTTPS_* are set: its
 * certificate is then renewed by the certificate watch); its stop closes the server. The data comes through
 * functions over the shared parts: the admin modules do not reach the store or Redis themselves.
 */
import type { RunningSource } from './intake-side';
import { DeliveryStore, type ReplayScope } from '../store/deliveries';
import type { FastifyInstance } from 'fastify';
import { Accounts } from '../admin/accounts';
import { buildAdminApp, type ChannelStatus } from '../admin/app';
import type { BillingApi } from '../admin/billing-routes';
import type { FhirApi } from '../admin/fhir-routes';
import { adminHttpsOptions } from '../admin/https-config';
import type { AlertMonitor } from '../alerts/monitor';
import type { ChannelPause } from '../store/channel-pauses';
import type { ChannelFileEditor } from '../channels/file-editor';
import type { ChannelReloadResult } from '../channels/reloader';
import { withTimeout } from '../core/with-timeout';
import type { MappingEditor } from '../mappings/editor';
import type { MllpListener } from '../mllp/listener';
import { replayMessage } from '../pipeline/replay';
import { AuditTrail } from '../store/audit';
import type { ClaimsService } from '../store/claims-service';
import { FhirSource } from '../store/fhir-source';
import { deadLetterGroups, lastErrors, messageTimeline, messagesPerMinute } from '../store/console-queries';
import { getMappingVersion } from '../store/mapping-versions';
import { countsByChannel, getMessageDetail, listCharges, listMessages } from '../store/queries';
import type { TlsCredentials } from '../tls/credentials';
import { service, type EngineService } from './compose';
import type { ResolvedEngineConfig } from './config';
import type { SharedParts } from './shared-parts';
import { readTlsFiles } from './tls-files';

export interface AdminSide {
  readonly services: EngineService[];
  /** Where the API listens, once started. */
  address(): { host: string; port: number; scheme: 'http' | 'https' } | undefined;
}

/**
 * The admin API's certificate, read before anything else opens: a bad file fails start-up at once. Undefined
 * without an admin API or without HTTPS.
 */
export function readAdminCredentials(config: ResolvedEngineConfig): TlsCredentials | undefined {
  return config.httpPort >= 0 && config.https ? readTlsFiles('the admin API (RXBRIDGE_HTTPS_*)', config.https) : undefined;
}

export function adminSide(opts: {
  shared: SharedParts;
  /** From readAdminCredentials. */
  credentials: TlsCredentials | undefined;
  editor: MappingEditor;
  alerts: AlertMonitor;
  listeners: ReadonlyMap<string, MllpListener>;
  /** The running file, SFTP and HTTP sources (absent in a process without listeners). */
  sources?: ReadonlyMap<string, RunningSource>;
  /** A reload here, then in every other process. */
  reloadChannels: () => Promise<ChannelReloadResult>;
  /** A pause or resume stored, applied here, then announced to every other process (main.ts). */
  setChannelPaused: (name: string, paused: boolean, actor: string) => Promise<boolean | undefined>;
  /** Channel files read and saved from the console (src/channels/file-editor.ts). */
  channelFiles: ChannelFileEditor;
  /** The channels paused as this process last read them (none in a process without listeners). */
  paused: () => ReadonlyMap<string, ChannelPause>;
  /** Made when the API is built: billing files are read then. */
  claims: () => ClaimsService;
  /** billing.yaml reloads and payers (src/engine/billing-side.ts). */
  billing: BillingApi;
}): AdminSide {
  const { shared, credentials, listeners } = opts;
  const { config, log, store, repository, queue, bodies, channels: registry } = shared;
  if (config.httpPort < 0) return { services: [], address: () => undefined };
  const scheme = credentials ? 'https' : 'http';

  const accounts = new Accounts({
    db: store.db,
    bootstrapToken: config.adminToken,
    allowBootstrapToken: config.allowBootstrapToken,
    sessionTtlMs: config.sessionTtlMs,
  });
  const channelStatus = () =>
    registry.list.map((c): ChannelStatus => {
      const l = listeners.get(c.name);
      const pause = opts.paused().get(c.name);
      const src = c.source;
      const other = opts.sources?.get(c.name);
      const running = l ?? other;
      const errored = l ? !l.serving : false;
      return {
        name: c.name,
        description: c.description,
        state: !c.enabled ? 'disabled' : pause && !running ? 'paused' : !running ? 'stopped' : errored ? 'errored' : 'listening',
        pause: pause ? { by: pause.pausedBy, at: pause.pausedAt.toISOString() } : null,
        sourceType: src.type,
        host: src.type === 'file' ? src.dir : src.type === 'sftp' ? `${src.host}:${src.dir}` : src.host,
        port: l?.serving ? l.address().port : (other?.port() ?? (src.type === 'file' ? 0 : src.port)),
        connections: l?.connectionCount ?? 0,
        sourceStatus: other ? { ...other.status() } : null,
        accept: [...c.accept],
        routes: c.routes.map((r) => ({ types: [...r.types], mapping: r.mapping })),
        acks: { mode: c.acks.mode, timeoutMs: c.acks.timeoutMs, senders: { ...c.acks.senders } },
      };
    });
  // A replayed message's destination deliveries are made again once it is final (src/store/deliveries.ts refeed).
  // Recorded after the replay is queued: a crash in between leaves the old deliveries as they were (visible, replayable).
  const deliveryStore = new DeliveryStore(store.db);
  const replay = async (id: string, raw: string | undefined, actor: string) => {
    const result = await replayMessage({ store: repository, queue, logger: log }, id, raw, actor);
    await deliveryStore.requestRefeed(
      id,
      registry.list.filter((c) => c.destinations.length > 0).map((c) => c.name),
    );
    return result;
  };
  const http: FastifyInstance = buildAdminApp(
    {
      logger: log,
      security: { authenticator: accounts, accounts, audit: new AuditTrail(store.db), scrapeToken: config.metricsToken },
      observability: { metrics: shared.metrics, alerts: () => opts.alerts.active() },
      health: async () => {
        const [storeOk, queueDepth] = await Promise.all([
          store.ping(),
          withTimeout(queue.depth(), 1000, 'the queue depth').catch(() => undefined),
        ]);
        return { store: storeOk, queue: queueDepth !== undefined, queueDepth };
      },
      channels: channelStatus,
      counts: () => countsByChannel(store.db),
      // Patient, Rx and content searches match the blind indexes: the terms become tokens here and go no further.
      listMessages: ({ patient, rx, code, q, ...f }) =>
        listMessages(store.db, {
          ...f,
          errorCode: code,
          patientTokens: patient === undefined ? undefined : repository.search.patientTokens(patient),
          rxTokens: rx === undefined ? undefined : repository.search.rxTokens(rx),
          contentTokens: q === undefined ? undefined : repository.words.queryTokens(q),
        }),
      getMessage: (id) => getMessageDetail(store.db, id, bodies),
      listCharges: (f) => listCharges(store.db, f),
      replay,
      reloadChannels: opts.reloadChannels,
      setChannelPaused: opts.setChannelPaused,
      readChannelFile: async (name) => opts.channelFiles.read(name),
      saveChannelFile: (name, text, sha256) => opts.channelFiles.save(name, text, sha256),
      mappings: Object.assign(opts.editor, { version: (name: string, version: number) => getMappingVersion(store.db, name, version) }),
      console: {
        channels: async () => channelStatus(),
        counts: () => countsByChannel(store.db),
        perMinute: (since) => messagesPerMinute(store.db, since),
        lastErrors: (names) => lastErrors(store.db, names),
        queue: () => withTimeout(queue.counts(), 1000, 'the queue counts').catch(() => null),
        senders: async (name) =>
          (listeners.get(name)?.connectionStats() ?? []).map((c) => ({
            remote: c.remote,
            connectedAt: c.connectedAt,
            messages: c.messages,
          })),
        timeline: (id) => messageTimeline(store.db, id),
        deadLetterGroups: () => deadLetterGroups(store.db),
        replay,
      },
      ...((claims) => ({ claims, eligibility: claims }))(opts.claims()),
      billing: opts.billing,
      fhir: fhirApi(new FhirSource(store.db, bodies), (ref) => repository.search.patientTokens(ref)),
      destinations: ((deliveries) => ({
        configured: () =>
          registry.list.flatMap((c) =>
            c.destinations.map((d) => ({ channel: c.name, destination: d.name, connector: d.connector.type, enabled: d.enabled })),
          ),
        counts: () => deliveries.counts(),
        failed: (channel: string, destination: string) => deliveries.failed(channel, destination),
        replay: (scope: ReplayScope) => deliveries.replay(scope),
      }))(deliveryStore),
    },
    { https: credentials && config.https && adminHttpsOptions(config.https, credentials) },
  );

  let listening = false;
  const address = () => (listening ? ({ host: config.httpHost, port: portOf(http), scheme } as const) : undefined);
  return {
    address,
    services: [
      service(
        'admin API',
        async () => {
          await http.listen({ host: config.httpHost, port: config.httpPort });
          listening = true;
          const https = config.https;
          if (credentials && https) {
            // https.Server, since buildAdminApp was given `https`; setSecureContext resets what it is not given.
            const server = http.server as unknown as import('node:https').Server;
            shared.certificates.add({ name: 'admin', files: https, install: (c) => server.setSecureContext(adminHttpsOptions(https, c)) });
          }
          log.info('admin API listening', { host: config.httpHost, port: portOf(http), scheme });
        },
        () => http.close(),
      ),
    ],
  };
}

/** The FHIR API's reads: the store's, with a patient ref turned into its blind-index tokens here. */
function fhirApi(source: FhirSource, patientTokens: (ref: string) => string[]): FhirApi {
  return {
    messagesOfPatient: (ref, types, limit) => source.messagesWithTokens(patientTokens(ref), types, limit),
    message: (id) => source.message(id),
    charges: (f) => source.charges(f),
    charge: (id) => source.charge(id),
    patientRefOf: (id) => source.patientRefOf(id),
    patient: (ref) => source.patient(ref),
    coverages: (f) => source.coverages(f),
  };
}

function portOf(app: FastifyInstance): number {
  const addr = app.server.address();
  return typeof addr === 'object' && addr ? addr.port : 0;
}
