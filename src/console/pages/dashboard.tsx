/**
 * Dashboard (viewer): the active channel alerts (GET /api/alerts), every channel with its state, counts by
 * status, queue depth, last error and connected senders, and a messages-per-minute chart of the last hour
 * (GET /api/dashboard). Refreshes every 5 s while the
 * tab is visible; a failed refresh keeps the last data on screen and says so. The first time the channel table
 * shows data, the page sets the performance mark `rxb:channels-rendered` (the browser test measures it).
 */
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { ErrorBox, Loading, StatusBadge, formatDateTime } from '../components';
import { useVisibleInterval } from '../hotkeys';
import { MinuteChart } from '../minute-chart';
import { getAlerts, getDashboard, type ActiveAlert, type Dashboard, type DashboardChannel } from '../ops-api';
import { href } from '../router';
import type { PageProps } from './index';

const REFRESH_MS = 5000;
/** Statuses in the order an operator reads them. */
const STATUS_ORDER = ['received', 'processing', 'processed', 'filtered', 'duplicate', 'error', 'rejected'];

function orderedCounts(counts: Record<string, number>): Array<[string, number]> {
  const known = STATUS_ORDER.filter((s) => counts[s] !== undefined).map((s): [string, number] => [s, counts[s] ?? 0]);
  const other = Object.entries(counts).filter(([s]) => !STATUS_ORDER.includes(s));
  return [...known, ...other];
}

function Counts({ channel }: { channel: DashboardChannel }) {
  const entries = orderedCounts(channel.counts);
  if (entries.length === 0) return <span class="muted">no messages yet</span>;
  return (
    <span class="counts">
      {entries.map(([status, n]) => (
        <a key={status} href={href('/messages', { channel: channel.name, status })} data-status={status} class="count">
          <StatusBadge status={status} /> <span class="n">{n}</span>
        </a>
      ))}
    </span>
  );
}

function Queue({ q }: { q: DashboardChannel['queue'] }) {
  if (!q)
    return (
      <span class="muted" title="the queue did not answer">
        —
      </span>
    );
  return (
    <span class="mono" title="waiting / active / delayed / failed">
      {q.waiting} / {q.active} / {q.delayed} / {q.failed}
    </span>
  );
}

function ChannelTable({ data }: { data: Dashboard }) {
  useEffect(() => {
    if (performance.getEntriesByName('rxb:channels-rendered').length === 0) performance.mark('rxb:channels-rendered');
  }, []);
  return (
    <table aria-label="Channels" class="channels">
      <thead>
        <tr>
          <th>Channel</th>
          <th>State</th>
          <th>Port</th>
          <th>Messages by status</th>
          <th>Queue</th>
          <th>Last error</th>
          <th>Senders</th>
        </tr>
      </thead>
      <tbody>
        {data.channels.map((c) => (
          <tr key={c.name} data-channel={c.name}>
            <td>
              <strong>{c.name}</strong>
            </td>
            <td>
              <StatusBadge status={c.state} />
            </td>
            <td class="mono">{c.port}</td>
            <td>
              <Counts channel={c} />
            </td>
            <td>
              <Queue q={c.queue} />
            </td>
            <td class="last-error">
              {c.lastError ? (
                <>
                  <span class="badge status-error">{c.lastError.code}</span> {c.lastError.text}{' '}
                  <span class="muted">{formatDateTime(c.lastError.at)}</span>
                </>
              ) : (
                <span class="muted">none</span>
              )}
            </td>
            <td>{c.senders.length}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Alerts({ alerts }: { alerts: ActiveAlert[] }) {
  if (alerts.length === 0) return null;
  return (
    <section class="state error alerts" role="alert" aria-label="Active alerts">
      <strong>{alerts.length === 1 ? '1 active alert' : `${alerts.length} active alerts`}</strong>
      <ul>
        {alerts.map((a) => (
          <li key={a.id} data-alert={a.kind}>
            <strong>{a.channel}</strong>: {a.message} <span class="muted">since {formatDateTime(a.since)}</span>
          </li>
        ))}
      </ul>
    </section>
  );
}

function ChannelPanel({ channel }: { channel: DashboardChannel }) {
  return (
    <section class="panel channel-panel" aria-label={`Channel ${channel.name}`}>
      <h2>
        {channel.name} <StatusBadge status={channel.state} />
      </h2>
      <div class="channel-body">
        <MinuteChart points={channel.perMinute} title={`Messages per minute on ${channel.name}`} />
        <div class="senders">
          <h3>Connected senders</h3>
          {channel.senders.length === 0 ? (
            <p class="muted">No sender is connected.</p>
          ) : (
            <table aria-label={`Senders of ${channel.name}`}>
              <thead>
                <tr>
                  <th>Address</th>
                  <th>Connected</th>
                  <th>Messages</th>
                </tr>
              </thead>
              <tbody>
                {channel.senders.map((s) => (
                  <tr key={s.remote}>
                    <td class="mono">{s.remote}</td>
                    <td>{formatDateTime(s.connectedAt)}</td>
                    <td>{s.messages}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </div>
      </div>
    </section>
  );
}

export function DashboardPage(_props: PageProps) {
  const [data, setData] = useState<Dashboard | undefined>();
  const [alerts, setAlerts] = useState<ActiveAlert[]>([]);
  const [error, setError] = useState<Error | undefined>();
  const inFlight = useRef(false);

  const load = useCallback(() => {
    if (inFlight.current) return;
    inFlight.current = true;
    // Alerts are extra: when they cannot be read the dashboard still shows, with the last alerts known.
    getAlerts().then(setAlerts, () => undefined);
    getDashboard()
      .then(
        (d) => {
          setData(d);
          setError(undefined);
        },
        (e: Error) => setError(e),
      )
      .finally(() => {
        inFlight.current = false;
      });
  }, []);

  useEffect(load, [load]);
  useVisibleInterval(load, REFRESH_MS);

  return (
    <div class="dashboard">
      <div class="page-head">
        <h1>Dashboard</h1>
        <span class="muted" aria-live="polite">
          {data ? `Updated ${formatDateTime(data.generatedAt)} · refreshes every 5 s while this tab is visible` : ''}
        </span>
        <button type="button" onClick={load}>
          Refresh now
        </button>
      </div>
      <Alerts alerts={alerts} />
      {error &&
        (data ? (
          <p class="state error" role="alert">
            Could not refresh: {error.message}. Showing the data of {formatDateTime(data.generatedAt)}.
          </p>
        ) : (
          <ErrorBox error={error} />
        ))}
      {!data && !error && <Loading what="the dashboard" />}
      {data && data.channels.length === 0 && (
        <p class="state empty">No channel is configured. Add a channel file under channels/ and restart the engine.</p>
      )}
      {data && data.channels.length > 0 && (
        <>
          <ChannelTable data={data} />
          {data.channels.map((c) => (
            <ChannelPanel key={c.name} channel={c} />
          ))}
        </>
      )}
    </div>
  );
}
