/**
 * Observability routes: `GET /metrics` (Prometheus text, role `scrape`: the dedicated scrape token only, see
 * auth.ts) and `GET /api/alerts` (viewer: the active channel alerts, for the console). Neither answer holds
 * patient data: metric labels and alert texts name channels, statuses, stages and counts only.
 */
import type { FastifyInstance } from 'fastify';
import type { Alert } from '../alerts/evaluate';
import { role } from './auth';

/** An active alert as the API answers it (src/alerts/evaluate.ts). */
export type ActiveAlert = Alert;

export interface ObservabilityApi {
  /** The metrics text and its content type; absent = no /metrics route. */
  metrics?: { contentType: string; render(): Promise<string> };
  /** The active alerts, oldest first; absent = `GET /api/alerts` answers an empty list. */
  alerts?(): ActiveAlert[];
}

export function registerObservabilityRoutes(app: FastifyInstance, api: ObservabilityApi): void {
  const metrics = api.metrics;
  if (metrics) {
    app.get('/metrics', role('scrape'), async (_req, reply) => {
      const text = await metrics.render();
      return reply.header('content-type', metrics.contentType).header('cache-control', 'no-store').send(text);
    });
  }
  app.get('/api/alerts', role('viewer'), async () => ({ alerts: api.alerts?.() ?? [] }));
}
