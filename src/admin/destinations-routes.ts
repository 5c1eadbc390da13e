/**
 * Channel destinations in the admin API (docs/channels.md "Destinations"): their queues and dead letters, and
 * replay of failed deliveries. Reading is for viewers (counts and receiver codes, no message content); the dead
 * letters list and every replay need an operator, and every replay is audited (`delivery.replay`).
 *
 *   GET  /api/destinations                                   viewer    every destination: queued, failed, last error
 *   GET  /api/destinations/:channel/:destination/failed      operator  its dead letters, newest first
 *   POST /api/destinations/:channel/:destination/replay      operator  replay all its dead letters
 *   POST /api/deliveries/:id/replay                          operator  replay one dead letter
 *   POST /api/messages/:id/deliveries/replay                 operator  replay a message's failed deliveries
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { EngineError } from '../core/errors';
import type { DestinationCounts, DeliveryRow, ReplayScope } from '../store/deliveries';
import { audit, role } from './auth';
import { parse, rowIdParams } from './validate';
import type { DeliveryReplayed, DestinationInfo, DestinationList, FailedDeliveries } from './wire/destinations';
import { sends } from './wire/json';

export interface DestinationsApi {
  /** The destinations of the channels in force: channel, name, connector type, enabled. */
  configured(): Array<{ channel: string; destination: string; connector: string; enabled: boolean }>;
  counts(): Promise<DestinationCounts[]>;
  failed(channel: string, destination: string): Promise<DeliveryRow[]>;
  replay(scope: ReplayScope): Promise<string[]>;
}

const destinationParams = z.strictObject({
  channel: z.string().regex(/^[a-z0-9-]{1,64}$/),
  destination: z.string().regex(/^[a-z0-9-]{1,64}$/),
});

export function registerDestinationRoutes(api: FastifyInstance, deps: DestinationsApi): void {
  api.get('/api/destinations', role('viewer'), async () => {
    const counts = await deps.counts();
    const key = (c: string, d: string) => `${c}\u0000${d}`;
    const byKey = new Map(counts.map((c) => [key(c.channel, c.destination), c]));
    const listed = deps.configured().map((d): DestinationInfo => {
      const c = byKey.get(key(d.channel, d.destination));
      byKey.delete(key(d.channel, d.destination));
      return {
        ...d,
        configured: true,
        open: c?.open ?? 0,
        failed: c?.failed ?? 0,
        delivered: c?.delivered ?? 0,
        lastError: c?.lastError ?? null,
        lastErrorAt: c?.lastErrorAt ?? null,
      };
    });
    // Destinations removed from their channel file that still have deliveries in the store.
    const removed = [...byKey.values()].map((c): DestinationInfo => ({ ...c, connector: '', enabled: false, configured: false }));
    return sends<DestinationList>()({ destinations: [...listed, ...removed] });
  });

  api.get('/api/destinations/:channel/:destination/failed', role('operator'), async (req) => {
    const p = parse(destinationParams, req.params, 'destination');
    return sends<FailedDeliveries>()({ deliveries: await deps.failed(p.channel, p.destination) });
  });

  api.post('/api/destinations/:channel/:destination/replay', role('operator'), async (req, reply) => {
    const p = parse(destinationParams, req.params, 'destination');
    const replayed = await deps.replay({ kind: 'destination', channel: p.channel, destination: p.destination });
    await audit(req, 'delivery.replay', { type: 'destination', id: `${p.channel}/${p.destination}` }, { count: replayed.length });
    return reply.status(202).send(sends<DeliveryReplayed>()({ replayed }));
  });

  api.post('/api/deliveries/:id/replay', role('operator'), async (req, reply) => {
    const { id } = parse(rowIdParams, req.params, 'delivery id');
    const replayed = await deps.replay({ kind: 'delivery', id });
    if (replayed.length === 0) throw new EngineError('CONFLICT', `delivery ${id} is not a failed delivery`);
    await audit(req, 'delivery.replay', { type: 'delivery', id }, { count: 1 });
    return reply.status(202).send(sends<DeliveryReplayed>()({ replayed }));
  });

  api.post('/api/messages/:id/deliveries/replay', role('operator'), async (req, reply) => {
    const { id } = parse(rowIdParams, req.params, 'message id');
    const replayed = await deps.replay({ kind: 'message', messageId: id });
    await audit(req, 'delivery.replay', { type: 'message', id }, { count: replayed.length });
    return reply.status(202).send(sends<DeliveryReplayed>()({ replayed }));
  });
}
