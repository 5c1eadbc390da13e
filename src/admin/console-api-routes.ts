/**
 * The web console's server-side APIs (the shapes are docs/security.md's and the console contract's):
 *
 * - `GET /api/dashboard` (viewer): each channel's state, port, counts by status, messages per minute over the
 *   last hour (60 entries, oldest first, zero-filled), the work queue's counts, its last failure and its
 *   connected senders. Nothing in it is patient data: error texts name positions and rules, never values.
 * - `GET /api/messages/:id/timeline` (viewer): a message's path without its body — status changes, the charges
 *   it produced, the claims they are on and the payments posted to those claims.
 * - `GET /api/dead-letters/groups` (operator): dead letters grouped by channel, error code and reason.
 * - `POST /api/dead-letters/replay` (operator) `{ ids }` (1 to 500): replays each like
 *   `POST /api/messages/:id/replay` (audited one by one), answering per id `{ id, replay }` or
 *   `{ id, error: { code, message } }`; one failure does not stop the others.
 *
 * The data comes through ConsoleApi (wired in main.ts); this module checks input, shapes answers and audits.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { asEngineError, EngineError } from '../core/errors';
import { ROW_ID_PATTERN } from '../core/row-id';
import {
  zeroFilledMinutes,
  windowStart,
  type DeadLetterGroup as StoredDeadLetterGroup,
  type LastError,
  type MinuteCount,
  type messageTimeline,
} from '../store/console-queries';
import { actorOf, audit, role } from './auth';
import { parse, rowIdParams } from './validate';
import { sends } from './wire/json';
import type { ChannelState, Dashboard, DeadLetterGroup, QueueCounts, ReplayResult, Timeline } from './wire/messages';

export type { ChannelState, QueueCounts };

export interface ConnectedSender {
  /** "ip:port" of the peer. */
  remote: string;
  connectedAt: Date;
  /** Frames received on this connection. */
  messages: number;
}

/** What the dashboard is built from (main.ts wires the store, the queue and the listeners). */
export interface DashboardSources {
  channels(): Promise<Array<{ name: string; state: ChannelState; port: number }>>;
  counts(): Promise<Map<string, Record<string, number>>>;
  perMinute(since: Date): Promise<MinuteCount[]>;
  lastErrors(channels: readonly string[]): Promise<Map<string, LastError>>;
  /** The work queue's counts (one queue serves every channel), or null when Redis does not answer. */
  queue(): Promise<QueueCounts | null>;
  /** Open MLLP connections of a channel's listener in this process. */
  senders(channel: string): Promise<ConnectedSender[]>;
}

export interface ConsoleApi extends DashboardSources {
  timeline(id: string): Promise<Awaited<ReturnType<typeof messageTimeline>>>;
  deadLetterGroups(): Promise<StoredDeadLetterGroup[]>;
  replay(id: string, raw: string | undefined, actor: string): Promise<{ id: string; replay: number }>;
}

/** Most ids one bulk replay takes. */
export const BULK_REPLAY_MAX = 500;

const bulkReplayBody = z.strictObject({
  ids: z.array(z.string().regex(ROW_ID_PATTERN, 'must be a message id (a number as a string)')).min(1).max(BULK_REPLAY_MAX),
});

/** The dashboard answer, built from its sources at `now`. */
export async function buildDashboard(src: DashboardSources, now = new Date()): Promise<Dashboard> {
  const channels = await src.channels();
  const names = channels.map((c) => c.name);
  const [counts, minutes, errors, queue, senders] = await Promise.all([
    src.counts(),
    src.perMinute(windowStart(now)),
    src.lastErrors(names),
    src.queue(),
    Promise.all(names.map((n) => src.senders(n))),
  ]);
  return {
    generatedAt: now.toISOString(),
    channels: channels.map((c, i) => {
      const last = errors.get(c.name);
      return {
        name: c.name,
        state: c.state,
        port: c.port,
        counts: counts.get(c.name) ?? {},
        perMinute: zeroFilledMinutes(minutes, c.name, now),
        queue,
        lastError: last ? { at: last.at.toISOString(), code: last.code, text: last.text, processedSince: last.processedSince } : null,
        senders: (senders[i] ?? []).map((s) => ({ remote: s.remote, connectedAt: s.connectedAt.toISOString(), messages: s.messages })),
      };
    }),
  };
}

export function registerConsoleApiRoutes(api: FastifyInstance, deps: ConsoleApi): void {
  api.get('/api/dashboard', role('viewer'), async () => buildDashboard(deps));

  api.get('/api/messages/:id/timeline', role('viewer'), async (req) => {
    const { id } = parse(rowIdParams, req.params, 'message id');
    const timeline = await deps.timeline(id);
    if (!timeline) throw new EngineError('NOT_FOUND', `message ${id} not found`);
    return sends<Timeline>()(timeline);
  });

  api.get('/api/dead-letters/groups', role('operator'), async () => ({
    groups: sends<DeadLetterGroup[]>()(await deps.deadLetterGroups()),
  }));

  api.post('/api/dead-letters/replay', role('operator'), async (req) => {
    const { ids } = parse(bulkReplayBody, req.body ?? undefined, 'body');
    const results: ReplayResult[] = [];
    for (const id of [...new Set(ids)]) {
      try {
        const result = await deps.replay(id, undefined, actorOf(req));
        await audit(req, 'message.replay', { type: 'message', id }, { edited: false, replay: result.replay, bulk: true });
        results.push(result);
      } catch (err) {
        const e = asEngineError(err);
        if (e.spec.http >= 500) throw err; // the store or the queue is down: the caller sees it, not a list of 500s
        results.push({ id, error: { code: e.code, message: e.message } });
      }
    }
    return { results };
  });
}
