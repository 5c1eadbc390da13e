/**
 * Dead letters (operator): messages the pipeline gave up on, grouped by reason (GET /api/dead-letters/groups).
 * A group opens to its messages (GET /api/dead-letters of the group's channel and code, keeping those with the
 * group's reason text) with checkboxes; "Replay selected" sends them to POST /api/dead-letters/replay (up to 500 at once)
 * and shows each message's result. `#/dead-letters/<id>` opens one message in the HL7 editor
 * (dead-letter-editor.tsx) to replay an edited version.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { ErrorBox, Loading, Show, formatDateTime, useLoad } from '../components';
import { useSlashFocus } from '../hotkeys';
import { deadLetterGroups, listDeadLetters, replayMany, type DeadLetterGroup, type MessageSummary, type ReplayResult } from '../ops-api';
import { href } from '../router';
import type { PageProps } from './index';
import { DeadLetterEditor } from './dead-letter-editor';

const MAX_REPLAY = 500;
const PAGE = 500;

function groupKey(g: DeadLetterGroup): string {
  return `${g.channel}\u0000${g.code}\u0000${g.reason}`;
}

/** The messages of one group: the channel's dead letters with the group's code and reason, a page at a time. */
function useGroupMessages(g: DeadLetterGroup) {
  const [rows, setRows] = useState<MessageSummary[]>([]);
  const [next, setNext] = useState<string | null | undefined>(undefined);
  const [error, setError] = useState<Error | undefined>();
  const [busy, setBusy] = useState(false);

  async function load(before?: string) {
    setBusy(true);
    setError(undefined);
    try {
      // 'UNKNOWN' is the group of dead letters stored without a code: those are picked out here.
      const page = await listDeadLetters({ channel: g.channel, code: g.code === 'UNKNOWN' ? undefined : g.code, before, limit: PAGE });
      const mine = page.rows.filter((m) => (m.error_code ?? 'UNKNOWN') === g.code && (m.error_text ?? '') === g.reason);
      setRows((r) => (before ? [...r, ...mine] : mine));
      setNext(page.next);
    } catch (e) {
      setError(e as Error);
    } finally {
      setBusy(false);
    }
  }
  return {
    rows,
    next,
    error,
    busy,
    load,
    reset: () => {
      setRows([]);
      setNext(undefined);
    },
  };
}

function ResultList({ results }: { results: ReplayResult[] }) {
  const ok = results.filter((r) => 'replay' in r).length;
  return (
    <div class="replay-results" role="status">
      <p>
        <strong>
          {ok} of {results.length} queued for replay.
        </strong>
      </p>
      <ul>
        {results.map((r) => (
          <li key={r.id} data-result={r.id}>
            <a href={href(`/messages/${r.id}`)}>message {r.id}</a>:{' '}
            {'replay' in r ? (
              <span class="ok">replay {r.replay} queued</span>
            ) : (
              <span class="bad">
                <span class="mono">{r.error.code}</span> {r.error.message}
              </span>
            )}
          </li>
        ))}
      </ul>
    </div>
  );
}

function GroupMessages({ group, onReplayed }: { group: DeadLetterGroup; onReplayed(results: ReplayResult[]): void }) {
  const messages = useGroupMessages(group);
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [replayError, setReplayError] = useState<Error | undefined>();
  const [replaying, setReplaying] = useState(false);
  useEffect(() => {
    void messages.load();
  }, [group.channel, group.code]);

  const toggle = (id: string, on: boolean) =>
    setSelected((s) => {
      const n = new Set(s);
      if (on) n.add(id);
      else n.delete(id);
      return n;
    });
  const allSelected = messages.rows.length > 0 && messages.rows.every((m) => selected.has(m.id));

  async function replaySelected() {
    const ids = [...selected].slice(0, MAX_REPLAY);
    setReplaying(true);
    setReplayError(undefined);
    try {
      const res = await replayMany(ids);
      setSelected(new Set());
      onReplayed(res.results);
      await messages.load();
    } catch (e) {
      setReplayError(e as Error);
    } finally {
      setReplaying(false);
    }
  }

  return (
    <div class="group-messages">
      {messages.error && <ErrorBox error={messages.error} />}
      {messages.next === undefined && messages.busy && <Loading what="the messages of this group" />}
      {messages.next !== undefined && messages.rows.length === 0 && (
        <p class="state empty">No message of this group is left in the loaded pages{messages.next ? ': load older ones.' : '.'}</p>
      )}
      {messages.rows.length > 0 && (
        <table aria-label={`Dead letters ${group.code} on ${group.channel}`}>
          <thead>
            <tr>
              <th>
                <input
                  type="checkbox"
                  aria-label="Select all"
                  checked={allSelected}
                  onChange={(e) =>
                    setSelected((e.target as HTMLInputElement).checked ? new Set(messages.rows.map((m) => m.id)) : new Set())
                  }
                />
              </th>
              <th>Id</th>
              <th>Received</th>
              <th>Type</th>
              <th>Control id</th>
              <th>Reason</th>
              <th>Stage</th>
              <th>Replays</th>
              <th></th>
            </tr>
          </thead>
          <tbody>
            {messages.rows.map((m) => (
              <tr key={m.id} data-message={m.id}>
                <td>
                  <input
                    type="checkbox"
                    aria-label={`Select message ${m.id}`}
                    checked={selected.has(m.id)}
                    onChange={(e) => toggle(m.id, (e.target as HTMLInputElement).checked)}
                  />
                </td>
                <td>
                  <a href={href(`/messages/${m.id}`)}>{m.id}</a>
                </td>
                <td>{formatDateTime(m.received_at)}</td>
                <td class="mono">{m.message_type ?? '—'}</td>
                <td class="mono">{m.control_id ?? '—'}</td>
                <td>{m.error_text}</td>
                <td>{m.error_stage ?? '—'}</td>
                <td>{m.replays}</td>
                <td>
                  <a class="button" href={href(`/dead-letters/${m.id}`)}>
                    Edit
                  </a>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <div class="toolbar">
        <button type="button" class="primary" disabled={selected.size === 0 || replaying} onClick={replaySelected}>
          {replaying ? 'Replaying…' : `Replay selected (${selected.size})`}
        </button>
        {selected.size > MAX_REPLAY && <span class="muted">Only the first {MAX_REPLAY} are replayed at once.</span>}
        {messages.next && (
          <button type="button" disabled={messages.busy} onClick={() => messages.load(messages.next ?? undefined)}>
            Load older
          </button>
        )}
      </div>
      {replayError && <ErrorBox error={replayError} />}
    </div>
  );
}

function Groups() {
  const groups = useLoad(deadLetterGroups, []);
  const [open, setOpen] = useState<string | undefined>();
  const [filter, setFilter] = useState('');
  // Kept here, not in the group: a group whose every message was replayed disappears on reload.
  const [results, setResults] = useState<ReplayResult[] | undefined>();
  const filterField = useRef<HTMLInputElement>(null);
  useSlashFocus(filterField);

  return (
    <div class="dead-letters">
      <div class="page-head">
        <h1>Dead letters</h1>
        <button type="button" onClick={groups.reload}>
          Refresh
        </button>
      </div>
      <p class="muted">
        Messages the engine stored and acknowledged but could not turn into records. Fix the cause (often a mapping), then replay: replays
        never bill a charge twice.
      </p>
      <div class="toolbar">
        <label>
          Filter reasons{' '}
          <input
            ref={filterField}
            value={filter}
            onInput={(e) => setFilter((e.target as HTMLInputElement).value)}
            placeholder="press / to filter"
          />
        </label>
      </div>
      {results && <ResultList results={results} />}
      <Show loaded={groups} what="dead letters">
        {(data) => {
          const f = filter.trim().toLowerCase();
          const shown = data.groups.filter((g) => !f || `${g.code} ${g.reason} ${g.channel}`.toLowerCase().includes(f));
          if (data.groups.length === 0)
            return <p class="state empty">No dead letters. Messages the pipeline cannot process appear here, grouped by reason.</p>;
          if (shown.length === 0) return <p class="state empty">No group matches “{filter}”.</p>;
          return (
            <table aria-label="Dead-letter groups" class="groups">
              <thead>
                <tr>
                  <th>Reason</th>
                  <th>Channel</th>
                  <th>Messages</th>
                  <th>Newest</th>
                  <th>Oldest</th>
                  <th></th>
                </tr>
              </thead>
              <tbody>
                {shown.map((g) => {
                  const key = groupKey(g);
                  const isOpen = open === key;
                  return [
                    <tr key={key} data-group={g.code}>
                      <td>
                        <span class="badge status-error">{g.code}</span> {g.reason}
                      </td>
                      <td>{g.channel}</td>
                      <td>{g.count}</td>
                      <td>{formatDateTime(g.newest)}</td>
                      <td>{formatDateTime(g.oldest)}</td>
                      <td>
                        <button type="button" aria-expanded={isOpen} onClick={() => setOpen(isOpen ? undefined : key)}>
                          {isOpen ? 'Hide messages' : 'Show messages'}
                        </button>
                      </td>
                    </tr>,
                    isOpen && (
                      <tr key={`${key}-messages`} class="expanded">
                        <td colSpan={6}>
                          <GroupMessages
                            group={g}
                            onReplayed={(r) => {
                              setResults(r);
                              groups.reload();
                            }}
                          />
                        </td>
                      </tr>
                    ),
                  ];
                })}
              </tbody>
            </table>
          );
        }}
      </Show>
    </div>
  );
}

export function DeadLettersPage({ route }: PageProps) {
  const id = route.parts[1];
  return id !== undefined ? <DeadLetterEditor key={id} id={id} /> : <Groups />;
}
