/**
 * The admin HTTP API. `buildAdminApp(deps)` returns a Fastify app (tested with inject(), no socket).
 * Every route declares the least role it needs (auth.ts: viewer < operator < billing < admin, or public for
 * /api/health and /api/login); a route without one cannot be registered. Tokens, logins and users are in
 * users-routes.ts, the audit trail in audit-routes.ts (docs/security.md).
 * Errors answer `{ error: { code, message } }` with the catalogue's HTTP status; messages never carry PHI.
 * The mappings routes (list, read, versions, save, rollback, preview) are in mappings-routes.ts, the claims and
 * billing routes in claims-routes.ts (billing.yaml reloads and payers in billing-routes.ts), the web console's dashboard, timeline and dead-letter groups in
 * console-api-routes.ts, GET /metrics (scrape token only) and GET /api/alerts in observability-routes.ts,
 * POST /api/channels/reload (channel files reloaded without a restart) in channels-routes.ts, the read-only FHIR R4
 * API under /fhir/R4 in fhir-routes.ts.
 */
import type { ServerOptions as HttpsServerOptions } from 'node:https';
import Fastify, { type FastifyInstance } from 'fastify';
import { z } from 'zod';
import { EngineError, asEngineError } from '../core/errors';
import type { Logger } from '../core/logger';
import { registerAuditRoutes, type AuditApi } from './audit-routes';
import { actorOf, audit, installAccessControl, role, type AuditSink, type Authenticator } from './auth';
import { registerChannelRoutes, type ChannelsApi } from './channels-routes';
import { registerBillingRoutes, type BillingApi } from './billing-routes';
import { registerClaimsRoutes, type ClaimsApi } from './claims-routes';
import { registerEligibilityRoutes, type EligibilityApi } from './eligibility-routes';
import { registerFhirRoutes, type FhirApi } from './fhir-routes';
import type { ChannelStatus } from './channel-status';
import { registerConsoleApiRoutes, type ConsoleApi } from './console-api-routes';
import { registerConsoleRoutes } from './console-routes';
import { registerDestinationRoutes, type DestinationsApi } from './destinations-routes';
import { registerMappingRoutes, type MappingsApi } from './mappings-routes';
import { registerObservabilityRoutes, type ObservabilityApi } from './observability-routes';
import {
  auditMessageSearch,
  checkMessageSearch,
  decodeCursor,
  messageQuery,
  nextOf,
  registerMessageSearchRoutes,
  type MessageSearchDeps,
} from './message-search';
import { auditPatientSearch, checkPatientSearch } from './patient-search';
import { registerSetupRoutes, type SetupApi } from './setup-routes';
import { registerUserRoutes, type AccountsApi } from './users-routes';
import { pageLimit, parse, patientFilter, rowId, rowIdParams } from './validate';
import type { ChannelInfo } from './wire/channels';

export type { ChannelStatus };

export interface AdminDeps {
  logger: Logger;
  /** Who may call (auth.ts), users and tokens (users-routes.ts), the audit trail (audit-routes.ts). */
  security: {
    authenticator: Authenticator;
    accounts: AccountsApi & SetupApi;
    audit: AuditSink & AuditApi;
    /** The only credential GET /metrics takes (RXBRIDGE_METRICS_TOKEN); unset = scraping refused. */
    scrapeToken?: string;
  };
  health(): Promise<{ store: boolean; queue: boolean; queueDepth?: number }>;
  channels(): ChannelStatus[];
  counts(): Promise<Map<string, Record<string, number>>>;
  /** The message list (message-search.ts): terms become tokens on the store's side, never go further. */
  listMessages: MessageSearchDeps['listMessages'];
  getMessage(id: string): Promise<unknown | undefined>;
  listCharges(f: ChargeQuery & { limit: number }): Promise<unknown[]>;
  replay(id: string, raw: string | undefined, actor: string): Promise<{ id: string; replay: number }>;
  /** POST /api/channels/reload (channels-routes.ts). */
  reloadChannels: ChannelsApi['reloadChannels'];
  setChannelPaused: ChannelsApi['setChannelPaused'];
  /** GET/PUT /api/channels/:name/file (channels-routes.ts, src/channels/file-editor.ts). */
  readChannelFile: ChannelsApi['readChannelFile'];
  saveChannelFile: ChannelsApi['saveChannelFile'];
  /** The live mappings: list, read, save, preview (mappings-routes.ts). */
  mappings: MappingsApi;
  /** Claims, batches, remittances and billing reports (claims-routes.ts); absent = those routes are not served. */
  claims?: ClaimsApi;
  /** Eligibility 270/271 (eligibility-routes.ts); absent = those routes are not served. */
  eligibility?: EligibilityApi;
  /** Channel destinations: queues, dead letters, replay (destinations-routes.ts); absent = not served. */
  destinations?: DestinationsApi;
  /** billing.yaml reloads, unknown payer ids and "add this payer" (billing-routes.ts); absent = not served. */
  billing?: BillingApi;
  /** The read-only FHIR R4 API under /fhir/R4 (fhir-routes.ts, docs/fhir.md); absent = not served. */
  fhir?: FhirApi;
  /** GET /metrics and GET /api/alerts (observability-routes.ts); absent = no /metrics, no alerts. */
  observability?: ObservabilityApi;
  /** The web console's dashboard, timelines and dead-letter groups (console-api-routes.ts). */
  console: ConsoleApi;
}

const chargeQuery = z.strictObject({
  status: z.enum(['active', 'reversed', 'reversal', 'held']).optional(),
  patient: patientFilter.optional(),
  channel: z.string().max(100).optional(),
  before: rowId.optional(),
  limit: pageLimit,
});
type ChargeQuery = z.infer<typeof chargeQuery>;

const replayBody = z
  .strictObject({
    raw: z
      .string()
      .min(1)
      .max(10 * 1024 * 1024)
      .optional(),
  })
  .optional();

/** How the server speaks: HTTPS when `https` is given (https-config.ts), else plain HTTP. */
export interface AdminServerOptions {
  https?: HttpsServerOptions;
}

export function buildAdminApp(deps: AdminDeps, server: AdminServerOptions = {}): FastifyInstance {
  const options = { logger: false, bodyLimit: 12 * 1024 * 1024 } as const;
  // With `https` app.server is an https.Server (setSecureContext reloads its certificate); the routes are the same.
  const app = server.https ? (Fastify({ ...options, https: server.https }) as unknown as FastifyInstance) : Fastify(options);
  installAccessControl(app, {
    authenticator: deps.security.authenticator,
    audit: deps.security.audit,
    scrapeToken: deps.security.scrapeToken,
  }); // before any route

  // Every answer: no MIME sniffing. API answers (message bodies, PHI, tokens) are never cached by a browser or
  // proxy. Over HTTPS, browsers are told to use HTTPS only for a year (HSTS). A route's own Cache-Control stays.
  app.addHook('onSend', async (request, reply, payload) => {
    reply.header('x-content-type-options', 'nosniff');
    if (request.url.startsWith('/api/') && !reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
    if (server.https) reply.header('strict-transport-security', 'max-age=31536000');
    return payload;
  });

  app.setErrorHandler((err, request, reply) => {
    const fastifyStatus = (err as { statusCode?: number }).statusCode;
    if (!(err instanceof EngineError) && fastifyStatus && fastifyStatus >= 400 && fastifyStatus < 500) {
      return reply.status(fastifyStatus).send({ error: { code: 'BAD_REQUEST', message: (err as Error).message } });
    }
    const e = asEngineError(err);
    if (e.spec.http >= 500) deps.logger.error('api request failed', { route: request.routeOptions.url, code: e.code });
    return reply
      .status(e.spec.http)
      .send({ error: { code: e.code, message: e.spec.http >= 500 && e.code === 'INTERNAL' ? 'internal error' : e.message } });
  });

  app.get('/api/health', role('public'), async (_req, reply) => {
    const h = await deps.health();
    return reply.status(h.store && h.queue ? 200 : 503).send({ status: h.store && h.queue ? 'ok' : 'degraded', ...h });
  });

  registerConsoleRoutes(app);
  registerObservabilityRoutes(app, deps.observability ?? {});
  if (deps.fhir) registerFhirRoutes(app, deps.fhir);

  app.register(async (api) => {
    api.get('/api/channels', role('viewer'), async () => {
      const counts = await deps.counts();
      return { channels: deps.channels().map((c): ChannelInfo => ({ ...c, counts: counts.get(c.name) ?? {} })) };
    });

    registerMessageSearchRoutes(api, deps);

    api.get('/api/messages/:id', role('operator'), async (req) => {
      const { id: messageId } = parse(rowIdParams, req.params, 'message id');
      const message = await deps.getMessage(messageId);
      if (!message) throw new EngineError('NOT_FOUND', `message ${messageId} not found`);
      await audit(req, 'message.view', { type: 'message', id: messageId }); // the answer holds the raw message
      return message;
    });

    api.get('/api/dead-letters', role('operator'), async (req) => {
      const q = parse(messageQuery.omit({ status: true }), req.query, 'query');
      checkMessageSearch(req, q);
      const messages = await deps.listMessages({
        ...q,
        status: 'error',
        cursor: q.cursor === undefined ? undefined : decodeCursor(q.cursor),
      });
      await auditMessageSearch(req, 'message.search', q, messages as Array<{ id?: unknown }>);
      return { deadLetters: messages, next: nextOf(messages, q.limit, q.sort) };
    });

    api.post('/api/messages/:id/replay', role('operator'), async (req, reply) => {
      const { id: messageId } = parse(rowIdParams, req.params, 'message id');
      const body = parse(replayBody, req.body ?? undefined, 'body');
      const result = await deps.replay(messageId, body?.raw, actorOf(req));
      await audit(req, 'message.replay', { type: 'message', id: messageId }, { edited: body?.raw !== undefined, replay: result.replay });
      return reply.status(202).send(result);
    });

    api.get('/api/charges', role('viewer'), async (req) => {
      const q = parse(chargeQuery, req.query, 'query');
      checkPatientSearch(req, q.patient);
      const charges = await deps.listCharges(q);
      await auditPatientSearch(req, 'charge', q.patient, charges as Array<{ id?: unknown }>);
      return { charges, next: nextCursor(charges, q.limit) };
    });

    registerChannelRoutes(api, deps);
    registerConsoleApiRoutes(api, deps.console);
    registerMappingRoutes(api, deps.mappings);
    if (deps.claims) registerClaimsRoutes(api, deps.claims);
    if (deps.eligibility) registerEligibilityRoutes(api, deps.eligibility);
    if (deps.destinations) registerDestinationRoutes(api, deps.destinations);
    if (deps.billing) registerBillingRoutes(api, deps.billing);
    registerUserRoutes(api, deps.security.accounts);
    registerSetupRoutes(api, deps.security.accounts);
    registerAuditRoutes(api, deps.security.audit);
  });

  app.setNotFoundHandler((request, reply) => {
    reply.status(404).send({ error: { code: 'NOT_FOUND', message: `no route ${request.method} ${request.url.split('?')[0]}` } });
  });
  return app;
}

function nextCursor(rows: unknown[], limitValue: number): string | null {
  if (rows.length < limitValue) return null;
  const last = rows[rows.length - 1] as { id?: unknown } | undefined;
  return last?.id === undefined ? null : String(last.id);
}
