/**
 * `rxbridge destinations` through a running engine's API (docs/channels.md "Destinations"):
 *   rxbridge destinations [list] [--url URL]                  every destination: queued, failed, delivered, last error
 *   rxbridge destinations replay CHANNEL/DESTINATION [--url URL]   every dead letter of a destination
 *   rxbridge destinations replay --delivery ID | --message ID [--url URL]
 * Needs RXBRIDGE_TOKEN (an operator's API token) or RXBRIDGE_ADMIN_TOKEN. Exit 0 when done, 1 when the API refused,
 * 2 for a usage error.
 */
import { parseArgs } from 'node:util';
import type { DeliveryReplayed, DestinationList } from '../admin/wire/destinations';
import { apiToken, defaultAdminUrl, NO_API_TOKEN } from './admin-url';

export const DESTINATIONS_USAGE = `  rxbridge destinations [list] [--url URL]
  rxbridge destinations replay CHANNEL/DESTINATION | --delivery ID | --message ID [--url URL]`;

/** One line per destination (pure). */
export function destinationLines(list: DestinationList): string[] {
  if (list.destinations.length === 0) return ['no destinations'];
  return list.destinations.map((d) => {
    const state = d.configured ? (d.enabled ? '' : ' (disabled)') : ' (removed)';
    const error = d.lastError ? `  last error: ${d.lastError}` : '';
    return `${d.channel}/${d.destination}${state} ${d.connector || '-'}: ${d.open} queued, ${d.failed} failed, ${d.delivered} delivered (24 h)${error}`;
  });
}

export async function destinationsCommand(
  args: string[],
  env: Record<string, string | undefined>,
  out: (line: string) => void,
): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: { url: { type: 'string', default: defaultAdminUrl(env) }, delivery: { type: 'string' }, message: { type: 'string' } },
    });
  } catch (err) {
    out(`rxbridge: ${(err as Error).message}\n${DESTINATIONS_USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  const [sub = 'list', target, ...extra] = positionals;
  const token = apiToken(env);
  if (!token) {
    out(NO_API_TOKEN);
    return 2;
  }
  const call = async (method: 'GET' | 'POST', path: string): Promise<Answer> => {
    const res = await fetch(`${values.url}${path}`, { method, headers: { authorization: `Bearer ${token}` } });
    return { ok: res.ok, status: res.status, json: await res.json().catch(() => ({})) };
  };
  if (sub === 'list' && !target) {
    const r = await call('GET', '/api/destinations');
    if (!r.ok) return refused(out, r);
    for (const line of destinationLines(r.json as DestinationList)) out(line);
    return 0;
  }
  if (sub === 'replay' && extra.length === 0) {
    const chosen = [target, values.delivery, values.message].filter((v) => v !== undefined);
    if (chosen.length !== 1) {
      out(`rxbridge: destinations replay takes one of CHANNEL/DESTINATION, --delivery ID, --message ID\n${DESTINATIONS_USAGE}`);
      return 2;
    }
    let path: string;
    if (values.delivery !== undefined) path = `/api/deliveries/${encodeURIComponent(values.delivery)}/replay`;
    else if (values.message !== undefined) path = `/api/messages/${encodeURIComponent(values.message)}/deliveries/replay`;
    else {
      const [channel, destination, more] = (target as string).split('/');
      if (!channel || !destination || more !== undefined) {
        out(`rxbridge: write the destination as CHANNEL/DESTINATION\n${DESTINATIONS_USAGE}`);
        return 2;
      }
      path = `/api/destinations/${encodeURIComponent(channel)}/${encodeURIComponent(destination)}/replay`;
    }
    const r = await call('POST', path);
    if (!r.ok) return refused(out, r);
    const n = (r.json as DeliveryReplayed).replayed.length;
    out(`${n} deliver${n === 1 ? 'y' : 'ies'} replayed`);
    return 0;
  }
  out(`rxbridge: unknown destinations command\n${DESTINATIONS_USAGE}`);
  return 2;
}

interface Answer {
  ok: boolean;
  status: number;
  json: unknown;
}

function refused(out: (line: string) => void, r: Answer): number {
  const message = (r.json as { error?: { message?: string } } | null)?.error?.message;
  out(`rxbridge: the API answered ${r.status}${message ? `: ${message}` : ''}`);
  return 1;
}
