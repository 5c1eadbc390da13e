/**
 * Delivers one alert event to a channel's webhook: an HTTP POST of JSON, `timeoutMs` per try (default 5 s), one
 * retry after `retryDelayMs` (default 1 s) when the first try fails (no answer, or a status other than 2xx).
 *
 * The body (docs/channels.md "alerts"): `{ source: "rxbridge", event: "raised" | "cleared", alert: {...},
 * text }` — `text` is the alert's sentence, so a chat incoming-webhook shows it as it is. Alerts hold channel
 * names, counts and limits only, never message content.
 *
 * The webhook URL may carry a secret (chat webhooks do): logs name its host only.
 */
import type { Logger } from '../core/logger';
import type { Alert } from './evaluate';

export type AlertEvent = 'raised' | 'cleared';

export interface WebhookOptions {
  timeoutMs?: number;
  retryDelayMs?: number;
}

export interface AlertPayload {
  source: 'rxbridge';
  event: AlertEvent;
  alert: Alert;
  text: string;
}

export function alertPayload(event: AlertEvent, alert: Alert): AlertPayload {
  const text = event === 'raised' ? `RxBridge alert: ${alert.message}` : `RxBridge alert cleared: ${alert.message}`;
  return { source: 'rxbridge', event, alert, text };
}

/** Resolves true when the webhook answered 2xx (first try or the retry); never rejects. */
export async function postAlert(url: string, event: AlertEvent, alert: Alert, log: Logger, opts: WebhookOptions = {}): Promise<boolean> {
  const body = JSON.stringify(alertPayload(event, alert));
  const host = hostOf(url);
  let failure = '';
  for (let attempt = 1; attempt <= 2; attempt++) {
    if (attempt === 2) await new Promise((r) => setTimeout(r, opts.retryDelayMs ?? 1000));
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
        signal: AbortSignal.timeout(opts.timeoutMs ?? 5000),
      });
      await res.arrayBuffer().catch(() => undefined); // release the connection
      if (res.ok) {
        log.info('alert webhook delivered', {
          channel: alert.channel,
          code: alert.kind,
          status: event,
          host,
          attempt,
          statusCode: res.status,
        });
        return true;
      }
      failure = `HTTP ${res.status}`;
    } catch (err) {
      failure =
        (err as Error).name === 'TimeoutError' ? 'timeout' : ((err as { cause?: { code?: string } }).cause?.code ?? (err as Error).name);
    }
  }
  log.warn('alert webhook failed after a retry', { channel: alert.channel, code: alert.kind, status: event, host, error: failure });
  return false;
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return 'invalid-url';
  }
}
