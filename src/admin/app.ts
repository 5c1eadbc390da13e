/**
 * The admin HTTP API. `buildAdminApp(deps)` returns a Fastify app (tested with inject(), no socket).
 * `/api/health` is open; every other `/api/*` route needs `Authorization: Bearer <token>`.
 * Errors answer `{ error: { code, message } }` with the catalogue's HTTP status; messages never carry PHI.
 * The mappings routes (list, read, save, preview) are in mappings-routes.ts.
 */
import { timingSafeEqual, createHash } from 'node:crypto';
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import { z } from 'zod';
import { EngineError, asEngineError } from '../core/errors';
import type { Logger } from '../core/logger';
import { MESSAGE_STATUSES } from '../store/types';
import { registerMappingRoutes, type MappingsApi } from './mappings-routes';
import { parse } from './validate';

export interface ChannelStatus {
  name: string;
  description: string;
  state: 'listening' | 'stopped' | 'disabled';
  host: string;
  port: number;
  connections: number;
  accept: string[];
  routes: Array<{ types: string[]; mapping: string }>;
}

export interface AdminDeps {
  logger: Logger;
  /** Bearer token that grants access; when unset every protected route answers 401. */
  adminToken: string | undefined;
  health(): Promise<{ store: boolean; queue: boolean; queueDepth?: number }>;
  channels(): ChannelStatus[];
  counts(): Promise<Map<string, Record<string, number>>>;
  listMessages(f: MessageQuery & { limit: number }): Promise<unknown[]>;
  getMessage(id: string): Promise<unknown | undefined>;
  listCharges(f: ChargeQuery & { limit: number }): Promise<unknown[]>;
  replay(id: string, raw: string | undefined, actor: string): Promise<{ id: string; replay: number }>;
  /** The live mappings: list, read, save, preview (mappings-routes.ts). */
  mappings: MappingsApi;
}

const id = z.string().regex(/^\d{1,18}$/, 'must be a number');
const limit = z.coerce.number().int().min(1).max(500).default(50);

const messageQuery = z.strictObject({
  channel: z.string().max(100).optional(),
  status: z.enum(MESSAGE_STATUSES).optional(),
  type: z.string().regex(/^[A-Z0-9]{3}\^[A-Z0-9]{3}$/, 'must look like DFT^P03').optional(),
  controlId: z.string().max(199).optional(),
  before: id.optional(),
  limit,
});
type MessageQuery = z.infer<typeof messageQuery>;

const chargeQuery = z.strictObject({
  status: z.enum(['active', 'reversed', 'reversal']).optional(),
  patient: z.string().max(200).optional(),
  channel: z.string().max(100).optional(),
  before: id.optional(),
  limit,
});
type ChargeQuery = z.infer<typeof chargeQuery>;

const replayBody = z.strictObject({ raw: z.string().min(1).max(10 * 1024 * 1024).optional() }).optional();

function tokenMatches(expected: string | undefined, header: string | undefined): boolean {
  if (!expected || !header?.startsWith('Bearer ')) return false;
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(expected), digest(header.slice(7).trim()));
}

export function buildAdminApp(deps: AdminDeps): FastifyInstance {
  const app = Fastify({ logger: false, bodyLimit: 12 * 1024 * 1024 });

  app.setErrorHandler((err, request, reply) => {
    const fastifyStatus = (err as { statusCode?: number }).statusCode;
    if (!(err instanceof EngineError) && fastifyStatus && fastifyStatus >= 400 && fastifyStatus < 500) {
      return reply.status(fastifyStatus).send({ error: { code: 'BAD_REQUEST', message: (err as Error).message } });
    }
    const e = asEngineError(err);
    if (e.spec.http >= 500) deps.logger.error('api request failed', { route: request.routeOptions.url, code: e.code });
    return reply.status(e.spec.http).send({ error: { code: e.code, message: e.spec.http >= 500 && e.code === 'INTERNAL' ? 'internal error' : e.message } });
  });

  app.get('/api/health', async (_req, reply) => {
    const h = await deps.health();
    return reply.status(h.store && h.queue ? 200 : 503).send({ status: h.store && h.queue ? 'ok' : 'degraded', ...h });
  });

  app.register(async (api) => {
    api.addHook('onRequest', async (request: FastifyRequest) => {
      if (!tokenMatches(deps.adminToken, request.headers.authorization)) {
        throw new EngineError('UNAUTHORIZED', 'missing or wrong bearer token');
      }
    });

    api.get('/api/channels', async () => {
      const counts = await deps.counts();
      return { channels: deps.channels().map((c) => ({ ...c, counts: counts.get(c.name) ?? {} })) };
    });

    api.get('/api/messages', async (req) => {
      const q = parse(messageQuery, req.query, 'query');
      const messages = await deps.listMessages(q);
      return { messages, next: nextCursor(messages, q.limit) };
    });

    api.get('/api/messages/:id', async (req) => {
      const { id: messageId } = parse(z.strictObject({ id }), req.params, 'message id');
      const message = await deps.getMessage(messageId);
      if (!message) throw new EngineError('NOT_FOUND', `message ${messageId} not found`);
      return message;
    });

    api.get('/api/dead-letters', async (req) => {
      const q = parse(messageQuery.omit({ status: true }), req.query, 'query');
      const messages = await deps.listMessages({ ...q, status: 'error' });
      return { deadLetters: messages, next: nextCursor(messages, q.limit) };
    });

    api.post('/api/messages/:id/replay', async (req, reply) => {
      const { id: messageId } = parse(z.strictObject({ id }), req.params, 'message id');
      const body = parse(replayBody, req.body ?? undefined, 'body');
      const result = await deps.replay(messageId, body?.raw, 'api-token');
      return reply.status(202).send(result);
    });

    api.get('/api/charges', async (req) => {
      const q = parse(chargeQuery, req.query, 'query');
      const charges = await deps.listCharges(q);
      return { charges, next: nextCursor(charges, q.limit) };
    });

    registerMappingRoutes(api, deps.mappings);
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
