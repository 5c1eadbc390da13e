/**
 * Message browser (viewer): search by channel, status, type, date range, control id and Rx number (in the URL),
 * by patient id or family name and by words of the message content (operator+; kept in memory, never in the URL);
 * a dense table (≥ 25 rows on a 1440×900 screen, no sideways scrolling at 1024 px) sorted on the server by received
 * time, type, status or channel (column headers; `sort`/`dir` in the URL) with "Older" paging (`limit` in the URL,
 * default 50); the whole result exported as CSV, or replayed (operator: the count and a reason confirmed).
 * `#/messages/<id>` opens one message (message-detail.tsx).
 */
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { ConfirmButton, ErrorBox, IdLink, Loading, ReusedControlIdBadge, StatusBadge, useLoad } from '../components';
import { saveText } from '../download';
import { formatCompactDateTime } from '../format';
import { useSlashFocus } from '../hotkeys';
import {
  exportMessagesCsv,
  listChannelNames,
  replaySearch,
  searchMessages,
  type MessageFilters,
  type MessageSearch,
  type MessageSummary,
  type ReplayResult,
} from '../ops-api';
import { navigate } from '../router';
import { hasRole } from '../session';
import type { PageProps } from './index';
import { MessageDetailView } from './message-detail';

const STATUSES = ['received', 'processing', 'processed', 'filtered', 'error', 'rejected', 'duplicate'];
/** Search keys that may appear in the page URL (no patient data). */
const URL_KEYS = ['channel', 'status', 'type', 'from', 'to', 'controlId', 'rx'] as const;
type UrlKey = (typeof URL_KEYS)[number];
/** The terms that are patient data: in the page's memory only. */
type MemoryKey = 'patient' | 'words';
type Form = Record<UrlKey | MemoryKey, string>;
type SortKey = NonNullable<MessageSearch['sort']>;
const SORT_KEYS: readonly SortKey[] = ['received', 'type', 'status', 'channel'];
/** "1 message", "3 messages". */
const messages = (n: number) => `${n} message${n === 1 ? '' : 's'}`;

/** Most messages one replay of a search takes (the server's cap). */
const REPLAY_MAX = 500;

/**
 * The patient term and the content words live here, outside the URL and the browser history, so they survive
 * opening a message and coming back, and are gone when the page is closed or reloaded.
 */
const remembered: Record<MemoryKey, string> = { patient: '', words: '' };

/** `2026-11-25T10:00` (a datetime-local value, local time) → ISO 8601 UTC; '' stays ''. */
function localToIso(value: string): string | undefined {
  if (!value) return undefined;
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}

function formFromParams(params: URLSearchParams): Form {
  const form = { ...remembered } as Form;
  for (const k of URL_KEYS) form[k] = params.get(k) ?? '';
  return form;
}

function filtersFromForm(f: Form, canSearchPatients: boolean): MessageFilters {
  return {
    channel: f.channel || undefined,
    status: f.status || undefined,
    type: f.type.trim().toUpperCase() || undefined,
    from: localToIso(f.from),
    to: localToIso(f.to),
    controlId: f.controlId.trim() || undefined,
    rx: f.rx.trim() || undefined,
    patient: canSearchPatients ? f.patient.trim() || undefined : undefined,
    q: canSearchPatients ? f.words.trim() || undefined : undefined,
  };
}

function sortOf(params: URLSearchParams): { sort?: SortKey; dir: 'asc' | 'desc' } {
  const sort = SORT_KEYS.find((k) => k === params.get('sort'));
  return { sort, dir: params.get('dir') === 'asc' ? 'asc' : 'desc' };
}

/** A column header that sorts the list on the server; a second click turns the order around. */
function SortHeader({
  label,
  k,
  sort,
  dir,
  onSort,
}: {
  label: string;
  k: SortKey;
  sort?: SortKey;
  dir: 'asc' | 'desc';
  onSort(k: SortKey): void;
}) {
  const active = sort === k || (sort === undefined && k === 'received');
  const ariaSort = active ? (dir === 'asc' ? 'ascending' : 'descending') : 'none';
  return (
    <th aria-sort={ariaSort} class={`sortable col-${k}`}>
      <button type="button" class="link sort" onClick={() => onSort(k)}>
        {label}
        <span aria-hidden="true">{active ? (dir === 'asc' ? ' ▲' : ' ▼') : ''}</span>
      </button>
    </th>
  );
}

function ResultsTable({
  rows,
  sort,
  dir,
  onSort,
}: {
  rows: MessageSummary[];
  sort?: SortKey;
  dir: 'asc' | 'desc';
  onSort(k: SortKey): void;
}) {
  return (
    <table aria-label="Messages" class="results dense">
      <colgroup>
        <col class="w-id" />
        <col class="w-time" />
        <col class="w-channel" />
        <col class="w-type" />
        <col class="w-control" />
        <col class="w-sender" />
        <col class="w-status" />
        <col />
      </colgroup>
      <thead>
        <tr>
          <th>Id</th>
          <SortHeader label="Received" k="received" sort={sort} dir={dir} onSort={onSort} />
          <SortHeader label="Channel" k="channel" sort={sort} dir={dir} onSort={onSort} />
          <SortHeader label="Type" k="type" sort={sort} dir={dir} onSort={onSort} />
          <th>Control id</th>
          <th>Sender</th>
          <SortHeader label="Status" k="status" sort={sort} dir={dir} onSort={onSort} />
          <th>Error</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((m) => (
          <tr key={m.id} class="clickable" data-message={m.id} onClick={() => navigate(`/messages/${m.id}`)}>
            <td>
              <IdLink kind="message" id={m.id} />
            </td>
            <td class="nowrap mono" title={m.received_at}>
              {formatCompactDateTime(m.received_at)}
            </td>
            <td class="clip" title={m.channel}>
              {m.channel}
            </td>
            <td class="mono clip">{m.message_type || '—'}</td>
            <td class="mono clip" title={m.control_id ?? ''}>
              {m.control_id || '—'}
              {m.reused_control_id_of && (
                <>
                  {' '}
                  <ReusedControlIdBadge of={m.reused_control_id_of} />
                </>
              )}
            </td>
            <td class="mono clip" title={m.sender ?? ''}>
              {m.sender || '—'}
            </td>
            <td class="nowrap">
              <StatusBadge status={m.status} />
              {m.replays > 0 && <span class="muted"> ×{m.replays}</span>}
            </td>
            <td class="clip" title={m.error_code ? `${m.error_code} ${m.error_text ?? ''}` : ''}>
              {m.error_code ? (
                <>
                  <span class="mono">{m.error_code}</span> <span class="muted">{m.error_text}</span>
                </>
              ) : (
                ''
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** "3 of 4 replays queued (1 refused: CONFLICT)". */
function replaySummary(results: ReplayResult[]): string {
  const queued = results.filter((r) => 'replay' in r).length;
  const refused = [...new Set(results.flatMap((r) => ('error' in r ? [r.error.code] : [])))];
  return `${queued} of ${results.length} replays queued${results.length > queued ? ` (${results.length - queued} refused: ${refused.join(', ')})` : ''}.`;
}

/** Export the whole result as CSV, and (operator) replay it after confirming the count and giving a reason. */
function ResultActions({
  filters,
  shown,
  complete,
  canReplay,
  onReplayed,
}: {
  filters: MessageFilters;
  shown: number;
  complete: boolean;
  canReplay: boolean;
  /** Hears what the replay did, in words (the list is searched again, which replaces this component). */
  onReplayed(summary: string): void;
}) {
  const [reason, setReason] = useState('');
  const [state, setState] = useState<{ busy: boolean; error?: Error }>({ busy: false });

  async function exportCsv() {
    setState({ busy: true });
    try {
      saveText('messages.csv', await exportMessagesCsv(filters), 'text/csv');
      setState({ busy: false });
    } catch (e) {
      setState({ busy: false, error: e as Error });
    }
  }

  async function replay() {
    setState({ busy: true });
    try {
      const r = await replaySearch(filters, shown, reason.trim());
      setState({ busy: false });
      setReason('');
      onReplayed(replaySummary(r.results));
    } catch (e) {
      setState({ busy: false, error: e as Error });
    }
  }

  const replayable = complete && shown <= REPLAY_MAX;
  return (
    <div class="result-actions toolbar">
      <button type="button" onClick={exportCsv} disabled={state.busy}>
        Export CSV
      </button>
      {canReplay && (
        <>
          <label class="inline-label">
            Reason <input name="replayReason" value={reason} onInput={(e) => setReason((e.target as HTMLInputElement).value)} size={24} />
          </label>
          <ConfirmButton
            label={shown === 1 ? 'Replay this message' : `Replay these ${shown} messages`}
            question={`Replay all ${messages(shown)} of this search? Charges already written are not billed again.`}
            confirmLabel={`Replay ${messages(shown)}`}
            disabled={state.busy || !replayable || reason.trim().length < 3}
            onConfirm={replay}
          />
          {!complete && <span class="muted">Load every page (Older) to replay the whole result.</span>}
          {complete && shown > REPLAY_MAX && (
            <span class="muted">At most {REPLAY_MAX} messages are replayed at once: narrow the search.</span>
          )}
          {replayable && reason.trim().length < 3 && <span class="muted">Give a reason to replay.</span>}
        </>
      )}
      {state.error && <ErrorBox error={state.error} />}
    </div>
  );
}

function MessageList({ route, user }: PageProps) {
  const canSearchPatients = hasRole(user, 'operator');
  const paramsKey = route.params.toString();
  const [form, setForm] = useState<Form>(() => formFromParams(route.params));
  const [applied, setApplied] = useState({ ...remembered });
  // Search pressed again with the same fields: search again (the address does not change).
  const [searchTick, setSearchTick] = useState(0);
  const firstField = useRef<HTMLInputElement>(null);
  useSlashFocus(firstField);
  const channels = useLoad(listChannelNames, []);

  // The form follows the address when it changes from elsewhere (a dashboard link, Back); not after our own
  // Search or Clear, whose hash change arrives later and must not undo what the user typed since.
  const syncedKey = useRef(paramsKey);
  useEffect(() => {
    if (paramsKey === syncedKey.current) return;
    syncedKey.current = paramsKey;
    setForm(formFromParams(route.params));
  }, [paramsKey]);

  // `limit` (1–500, default 50) may be given in the address: `#/messages?status=error&limit=200`.
  const limit = Math.min(500, Math.max(1, Math.trunc(Number(route.params.get('limit'))) || 50));
  const { sort, dir } = sortOf(route.params);
  const filters = useMemo(
    () => filtersFromForm({ ...formFromParams(route.params), ...applied }, canSearchPatients),
    [paramsKey, applied, searchTick],
  );
  const query = useMemo<MessageSearch>(() => ({ ...filters, sort, dir: sort ? dir : undefined, limit }), [filters, sort, dir, limit]);
  const [rows, setRows] = useState<MessageSummary[] | undefined>();
  const [next, setNext] = useState<string | null>(null);
  const [error, setError] = useState<Error | undefined>();
  const [busy, setBusy] = useState(false);
  /** What the last replay of the result did; cleared by the next search. */
  const [replayNote, setReplayNote] = useState<string | undefined>();

  useEffect(() => {
    let live = true;
    setRows(undefined);
    setError(undefined);
    setBusy(true);
    searchMessages(query)
      .then(
        (page) => {
          if (live) {
            setRows(page.rows);
            setNext(page.next);
          }
        },
        (e: Error) => {
          if (live) setError(e);
        },
      )
      .finally(() => {
        if (live) setBusy(false);
      });
    return () => {
      live = false;
    };
  }, [query]);

  async function older() {
    if (!next) return;
    setBusy(true);
    try {
      const page = await searchMessages({ ...query, ...(sort ? { cursor: next } : { before: next }) });
      setRows((r) => [...(r ?? []), ...page.rows]);
      setNext(page.next);
    } catch (e) {
      setError(e as Error);
    } finally {
      setBusy(false);
    }
  }

  /** The address of the search in the form, with the order and limit of the current one. */
  function urlParams(f: Form, order: { sort?: SortKey; dir: 'asc' | 'desc' }): Record<string, string> {
    const params: Record<string, string> = {};
    for (const k of URL_KEYS) if (f[k].trim()) params[k] = f[k].trim();
    if (order.sort) {
      params.sort = order.sort;
      params.dir = order.dir;
    }
    if (route.params.get('limit')) params.limit = String(limit);
    return params;
  }

  function go(params: Record<string, string>) {
    syncedKey.current = new URLSearchParams(params).toString();
    if (syncedKey.current === paramsKey) setSearchTick((t) => t + 1);
    navigate('/messages', params);
  }

  function submit(e: Event) {
    e.preventDefault();
    setReplayNote(undefined);
    remembered.patient = canSearchPatients ? form.patient : '';
    remembered.words = canSearchPatients ? form.words : '';
    setApplied({ ...remembered });
    go(urlParams(form, { sort, dir }));
  }

  function onSort(k: SortKey) {
    const current = sort ?? 'received';
    go(urlParams(formFromParams(route.params), { sort: k, dir: current === k && dir === 'desc' ? 'asc' : 'desc' }));
  }

  function clear() {
    remembered.patient = '';
    remembered.words = '';
    setApplied({ ...remembered });
    setForm(formFromParams(new URLSearchParams()));
    syncedKey.current = '';
    navigate('/messages');
  }

  const set = (k: keyof Form) => (e: Event) => setForm({ ...form, [k]: (e.target as HTMLInputElement).value });

  return (
    <div class="messages">
      <h1>Messages</h1>
      <form class="toolbar search compact" role="search" aria-label="Search messages" onSubmit={submit}>
        <label>
          Control id (MSH-10){' '}
          <input
            ref={firstField}
            name="controlId"
            value={form.controlId}
            onInput={set('controlId')}
            placeholder="press / to search"
            size={14}
          />
        </label>
        <label>
          Rx number <input name="rx" value={form.rx} onInput={set('rx')} size={10} />
        </label>
        {canSearchPatients && (
          <label>
            Patient id or family name <input name="patient" value={form.patient} onInput={set('patient')} autoComplete="off" size={14} />
          </label>
        )}
        {canSearchPatients && (
          <label title="Whole words of the message, all of them; no part of a word">
            Words in the message <input name="words" value={form.words} onInput={set('words')} autoComplete="off" size={16} />
          </label>
        )}
        <label>
          Channel
          <select name="channel" value={form.channel} onChange={set('channel')}>
            <option value="">any</option>
            {(channels.data ?? []).map((c) => (
              <option key={c} value={c}>
                {c}
              </option>
            ))}
            {form.channel && !(channels.data ?? []).includes(form.channel) && <option value={form.channel}>{form.channel}</option>}
          </select>
        </label>
        <label>
          Status
          <select name="status" value={form.status} onChange={set('status')}>
            <option value="">any</option>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
        <label>
          Type <input name="type" value={form.type} onInput={set('type')} placeholder="DFT^P03" size={8} />
        </label>
        <label>
          Received from <input name="from" type="datetime-local" value={form.from} onInput={set('from')} />
        </label>
        <label>
          to <input name="to" type="datetime-local" value={form.to} onInput={set('to')} />
        </label>
        <button type="submit">Search</button>
        <button type="button" onClick={clear}>
          Clear
        </button>
      </form>
      {(applied.patient || applied.words) && (
        <p class="muted note">Also filtered by the patient or words you entered (not kept in the address bar).</p>
      )}
      {replayNote && (
        <p role="status" class="replay-summary note">
          {replayNote}
        </p>
      )}
      {error && <ErrorBox error={error} />}
      {!error && rows === undefined && <Loading what="messages" />}
      {rows !== undefined && rows.length === 0 && (
        <p class="state empty">No message matches this search. Messages appear here as soon as a sender's message is stored.</p>
      )}
      {rows !== undefined && rows.length > 0 && (
        <>
          <ResultsTable rows={rows} sort={sort} dir={dir} onSort={onSort} />
          <div class="pager">
            <span class="muted">
              {rows.length} shown, {sort ? `by ${sort} ${dir === 'asc' ? 'ascending' : 'descending'}` : 'newest first'}, {limit} at a time
            </span>
            {next ? (
              <button type="button" onClick={older} disabled={busy}>
                {busy ? 'Loading…' : sort ? 'More' : 'Older'}
              </button>
            ) : (
              <span class="muted">· no {sort ? 'more' : 'older'} messages</span>
            )}
          </div>
          <ResultActions
            filters={filters}
            shown={rows.length}
            complete={next === null}
            canReplay={canSearchPatients}
            onReplayed={(summary) => {
              setReplayNote(summary);
              setSearchTick((t) => t + 1);
            }}
          />
        </>
      )}
    </div>
  );
}

export function MessagesPage(props: PageProps) {
  const id = props.route.parts[1];
  if (id !== undefined)
    return <MessageDetailView key={id} id={id} user={props.user} markedCharge={props.route.params.get('charge') ?? undefined} />;
  return <MessageList {...props} />;
}
