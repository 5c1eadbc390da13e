/**
 * Message browser (viewer): search by channel, status, type, date range, control id and Rx number (in the URL),
 * and by patient id or family name (operator+; kept in memory, never in the URL); results newest first with
 * keyset "Older" paging (`limit` in the URL, default 50). `#/messages/<id>` opens one message (message-detail.tsx).
 */
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { ErrorBox, Loading, ReusedControlIdBadge, StatusBadge, formatDateTime, useLoad } from '../components';
import { useSlashFocus } from '../hotkeys';
import { listChannelNames, searchMessages, type MessageSearch, type MessageSummary } from '../ops-api';
import { href, navigate } from '../router';
import { hasRole } from '../session';
import type { PageProps } from './index';
import { MessageDetailView } from './message-detail';

const STATUSES = ['received', 'processing', 'processed', 'filtered', 'error', 'rejected', 'duplicate'];
/** Search keys that may appear in the page URL (no patient data). */
const URL_KEYS = ['channel', 'status', 'type', 'from', 'to', 'controlId', 'rx'] as const;
type UrlKey = (typeof URL_KEYS)[number];
type Form = Record<UrlKey, string> & { patient: string };

/**
 * The patient search term lives here, outside the URL and the browser history, so it survives opening a message
 * and coming back, and is gone when the page is closed or reloaded.
 */
let rememberedPatient = '';

/** `2026-11-25T10:00` (a datetime-local value, local time) → ISO 8601 UTC; '' stays ''. */
function localToIso(value: string): string | undefined {
  if (!value) return undefined;
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}

function formFromParams(params: URLSearchParams): Form {
  const form = { patient: rememberedPatient } as Form;
  for (const k of URL_KEYS) form[k] = params.get(k) ?? '';
  return form;
}

function searchFromForm(f: Form, canSearchPatients: boolean): MessageSearch {
  return {
    channel: f.channel || undefined,
    status: f.status || undefined,
    type: f.type.trim().toUpperCase() || undefined,
    from: localToIso(f.from),
    to: localToIso(f.to),
    controlId: f.controlId.trim() || undefined,
    rx: f.rx.trim() || undefined,
    patient: canSearchPatients ? f.patient.trim() || undefined : undefined,
  };
}

function ResultsTable({ rows }: { rows: MessageSummary[] }) {
  return (
    <table aria-label="Messages" class="results">
      <thead>
        <tr>
          <th>Id</th>
          <th>Received</th>
          <th>Channel</th>
          <th>Type</th>
          <th>Control id</th>
          <th>Sender</th>
          <th>Status</th>
          <th>Error</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((m) => (
          <tr key={m.id} class="clickable" data-message={m.id} onClick={() => navigate(`/messages/${m.id}`)}>
            <td>
              <a href={href(`/messages/${m.id}`)} onClick={(e) => e.stopPropagation()}>
                {m.id}
              </a>
            </td>
            <td>{formatDateTime(m.received_at)}</td>
            <td>{m.channel}</td>
            <td class="mono">{m.message_type ?? '—'}</td>
            <td class="mono">
              {m.control_id ?? '—'}
              {m.reused_control_id_of && (
                <>
                  {' '}
                  <ReusedControlIdBadge of={m.reused_control_id_of} />
                </>
              )}
            </td>
            <td class="mono">{m.sender ?? '—'}</td>
            <td>
              <StatusBadge status={m.status} />
              {m.replays > 0 && <span class="muted"> replayed {m.replays}×</span>}
            </td>
            <td>
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

function MessageList({ route, user }: PageProps) {
  const canSearchPatients = hasRole(user, 'operator');
  const paramsKey = route.params.toString();
  const [form, setForm] = useState<Form>(() => formFromParams(route.params));
  const [appliedPatient, setAppliedPatient] = useState(rememberedPatient);
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
  const query = useMemo(
    () => ({ ...searchFromForm({ ...formFromParams(route.params), patient: appliedPatient }, canSearchPatients), limit }),
    [paramsKey, appliedPatient, searchTick],
  );
  const [rows, setRows] = useState<MessageSummary[] | undefined>();
  const [next, setNext] = useState<string | null>(null);
  const [error, setError] = useState<Error | undefined>();
  const [busy, setBusy] = useState(false);

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
      const page = await searchMessages({ ...query, before: next });
      setRows((r) => [...(r ?? []), ...page.rows]);
      setNext(page.next);
    } catch (e) {
      setError(e as Error);
    } finally {
      setBusy(false);
    }
  }

  function submit(e: Event) {
    e.preventDefault();
    rememberedPatient = canSearchPatients ? form.patient : '';
    setAppliedPatient(rememberedPatient);
    const params: Record<string, string> = {};
    for (const k of URL_KEYS) if (form[k].trim()) params[k] = form[k].trim();
    if (route.params.get('limit')) params.limit = String(limit);
    syncedKey.current = new URLSearchParams(params).toString();
    if (syncedKey.current === paramsKey) setSearchTick((t) => t + 1);
    navigate('/messages', params);
  }

  function clear() {
    rememberedPatient = '';
    setAppliedPatient('');
    setForm({ ...formFromParams(new URLSearchParams()), patient: '' });
    syncedKey.current = '';
    navigate('/messages');
  }

  const set = (k: keyof Form) => (e: Event) => setForm({ ...form, [k]: (e.target as HTMLInputElement).value });

  return (
    <div class="messages">
      <h1>Messages</h1>
      <form class="toolbar search" role="search" aria-label="Search messages" onSubmit={submit}>
        <label>
          Control id (MSH-10){' '}
          <input ref={firstField} name="controlId" value={form.controlId} onInput={set('controlId')} placeholder="press / to search" />
        </label>
        <label>
          Rx number <input name="rx" value={form.rx} onInput={set('rx')} />
        </label>
        {canSearchPatients && (
          <label>
            Patient id or family name <input name="patient" value={form.patient} onInput={set('patient')} autoComplete="off" />
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
          Type <input name="type" value={form.type} onInput={set('type')} placeholder="DFT^P03" size={9} />
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
      {appliedPatient && <p class="muted">Also filtered by the patient you entered (not kept in the address bar).</p>}
      {error && <ErrorBox error={error} />}
      {!error && rows === undefined && <Loading what="messages" />}
      {rows !== undefined && rows.length === 0 && (
        <p class="state empty">No message matches this search. Messages appear here as soon as a sender's message is stored.</p>
      )}
      {rows !== undefined && rows.length > 0 && (
        <>
          <ResultsTable rows={rows} />
          <div class="pager">
            <span class="muted">
              {rows.length} shown, newest first, {limit} at a time
            </span>
            {next ? (
              <button type="button" onClick={older} disabled={busy}>
                {busy ? 'Loading…' : 'Older'}
              </button>
            ) : (
              <span class="muted">· no older messages</span>
            )}
          </div>
        </>
      )}
    </div>
  );
}

export function MessagesPage(props: PageProps) {
  const id = props.route.parts[1];
  if (id !== undefined) return <MessageDetailView key={id} id={id} user={props.user} />;
  return <MessageList {...props} />;
}
