/**
 * Administration → Channels (`#/admin/channels`, admin): the channels in force (GET /api/channels: state, where
 * they listen, the types they accept and their routes) and **Reload channel files** (POST /api/channels/reload),
 * which re-reads the channel directory and applies it without a restart. The answer shows as a table — channel,
 * outcome, changed keys, reason — or, when a file does not validate (422, nothing changed), as its issues,
 * `file:line:col reason`. No confirmation: reloading unchanged files changes nothing. The button is disabled while
 * a reload runs; after an applied one the channel list is read again.
 * Each channel can be paused and resumed (POST /api/channels/:name/pause|resume): pausing closes the channel's
 * listener in every engine process — senders' connections are refused, as when an interface engine stops a source
 * connector — while stored messages keep processing; the pause holds across restarts. Pausing asks first.
 * Each channel's file can be edited (**Edit**: GET/PUT /api/channels/:name/file) in the YAML editor the mapping
 * editor uses: **Save** checks it with the engine's loader — its problems are marked at their lines and listed, and
 * nothing is written — then writes it and runs the reload, whose result shows as above. A file changed on disk since
 * it was opened is not overwritten (409): the page says so and offers to load it again. Saving a change to a
 * listening channel asks first (a change of its port, limits or TLS restarts its listener).
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import type { EditorView } from '@codemirror/view';
import { ApiError } from '../api';
import { Empty, ErrorBox, Show, StatusBadge, formatDateTime, useLoad } from '../components';
import { issueLocation, outcomeTone, reloadSummary, type ChannelFileIssue, type ChannelReload } from '../channel-reload';
import { getChannelFile, listChannels, reloadChannels, saveChannelFile, setChannelPaused, type ChannelInfo } from '../ops-api';
import { toneClass } from '../tone';
import { moveCursor, YamlEditor } from '../yaml-editor';

export function ChannelsAdmin() {
  const channels = useLoad(listChannels, []);
  const [state, setState] = useState<{ busy: boolean; result?: ChannelReload; error?: Error }>({ busy: false });
  const [editing, setEditing] = useState<string | undefined>();
  const edited = editing === undefined ? undefined : channels.data?.find((c) => c.name === editing);

  async function reload() {
    setState({ busy: true });
    try {
      const result = await reloadChannels();
      setState({ busy: false, result });
      if (result.ok) channels.reload();
    } catch (err) {
      setState({ busy: false, error: err as Error });
    }
  }

  return (
    <>
      <section class="panel" aria-labelledby="reload-title">
        <h2 id="reload-title">Channel files</h2>
        <p class="muted">
          Re-reads every file of the engine's channel directory and applies the changes without a restart (in every engine process). If a
          file does not validate, nothing changes and the problems are listed.
        </p>
        <div class="toolbar">
          <button type="button" class="primary" onClick={reload} disabled={state.busy}>
            {state.busy ? 'Reloading…' : 'Reload channel files'}
          </button>
        </div>
        {state.error && <ErrorBox error={state.error} />}
        {state.result && <ReloadResult result={state.result} />}
      </section>
      {edited && <ChannelFileEdit key={edited.name} channel={edited} onSaved={channels.reload} onClose={() => setEditing(undefined)} />}
      <h2>Channels in force</h2>
      <Show loaded={channels} what="channels">
        {(list) =>
          list.length === 0 ? (
            <Empty>No channel: add a channel file and reload.</Empty>
          ) : (
            <table aria-label="Channels in force">
              <thead>
                <tr>
                  <th>Channel</th>
                  <th>State</th>
                  <th>Source</th>
                  <th>Connections / taken</th>
                  <th>Accepts</th>
                  <th>Routes</th>
                  <th>Answers</th>
                  <th>Listener</th>
                  <th>File</th>
                </tr>
              </thead>
              <tbody>
                {list.map((c) => (
                  <tr key={c.name} data-channel={c.name}>
                    <td>
                      <strong>{c.name}</strong>
                      {c.description && <div class="muted">{c.description}</div>}
                    </td>
                    <td>
                      <StatusBadge status={c.state} />
                    </td>
                    <td class="mono">{sourceLabel(c)}</td>
                    <td title={sourceTitle(c)}>{sourceCount(c)}</td>
                    <td class="mono accept">{c.accept.join(', ')}</td>
                    <td class="mono">
                      {c.routes.map((r) => (
                        <div key={r.mapping}>
                          {r.types.join(', ')} → {r.mapping}
                        </div>
                      ))}
                    </td>
                    <td class="mono acks">
                      <div>{ackLabel(c.acks.mode, c.acks.timeoutMs)}</div>
                      {Object.entries(c.acks.senders).map(([sender, p]) => (
                        <div key={sender} class="muted">
                          {sender}: {ackLabel(p.mode, p.timeoutMs)}
                        </div>
                      ))}
                    </td>
                    <td>
                      <PauseControl channel={c} onChanged={channels.reload} />
                    </td>
                    <td>
                      <button type="button" onClick={() => setEditing(c.name)} disabled={editing === c.name}>
                        Edit {c.name}
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )
        }
      </Show>
    </>
  );
}

type SaveState =
  | { phase: 'editing' }
  | { phase: 'confirming' }
  | { phase: 'saving' }
  | { phase: 'saved'; result: ChannelReload }
  | { phase: 'invalid'; message: string; issues: ChannelFileIssue[] }
  | { phase: 'conflict'; message: string }
  | { phase: 'failed'; error: Error };

/**
 * One channel's file in the YAML editor: Save (after a confirmation when the channel is listening) checks, writes and
 * reloads; problems are marked at their lines; a conflict (changed on disk since opened) keeps the edits unsaved.
 */
function ChannelFileEdit({ channel, onSaved, onClose }: { channel: ChannelInfo; onSaved: () => void; onClose: () => void }) {
  const [file, setFile] = useState<{ file: string; text: string; sha256: string } | undefined>();
  const [loadError, setLoadError] = useState<Error | undefined>();
  const [text, setText] = useState('');
  const [save, setSave] = useState<SaveState>({ phase: 'editing' });
  const view = useRef<EditorView | null>(null);

  async function load() {
    setLoadError(undefined);
    try {
      const f = await getChannelFile(channel.name);
      setFile(f);
      setText(f.text);
      setSave({ phase: 'editing' });
    } catch (err) {
      setLoadError(err as Error);
    }
  }
  useEffect(() => {
    void load();
  }, [channel.name]);

  async function saveNow() {
    if (!file) return;
    setSave({ phase: 'saving' });
    try {
      const res = await saveChannelFile(channel.name, text, file.sha256);
      if (!res.ok) {
        setSave({ phase: 'invalid', message: res.message, issues: res.issues });
        return;
      }
      setFile({ ...file, text, sha256: res.sha256 });
      setSave({ phase: 'saved', result: { ok: true, channels: res.channels } });
      onSaved();
    } catch (err) {
      if (err instanceof ApiError && err.status === 409) setSave({ phase: 'conflict', message: err.message });
      else setSave({ phase: 'failed', error: err as Error });
    }
  }

  const dirty = file !== undefined && text !== file.text;
  const busy = save.phase === 'saving';
  // This file's problems are marked in the editor; another file's (a port it holds) are listed with their file.
  const issues = save.phase === 'invalid' ? save.issues : [];
  const here = issues.filter((i) => file !== undefined && i.line > 0 && baseName(i.file) === file.file);
  return (
    <section class="panel" aria-labelledby="channel-file-title">
      <header class="page-head">
        <h2 id="channel-file-title">
          {channel.name} <span class="muted mono">{file?.file}</span>
        </h2>
        {dirty && <span class="badge status-waiting">edited, not saved</span>}
      </header>
      {loadError && <ErrorBox error={loadError} />}
      {file && (
        <>
          <YamlEditor value={text} label="Channel YAML" readOnly={busy} issues={here} onChange={setText} viewRef={view} />
          <div class="toolbar editor-actions">
            <button
              type="button"
              class="primary"
              onClick={() => (channel.state === 'listening' ? setSave({ phase: 'confirming' }) : void saveNow())}
              disabled={!dirty || busy || save.phase === 'confirming'}
            >
              {busy ? 'Saving…' : 'Save'}
            </button>
            <button type="button" onClick={() => setText(file.text)} disabled={!dirty || busy}>
              Discard edits
            </button>
            <button type="button" onClick={onClose} disabled={busy}>
              Close
            </button>
          </div>
          {save.phase === 'confirming' && (
            <div role="group" aria-label={`Save ${channel.name}?`}>
              <p>
                {channel.name} is listening. Save and apply the change in every engine process? A change of its port, host, limits or TLS
                restarts its listener: its senders are disconnected and reconnect.
              </p>
              <button type="button" class="danger" onClick={() => void saveNow()}>
                Confirm save
              </button>{' '}
              <button type="button" onClick={() => setSave({ phase: 'editing' })}>
                Cancel
              </button>
            </div>
          )}
          {save.phase === 'saved' && <ReloadResult result={save.result} />}
          {save.phase === 'failed' && <ErrorBox error={save.error} />}
          {save.phase === 'conflict' && (
            <div class="issues" role="alert">
              <strong>Not saved:</strong> {file.file} changed on disk since it was opened ({save.message}).{' '}
              <button type="button" onClick={() => void load()}>
                Load the file again
              </button>{' '}
              (your edits are lost)
            </div>
          )}
          {save.phase === 'invalid' && (
            <div class="issues" role="alert" aria-label="Channel file problems">
              <strong>Not saved:</strong> {save.message}
              <ul>
                {issues.map((i, k) => (
                  <li key={k}>
                    {here.includes(i) ? (
                      <button type="button" class="link mono" onClick={() => moveCursor(view.current, i.line, i.col)}>
                        {i.line}:{i.col}
                      </button>
                    ) : (
                      <span class="mono">{issueLocation(i)}</span>
                    )}{' '}
                    {i.reason}
                  </li>
                ))}
              </ul>
            </div>
          )}
        </>
      )}
    </section>
  );
}

/** The last part of a path, either separator. */
function baseName(file: string): string {
  return file.split(/[\\/]/).pop() ?? file;
}

/** Pause (after a confirmation naming what it does) or resume one channel's listener. */
function PauseControl({ channel, onChanged }: { channel: ChannelInfo; onChanged: () => void }) {
  const [asking, setAsking] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Error | undefined>();
  async function act(paused: boolean) {
    setBusy(true);
    setError(undefined);
    try {
      await setChannelPaused(channel.name, paused);
      setAsking(false);
      onChanged();
    } catch (err) {
      setError(err as Error);
    } finally {
      setBusy(false);
    }
  }
  if (channel.state === 'disabled') return <span class="muted">disabled in its file</span>;
  if (channel.pause) {
    return (
      <div>
        <div class="muted">
          paused by {channel.pause.by} at {formatDateTime(channel.pause.at)}
        </div>
        <button type="button" onClick={() => act(false)} disabled={busy}>
          Resume {channel.name}
        </button>
        {error && <ErrorBox error={error} />}
      </div>
    );
  }
  if (!asking) {
    return (
      <button type="button" onClick={() => setAsking(true)}>
        Pause {channel.name}
      </button>
    );
  }
  return (
    <div role="group" aria-label={`Pause ${channel.name}?`}>
      <p>
        Close the listener of {channel.name} in every engine process? Senders are refused until it is resumed; stored messages keep
        processing.
      </p>
      <button type="button" class="danger" onClick={() => act(true)} disabled={busy}>
        Confirm pause
      </button>{' '}
      <button type="button" onClick={() => setAsking(false)} disabled={busy}>
        Cancel
      </button>
      {error && <ErrorBox error={error} />}
    </div>
  );
}

/** The ACK policy in words an analyst reads: the mode, and the wait of after-processing. */
export function ackLabel(mode: string, timeoutMs: number): string {
  return mode === 'after-processing' ? `after processing (up to ${timeoutMs / 1000} s)` : mode;
}

function ReloadResult({ result }: { result: ChannelReload }) {
  if (!result.ok) {
    return (
      <div class="issues" role="alert" aria-label="Channel file problems">
        <strong>Not reloaded:</strong> {result.message}
        <ul>
          {result.issues.map((i, n) => (
            <li key={n}>
              <span class="mono">{issueLocation(i)}</span> {i.reason}
            </li>
          ))}
        </ul>
      </div>
    );
  }
  const failed = result.channels.some((c) => c.outcome === 'failed');
  return (
    <div class="reload-result">
      <p class={failed ? 'state warn' : 'state ok'} role="status">
        Reloaded: {reloadSummary(result.channels)}.
      </p>
      {result.channels.length > 0 && (
        <table aria-label="Reload result" class="compact">
          <thead>
            <tr>
              <th>Channel</th>
              <th>Outcome</th>
              <th>Changed</th>
              <th>Reason</th>
            </tr>
          </thead>
          <tbody>
            {result.channels.map((c) => (
              <tr key={c.name} data-channel={c.name} data-outcome={c.outcome}>
                <td>{c.name}</td>
                <td>
                  <span class={toneClass(outcomeTone(c.outcome))}>{c.outcome}</span>
                </td>
                <td class="mono">{c.changed.length > 0 ? c.changed.join(', ') : '—'}</td>
                <td>{c.reason ?? ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

/** Where the channel's messages come from: host:port for listeners, the folder for file and SFTP sources. */
function sourceLabel(c: ChannelInfo): string {
  if (c.sourceType === 'file' || c.sourceType === 'sftp') return `${c.sourceType} ${c.host}`;
  return `${c.sourceType === 'http' ? 'http ' : ''}${c.host}:${c.port}`;
}

/** MLLP: connections open; file and SFTP: files taken and messages stored; HTTP: requests answered. */
function sourceCount(c: ChannelInfo): string {
  const s = c.sourceStatus as { filesTaken?: number; messagesStored?: number; requests?: number; lastError?: string | null } | null;
  if (!s) return String(c.connections);
  if (s.requests !== undefined) return `${s.requests} requests`;
  return `${s.filesTaken ?? 0} files, ${s.messagesStored ?? 0} messages${s.lastError ? ' (last poll failed)' : ''}`;
}

function sourceTitle(c: ChannelInfo): string | undefined {
  const s = c.sourceStatus as { lastError?: string | null } | null;
  return s?.lastError ?? undefined;
}
