/**
 * Dashboard (viewer): the active channel alerts (GET /api/alerts), every channel with its state, counts by
 * status, queue depth, last error and connected senders, and a messages-per-minute chart of the last hour
 * (GET /api/dashboard). Refreshes every 5 s while the
 * tab is visible. When a refresh fails (the engine or its API is down), the page says "Engine unreachable" and
 * shows every channel's state as "unknown": the last data stays on screen for its counts, marked with its time,
 * but a "listening" from before the failure is never shown as current. Each alert links to what it is about; a
 * channel's last error shows its time, and is marked old once the channel has processed messages since.
 * The first time the channel table shows data, the page sets the performance mark `rxb:channels-rendered` (the
 * browser test measures it).
 */
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { ErrorBox, Loading, StatusBadge, formatDateTime } from '../components';
import { useVisibleInterval } from '../hotkeys';
import { MinuteChart } from '../minute-chart';
import {
  getAlerts,
  getDashboard,
  listDestinations,
  replayDestination,
  type ActiveAlert,
  type Dashboard,
  type DashboardChannel,
  type DestinationInfo,
} from '../ops-api';
import { href } from '../router';
import { hasRole } from '../session';
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

/** The work queue's counts, each with its name (the one queue serves every channel). */
function Queue({ q }: { q: DashboardChannel['queue'] }) {
  if (!q)
    return (
      <span class="muted" title="the queue (Redis) did not answer">
        queue unreachable
      </span>
    );
  const parts: Array<[string, number]> = [
    ['waiting', q.waiting],
    ['active', q.active],
    ['delayed', q.delayed],
    ['failed', q.failed],
  ];
  return (
    <span class="queue-counts" title="jobs of the work queue, shared by every channel">
      {parts.map(([label, n]) => (
        <span key={label} class="queue-count" data-queue={label}>
          <span class="n mono">{n}</span> {label}
        </span>
      ))}
    </span>
  );
}

/** The channel's newest failure with its time; marked old when the channel has processed messages since. */
function LastErrorCell({ error }: { error: DashboardChannel['lastError'] }) {
  if (!error) return <span class="muted">none</span>;
  const old = error.processedSince > 0;
  const since = error.processedSince >= 1000 ? '1000+' : String(error.processedSince);
  return (
    <span class={old ? 'last-error-old' : 'last-error-current'} data-old={old ? 'true' : 'false'}>
      <span class={`badge ${old ? 'status-old' : 'status-error'}`}>{error.code}</span> <span class="text">{error.text}</span>{' '}
      <span class="muted">at {formatDateTime(error.at)}</span>
      {old && (
        <span class="muted old-note">
          {' '}
          · old: {since} {since === '1' ? 'message' : 'messages'} processed since
        </span>
      )}
    </span>
  );
}

/** The state shown for a channel: "unknown" while the engine does not answer (never a stale "listening"). */
function stateOf(c: DashboardChannel, unreachable: boolean): string {
  return unreachable ? 'unknown' : c.state;
}

function ChannelTable({ data, unreachable }: { data: Dashboard; unreachable: boolean }) {
  useEffect(() => {
    if (performance.getEntriesByName('rxb:channels-rendered').length === 0) performance.mark('rxb:channels-rendered');
  }, []);
  return (
    <table aria-label="Channels" class={unreachable ? 'channels stale' : 'channels'}>
      <thead>
        <tr>
          <th>Channel</th>
          <th>State</th>
          <th>Port</th>
          <th>Messages by status</th>
          <th>Work queue (all channels)</th>
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
            <td data-state={stateOf(c, unreachable)}>
              <StatusBadge status={stateOf(c, unreachable)} />
            </td>
            <td class="mono">{c.port || '—'}</td>
            <td>
              <Counts channel={c} />
            </td>
            <td>
              <Queue q={c.queue} />
            </td>
            <td class="last-error">
              <LastErrorCell error={c.lastError} />
            </td>
            <td>{c.senders.length}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/**
 * Every channel destination (GET /api/destinations): deliveries queued or being retried, dead letters, delivered,
 * and the newest error. A destination whose receiver is down shows a growing queue and its connection error here.
 * Operators may send a destination's dead letters again (after a confirmation).
 */
function DestinationTable({
  destinations,
  operator,
  onReplayed,
}: {
  destinations: DestinationInfo[];
  operator: boolean;
  onReplayed(): void;
}) {
  const [busy, setBusy] = useState<string | undefined>();
  const [outcome, setOutcome] = useState<{ text?: string; error?: Error }>({});
  if (destinations.length === 0) return null;
  async function replayAll(d: DestinationInfo) {
    const key = `${d.channel}/${d.destination}`;
    if (!window.confirm(`Send the ${d.failed} failed deliveries of ${key} again?`)) return;
    setBusy(key);
    try {
      const r = await replayDestination(d.channel, d.destination);
      setOutcome({ text: `${r.replayed.length} deliveries of ${key} queued again.` });
      onReplayed();
    } catch (e) {
      setOutcome({ error: e as Error });
    } finally {
      setBusy(undefined);
    }
  }
  return (
    <section class="panel destinations" aria-label="Destinations">
      <h2>Destinations</h2>
      <table aria-label="Destinations">
        <thead>
          <tr>
            <th>Channel</th>
            <th>Destination</th>
            <th>Connector</th>
            <th>Queued</th>
            <th>Failed</th>
            <th>Delivered (24 h)</th>
            <th>Last error</th>
          </tr>
        </thead>
        <tbody>
          {destinations.map((d) => (
            <tr key={`${d.channel}/${d.destination}`} data-destination={d.destination}>
              <td>{d.channel}</td>
              <td>
                <strong>{d.destination}</strong>
                {!d.enabled && <span class="muted"> ({d.configured ? 'disabled' : 'removed'})</span>}
              </td>
              <td class="mono">{d.connector || '—'}</td>
              <td class="n mono" data-count="open">
                {d.open}
              </td>
              <td class="n mono" data-count="failed">
                {d.failed > 0 ? <span class="badge status-error">{d.failed}</span> : 0}
                {operator && d.failed > 0 && (
                  <>
                    {' '}
                    <button type="button" class="link" onClick={() => replayAll(d)} disabled={busy !== undefined}>
                      {busy === `${d.channel}/${d.destination}` ? 'Replaying…' : 'Replay'}
                    </button>
                  </>
                )}
              </td>
              <td class="n mono">{d.delivered}</td>
              <td class="last-error">
                {d.lastError ? (
                  <>
                    <span class="text">{d.lastError}</span> <span class="muted">at {formatDateTime(d.lastErrorAt)}</span>
                  </>
                ) : (
                  <span class="muted">none</span>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {outcome.text && <p role="status">{outcome.text}</p>}
      {outcome.error && <ErrorBox error={outcome.error} />}
    </section>
  );
}

/** Where an alert leads: the messages or the panel it is about. */
export function alertTarget(a: Pick<ActiveAlert, 'channel' | 'kind'>): { href: string; label: string } {
  switch (a.kind) {
    case 'dead-letters':
      return { href: href('/messages', { channel: a.channel, status: 'error' }), label: `failed messages of ${a.channel}` };
    case 'queue-depth':
      return { href: href('/messages', { channel: a.channel, status: 'received' }), label: `waiting messages of ${a.channel}` };
    case 'slots-exhausted':
      return { href: `#channel-${a.channel}`, label: `connected senders of ${a.channel}` };
    case 'silence':
    default:
      return { href: href('/messages', { channel: a.channel }), label: `latest messages of ${a.channel}` };
  }
}

function Alerts({ alerts, stale }: { alerts: ActiveAlert[]; stale: boolean }) {
  if (alerts.length === 0) return null;
  return (
    <section class="state error alerts" role="alert" aria-label="Active alerts">
      <strong>
        {alerts.length === 1 ? '1 active alert' : `${alerts.length} active alerts`}
        {stale ? ' (last known: the engine does not answer)' : ''}
      </strong>
      <ul>
        {alerts.map((a) => (
          <li key={a.id} data-alert={a.kind}>
            <strong>{a.channel}</strong>: {a.message} <span class="muted">since {formatDateTime(a.since)}</span> · <AlertLink alert={a} />
          </li>
        ))}
      </ul>
    </section>
  );
}

/** The slots alert points into this page (its senders panel): scrolled to in place, the hash route is kept. */
function AlertLink({ alert }: { alert: ActiveAlert }) {
  const t = alertTarget(alert);
  if (!t.href.startsWith('#channel-')) return <a href={t.href}>Show the {t.label}</a>;
  const scroll = (e: Event) => {
    e.preventDefault();
    document.getElementById(t.href.slice(1))?.scrollIntoView();
  };
  return (
    <a href={t.href} onClick={scroll}>
      Show the {t.label}
    </a>
  );
}

function ChannelPanel({ channel, unreachable }: { channel: DashboardChannel; unreachable: boolean }) {
  return (
    <section class="panel channel-panel" id={`channel-${channel.name}`} aria-label={`Channel ${channel.name}`}>
      <h2>
        {channel.name} <StatusBadge status={stateOf(channel, unreachable)} />
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

export function DashboardPage({ user }: PageProps) {
  const [data, setData] = useState<Dashboard | undefined>();
  const [alerts, setAlerts] = useState<ActiveAlert[]>([]);
  const [destinations, setDestinations] = useState<DestinationInfo[]>([]);
  const [error, setError] = useState<Error | undefined>();
  const inFlight = useRef(false);

  const load = useCallback(() => {
    if (inFlight.current) return;
    inFlight.current = true;
    // Alerts are extra: when they cannot be read the dashboard still shows, with the last alerts known.
    getAlerts().then(setAlerts, () => undefined);
    listDestinations().then(setDestinations, () => undefined);
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
      <Alerts alerts={alerts} stale={error !== undefined} />
      {error &&
        (data ? (
          <p class="state error engine-unreachable" role="alert">
            <strong>Engine unreachable</strong>: {error.message}. Channel states are unknown; the counts below are from{' '}
            {formatDateTime(data.generatedAt)}.
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
          <ChannelTable data={data} unreachable={error !== undefined} />
          <DestinationTable destinations={destinations} operator={hasRole(user, 'operator')} onReplayed={load} />
          {data.channels.map((c) => (
            <ChannelPanel key={c.name} channel={c} unreachable={error !== undefined} />
          ))}
        </>
      )}
    </div>
  );
}
