/**
 * The mapping editor, `#/mappings/<name>`: the YAML in a code editor; for an admin, validation as you type (a
 * debounced POST /api/mappings/:name/preview with the edited text — a 422 CONFIG_INVALID lists issues with
 * line:col, marked in the editor), a sample (the newest N stored messages routed to the mapping, or a pasted
 * message), the records the edited mapping makes of the chosen sample, and the diff of what the edit changes in
 * the charges of the last N messages. Save (PUT) stores a new version; the history panel (mapping-history.tsx)
 * shows versions, their diff to the current text, and rolls back.
 *
 * Viewers of role operator see the text and the history read-only: previews show the records of stored
 * messages (patient data) and are admin-only on the server. Previews run only after an edit or a press of
 * Preview (each is audited), never just by opening the page. Nothing of the sample goes into the URL.
 */
import type { EditorView } from '@codemirror/view';
import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError } from '../api';
import { ErrorBox, Loading, Show, useLoad } from '../components';
import { changeRows, summarize, summaryText, type MappingIssue, type PreviewResult } from '../mapping-preview';
import { getMapping, previewMapping, saveMapping, testFailuresOf, type MappingDetail, type MappingTestFailure } from '../ops-api';
import { href } from '../router';
import { hasRole, type User } from '../session';
import { moveCursor, YamlEditor } from '../yaml-editor';
import { MappingHistory } from './mapping-history';
import { ChangeTable, OutcomeView } from './mapping-output';

type Sample = { mode: 'recent'; lastMessages: number } | { mode: 'pasted'; raw: string; lastMessages: number };

interface PreviewDone {
  kind: 'done';
  forText: string;
  issues: MappingIssue[];
  /** The chosen sample's result (the same object as `recent` when the sample is the recent messages). */
  sample?: PreviewResult;
  sampleError?: Error;
  recent?: PreviewResult;
  recentError?: Error;
}

type PreviewState = { kind: 'idle' } | { kind: 'running' } | PreviewDone;

const DEBOUNCE_MS = 700;
const SAMPLE_SIZES = [5, 10, 20, 50, 100, 200];

function issuesOf(err: unknown): MappingIssue[] | undefined {
  if (!(err instanceof ApiError) || err.code !== 'CONFIG_INVALID') return undefined;
  const issues = err.details.issues;
  return Array.isArray(issues) ? (issues as MappingIssue[]) : [];
}

/** Runs the preview(s) for `text` on `sample`: one request for recent messages, two for a pasted message. */
async function runPreview(name: string, text: string, sample: Sample): Promise<PreviewDone> {
  const recentCall = previewMapping(name, { content: text, lastMessages: sample.lastMessages });
  const sampleCall = sample.mode === 'pasted' ? previewMapping(name, { content: text, raw: sample.raw }) : recentCall;
  const [recent, chosen] = await Promise.allSettled([recentCall, sampleCall]);
  const issues = [recent, chosen].map((r) => (r.status === 'rejected' ? issuesOf(r.reason) : undefined)).find((i) => i !== undefined);
  if (issues) return { kind: 'done', forText: text, issues };
  return {
    kind: 'done',
    forText: text,
    issues: [],
    recent: recent.status === 'fulfilled' ? recent.value : undefined,
    recentError: recent.status === 'rejected' ? (recent.reason as Error) : undefined,
    sample: chosen.status === 'fulfilled' ? chosen.value : undefined,
    sampleError: chosen.status === 'rejected' ? (chosen.reason as Error) : undefined,
  };
}

export function MappingEditorPage({ name, user }: { name: string; user: User }) {
  const [reloadKey, setReloadKey] = useState(0);
  const loaded = useLoad(() => getMapping(name), [name, reloadKey]);
  return (
    <section aria-labelledby="mapping-title">
      <p class="crumbs">
        <a href={href('/mappings')}>Mappings</a> / {name}
      </p>
      <Show loaded={loaded} what={`mapping ${name}`}>
        {(detail) => <Editor detail={detail} user={user} onSaved={() => setReloadKey((k) => k + 1)} />}
      </Show>
    </section>
  );
}

function Editor({ detail, user, onSaved }: { detail: MappingDetail; user: User; onSaved(): void }) {
  const admin = hasRole(user, 'admin');
  const [text, setText] = useState(detail.content);
  const [saved, setSaved] = useState(detail.content);
  const [sampleMode, setSampleMode] = useState<'recent' | 'pasted'>('recent');
  const [lastMessages, setLastMessages] = useState(20);
  const [pasted, setPasted] = useState('');
  const [preview, setPreview] = useState<PreviewState>({ kind: 'idle' });
  const [wanted, setWanted] = useState(false); // a preview was asked for: keep it current as things change
  const [selected, setSelected] = useState(0);
  const [saveState, setSaveState] = useState<{
    busy: boolean;
    message?: string;
    error?: Error;
    issues?: MappingIssue[];
    /** The text's own test cases that fail (422 MAPPING_TESTS_FAILED): not saved. */
    failures?: MappingTestFailure[];
  }>({ busy: false });
  const [historyKey, setHistoryKey] = useState(0);
  const view = useRef<EditorView | null>(null);
  const sequence = useRef(0);

  // A new detail (after a save or a rollback elsewhere on the page): the editor follows unless there are edits.
  useEffect(() => {
    setSaved(detail.content);
    setText((t) => (t === saved ? detail.content : t));
  }, [detail.content]);

  const dirty = text !== saved;
  const sample: Sample = sampleMode === 'pasted' ? { mode: 'pasted', raw: pasted, lastMessages } : { mode: 'recent', lastMessages };
  const sampleReady = sample.mode === 'recent' || pasted.trim() !== '';

  async function start(forText: string, s: Sample) {
    const id = ++sequence.current;
    setPreview({ kind: 'running' });
    const done = await runPreview(detail.name, forText, s);
    if (id === sequence.current) setPreview(done);
  }

  // Validation as you type: after an edit (or a change of sample once a preview was asked for), debounced.
  useEffect(() => {
    if (!admin || !sampleReady || !(dirty || wanted)) return;
    const timer = setTimeout(() => {
      void start(text, sample);
    }, DEBOUNCE_MS);
    return () => clearTimeout(timer);
  }, [text, sampleMode, lastMessages, pasted, wanted]);

  function forgetPreview() {
    sequence.current++;
    setPreview({ kind: 'idle' });
    setWanted(false);
  }

  function previewNow() {
    setWanted(true);
    if (sampleReady) void start(text, sample);
  }

  async function save(updateExpected = false) {
    setSaveState({ busy: true });
    try {
      const res = await saveMapping(detail.name, text, { updateExpected });
      setSaved(text);
      forgetPreview(); // it compared the old live text with this one: stale now
      const updated = (res.testsUpdated ?? []).map((t) => `${t.file} (${t.cases.length} ${t.cases.length === 1 ? 'case' : 'cases'})`);
      setSaveState({
        busy: false,
        message:
          `Saved as version ${res.version}. The engine uses it from the next message on.` +
          (updated.length > 0 ? ` Expected output updated in ${updated.join(', ')}.` : ''),
      });
      setHistoryKey((k) => k + 1);
      onSaved();
    } catch (err) {
      setSaveState({ busy: false, error: err as Error, issues: issuesOf(err), failures: testFailuresOf(err) });
    }
  }

  const done = preview.kind === 'done' && preview.forText === text ? preview : undefined;
  // The issues of the current text: from its preview, else from a refused save.
  const shownIssues = done ? done.issues : (saveState.issues ?? []);
  const sampleResult = done?.sample;
  const messages = sampleResult?.messages ?? [];
  const current = messages[Math.min(selected, Math.max(0, messages.length - 1))];
  const summary = done?.recent ? summarize(done.recent) : undefined;

  return (
    <>
      <header class="page-head">
        <h1 id="mapping-title">{detail.name}</h1>
        <span class="badge">{detail.version === null ? 'live file (not a saved version)' : `version ${detail.version}`}</span>
        {dirty && <span class="badge status-waiting">edited, not saved</span>}
      </header>
      {!admin && (
        <p class="hint" role="note">
          Read-only: your role is {user.role}. An admin edits mappings and previews them on stored messages.
        </p>
      )}
      <div class="mapping-editor">
        <div class="editor-pane">
          <YamlEditor value={text} label="Mapping YAML" readOnly={!admin} issues={shownIssues} onChange={setText} viewRef={view} />
          {admin && (
            <div class="toolbar editor-actions">
              <button type="button" onClick={previewNow} disabled={!sampleReady}>
                Preview
              </button>
              <button type="button" class="primary" onClick={() => void save()} disabled={!dirty || saveState.busy}>
                {saveState.busy ? 'Saving…' : 'Save'}
              </button>
              <button
                type="button"
                onClick={() => {
                  setText(saved);
                  setSaveState({ busy: false });
                }}
                disabled={!dirty}
              >
                Discard edits
              </button>
              <Validation preview={preview} done={done} dirty={dirty} />
            </div>
          )}
          {saveState.message && (
            <p class="state ok" role="status">
              {saveState.message}
            </p>
          )}
          {saveState.error && !saveState.issues && !saveState.failures && <ErrorBox error={saveState.error} />}
          {saveState.failures && (
            <TestFailures
              failures={saveState.failures}
              busy={saveState.busy}
              onUpdate={() => void save(true)}
              onKeepEditing={() => {
                setSaveState({ busy: false });
                view.current?.focus();
              }}
            />
          )}
          {shownIssues.length > 0 && (
            <div class="issues" role="alert">
              <strong>
                {shownIssues.length} {shownIssues.length === 1 ? 'problem' : 'problems'} in this mapping:
              </strong>
              <ul>
                {shownIssues.map((i, k) => (
                  <li key={k}>
                    <button type="button" class="link mono" onClick={() => moveCursor(view.current, i.line, i.col)}>
                      {i.line}:{i.col}
                    </button>{' '}
                    {i.reason}
                  </li>
                ))}
              </ul>
            </div>
          )}
        </div>
        {admin && (
          <div class="side-pane">
            <fieldset class="panel sample">
              <legend>Sample</legend>
              <label class="inline">
                <input type="radio" name="sample" checked={sampleMode === 'recent'} onChange={() => setSampleMode('recent')} /> Recent
                stored messages
              </label>
              <label class="inline">
                <input type="radio" name="sample" checked={sampleMode === 'pasted'} onChange={() => setSampleMode('pasted')} /> A pasted
                message
              </label>
              <label>
                Messages for the charge diff
                <select value={lastMessages} onChange={(e) => setLastMessages(Number((e.currentTarget as HTMLSelectElement).value))}>
                  {SAMPLE_SIZES.map((n) => (
                    <option key={n} value={n}>
                      last {n}
                    </option>
                  ))}
                </select>
              </label>
              {sampleMode === 'pasted' && (
                <label>
                  HL7 message
                  <textarea
                    aria-label="Sample HL7 message"
                    rows={6}
                    spellcheck={false}
                    value={pasted}
                    placeholder="MSH|^~\&|…"
                    onInput={(e) => setPasted((e.currentTarget as HTMLTextAreaElement).value)}
                  />
                </label>
              )}
            </fieldset>

            <section class="panel" aria-labelledby="output-title">
              <h2 id="output-title">Output records</h2>
              {preview.kind === 'idle' && !done && <p class="muted">Edit the mapping or press Preview to run it on the sample.</p>}
              {preview.kind === 'running' && <Loading what="preview" />}
              {done && done.issues.length > 0 && <p class="muted">Fix the problems of the mapping to see what it makes.</p>}
              {done?.sampleError && <ErrorBox error={done.sampleError} />}
              {sampleResult && messages.length === 0 && (
                <p class="state empty">No stored message is routed to this mapping yet: paste one instead.</p>
              )}
              {current && (
                <>
                  {messages.length > 1 && (
                    <label class="inline-select">
                      Message
                      <select
                        aria-label="Sample message"
                        value={selected}
                        onChange={(e) => setSelected(Number((e.currentTarget as HTMLSelectElement).value))}
                      >
                        {messages.map((m, i) => (
                          <option key={i} value={i}>
                            {m.controlId}
                            {m.messageId ? ` (#${m.messageId})` : ''}
                            {m.diff.length > 0 ? ' — changed' : ''}
                          </option>
                        ))}
                      </select>
                    </label>
                  )}
                  {messages.length === 1 && (
                    <p class="muted">
                      Message {current.controlId}
                      {current.messageId ? ` (#${current.messageId})` : ''}
                    </p>
                  )}
                  <OutcomeView outcome={current.candidate} diff={current.diff} />
                </>
              )}
            </section>

            <section class="panel" aria-labelledby="diff-title">
              <h2 id="diff-title">Charge changes on the last {lastMessages} messages</h2>
              {done && done.issues.length > 0 && <p class="muted">Fix the problems of the mapping to see what saving would change.</p>}
              {done?.recentError && <ErrorBox error={done.recentError} />}
              {summary && done?.recent && (
                <>
                  <p class={summary.chargesChanged > 0 || summary.failing > 0 ? 'state warn' : 'state ok'} role="status">
                    {summaryText(summary)}
                  </p>
                  <ChangeTable rows={changeRows(done.recent, ['charges'])} />
                </>
              )}
              {!done && preview.kind !== 'running' && (
                <p class="muted">Appears with the preview: what saving would change in the charges those messages made.</p>
              )}
            </section>
          </div>
        )}
      </div>
      <MappingHistory
        key={historyKey}
        name={detail.name}
        current={saved}
        liveVersion={detail.version}
        admin={admin}
        onRolledBack={(message) => {
          forgetPreview();
          setSaveState({ busy: false, message });
          setHistoryKey((k) => k + 1);
          onSaved();
        }}
      />
    </>
  );
}

function Validation({ preview, done, dirty }: { preview: PreviewState; done: PreviewDone | undefined; dirty: boolean }) {
  let text: string;
  let cls = 'muted';
  if (preview.kind === 'running') text = 'Checking…';
  else if (done && done.issues.length > 0) {
    text = 'Not valid';
    cls = 'bad';
  } else if (done) {
    text = 'Valid';
    cls = 'good';
  } else text = dirty ? 'Not checked yet' : '';
  return (
    <span class={`validation ${cls}`} role="status" aria-live="polite">
      {text}
    </span>
  );
}

/**
 * The mapping's own test cases that the edited text fails (the save was refused): each case with expected vs actual
 * per field, and the two ways on: rewrite the expected output (saves, audited) or keep editing.
 */
function TestFailures(props: { failures: MappingTestFailure[]; busy: boolean; onUpdate(): void; onKeepEditing(): void }) {
  const { failures } = props;
  return (
    <section class="issues test-failures" role="alert" aria-labelledby="test-failures-title">
      <strong id="test-failures-title">
        Not saved: {failures.length} {failures.length === 1 ? 'test case fails' : 'test cases fail'} with this version
      </strong>
      {failures.map((f) => (
        <div key={`${f.file}:${f.case}`} class="test-failure">
          <p>
            <span class="mono">{f.file}</span>: {f.case}
          </p>
          <table class="data">
            <thead>
              <tr>
                <th scope="col">Where</th>
                <th scope="col">Expected</th>
                <th scope="col">Actual</th>
              </tr>
            </thead>
            <tbody>
              {f.differences.map((d, i) =>
                d.type === 'field' ? (
                  <tr key={i}>
                    <td class="mono">
                      {d.kind}[{d.index + 1}].{d.field}
                    </td>
                    <td class="mono">{JSON.stringify(d.expected)}</td>
                    <td class="mono">{JSON.stringify(d.actual)}</td>
                  </tr>
                ) : d.type === 'count' ? (
                  <tr key={i}>
                    <td class="mono">{d.kind}</td>
                    <td>{d.expected} records</td>
                    <td>{d.actual.length} records</td>
                  </tr>
                ) : (
                  <tr key={i}>
                    <td colSpan={3}>{d.text}</td>
                  </tr>
                ),
              )}
            </tbody>
          </table>
        </div>
      ))}
      <div class="toolbar">
        <button type="button" class="primary" onClick={props.onUpdate} disabled={props.busy}>
          Update the expected output
        </button>
        <button type="button" onClick={props.onKeepEditing}>
          Keep editing
        </button>
      </div>
      <p class="muted">
        Update the expected output saves this version and writes what it gives into the test file as the cases’ expected values.
      </p>
    </section>
  );
}
