/**
 * One dead letter in the HL7 editor (`#/dead-letters/<id>`, operator): the reason it failed, its latest content
 * (GET /api/messages/:id, an audited view) in the editor with highlighting and validation as you type, and
 * "Replay edited" (POST /api/messages/:id/replay {raw}): the edit becomes a new content version, the original
 * stays. "Replay as is" replays the stored content unchanged (after the cause was fixed elsewhere); with an edit
 * pending it asks first, since the edit is then dropped.
 * The positions the error names (`FT1-11.1.1`) are highlighted in the text, the HL7 path under the cursor is shown
 * under it (field name by the message's version), and a field tree beside the text follows the cursor and moves it
 * when a node is clicked (hl7-path.ts holds the position logic).
 */
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { fieldName } from '../../hl7/field-names';
import { ConfirmButton, ErrorBox, IdLink, Show, StatusBadge, formatDateTime, useLoad } from '../components';
import { Hl7Editor, fromEditorText, toEditorText, type CursorPosition, type EditorControl } from '../hl7-editor';
import { fieldTree, nodeAt, pathLabel, pathsIn, rangeOf, type Hl7Path, type TreeNode } from '../hl7-path';
import { STANDARD_SEPARATORS, readSeparators, validateHl7, type Separators } from '../hl7-view';
import { getMessage, replayOne, type MessageDetail } from '../ops-api';
import { href } from '../router';

function separatorsOf(lines: readonly string[]): Separators {
  const first = lines[0] ?? '';
  const read = first.startsWith('MSH') ? readSeparators(first) : undefined;
  return read && 'separators' in read ? read.separators : STANDARD_SEPARATORS;
}

/** `FT1-11.1.1 (Transaction Amount - Extended), repetition 1`: the path under the cursor, for people. */
function describePath(p: Hl7Path | undefined, version: string): string {
  if (!p) return 'not in a segment';
  if (p.field === 0) return `segment ${p.segment}`;
  const name = fieldName(version, p.segment, p.field);
  return `${pathLabel(p)}${name ? ` (${name})` : ''}, repetition ${p.repetition}`;
}

/** The tree beside the text: segments, the fields of the segment under the cursor, their components. */
function FieldTree({ tree, current, onPick }: { tree: TreeNode[]; current: TreeNode | undefined; onPick(n: TreeNode): void }) {
  const list = useRef<HTMLDivElement>(null);
  useEffect(() => {
    list.current?.querySelector('[aria-current="location"]')?.scrollIntoView({ block: 'nearest' });
  }, [current?.label, current?.line]);
  const node = (n: TreeNode, depth: number) => (
    <button
      type="button"
      class={`tree-node depth-${depth}`}
      aria-current={current && current.line === n.line && current.label === n.label ? 'location' : undefined}
      data-path={n.label}
      onClick={() => onPick(n)}
    >
      <span class="mono">{n.label}</span> {depth > 0 && <span class="muted value">{n.value}</span>}
    </button>
  );
  return (
    <div class="editor-tree" ref={list} role="navigation" aria-label="Field tree">
      <ul>
        {tree.map((seg) => (
          <li key={`${seg.line}`}>
            {node(seg, 0)}
            {current?.line === seg.line && (
              <ul>
                {seg.children.map((f) => (
                  <li key={f.label}>
                    {node(f, 1)}
                    {f.children.length > 0 && (
                      <ul>
                        {f.children.map((c) => (
                          <li key={c.label}>{node(c, 2)}</li>
                        ))}
                      </ul>
                    )}
                  </li>
                ))}
              </ul>
            )}
          </li>
        ))}
      </ul>
    </div>
  );
}

/** The positions the error names, each a button that moves the cursor there (or says it is not in the text). */
function FailingPositions({
  failing,
  lines,
  onJump,
}: {
  failing: Hl7Path[];
  lines: string[];
  onJump(line: number, from: number, to: number): void;
}) {
  if (failing.length === 0) return null;
  const s = separatorsOf(lines);
  return (
    <p class="failing-positions">
      The error names{' '}
      {failing.map((p, i) => {
        const line = lines.findIndex((l) => l.startsWith(`${p.segment}${s.field}`) || l === p.segment);
        const r = line >= 0 ? rangeOf(lines[line]!, p, s) : undefined;
        return (
          <span key={pathLabel(p)}>
            {i > 0 && ', '}
            {r ? (
              <button type="button" class="link mono" onClick={() => onJump(line + 1, r.from, r.to)}>
                {pathLabel(p)}
              </button>
            ) : (
              <span class="mono">{pathLabel(p)}</span>
            )}
            {!r && <span class="muted"> ({line >= 0 ? `line ${line + 1} does not reach that far` : `no ${p.segment} segment`})</span>}
          </span>
        );
      })}
      {failing.length > 0 && <span class="muted"> — marked in the text.</span>}
    </p>
  );
}

function Issues({ raw }: { raw: string }) {
  const issues = useMemo(() => validateHl7(raw), [raw]);
  if (issues.length === 0)
    return (
      <p class="valid" role="status">
        No problem found: MSH, separators and segment ids are fine.
      </p>
    );
  return (
    <ul class="issues" aria-label="Problems" role="status">
      {issues.map((i, n) => (
        <li key={n} class={i.severity}>
          Line {i.line}, column {i.from}: {i.message}
        </li>
      ))}
    </ul>
  );
}

function Editor({ m }: { m: MessageDetail }) {
  const original = m.raw;
  const [raw, setRaw] = useState(() => fromEditorText(toEditorText(original)));
  const [state, setState] = useState<{ busy: boolean; done?: string; error?: Error }>({ busy: false });
  const [cursor, setCursor] = useState<CursorPosition>({ line: 1, path: undefined });
  const control = useRef<EditorControl | null>(null);
  const edited = raw !== fromEditorText(toEditorText(original));
  const blocking = validateHl7(raw).some((i) => i.severity === 'error');
  const failing = useMemo(() => pathsIn(m.error_text), [m.error_text]);
  const lines = useMemo(() => raw.split(/\r\n|\r|\n/), [raw]);
  const tree = useMemo(() => fieldTree(lines, separatorsOf(lines)), [lines]);
  const current = nodeAt(tree, cursor.line, cursor.path);
  const version = m.version ?? '';
  const jump = (line: number, from: number, to: number) => control.current?.select(line, from, to);

  async function replay(withEdit: boolean) {
    setState({ busy: true });
    try {
      const r = await replayOne(m.id, withEdit ? raw : undefined);
      setState({
        busy: false,
        done: `Replay ${r.replay} queued${withEdit ? ' with the edited message (a new content version; the original is kept)' : ''}.`,
      });
    } catch (e) {
      setState({ busy: false, error: e as Error });
    }
  }

  if (state.done) {
    return (
      <div class="panel" role="status">
        <p>
          <strong>{state.done}</strong>
        </p>
        <p>
          Follow message <IdLink kind="message" id={m.id} /> · <a href={href('/dead-letters')}>Back to dead letters</a>
        </p>
      </div>
    );
  }

  return (
    <>
      <FailingPositions failing={failing} lines={lines} onJump={jump} />
      <div class="editor-with-tree">
        <div class="editor-column">
          <Hl7Editor
            initial={original}
            onChange={setRaw}
            label={`HL7 message ${m.id}`}
            failing={failing}
            onCursor={setCursor}
            control={control}
          />
          <p class="cursor-path" aria-live="polite">
            <span class="muted">At the cursor:</span>{' '}
            <span data-cursor-path={cursor.path ? pathLabel(cursor.path) : ''}>{describePath(cursor.path, version)}</span>
          </p>
        </div>
        <FieldTree tree={tree} current={current} onPick={(n) => jump(n.line, n.from, n.to)} />
      </div>
      <Issues raw={raw} />
      <div class="toolbar">
        <button type="button" class="primary" disabled={!edited || blocking || state.busy} onClick={() => replay(true)}>
          Replay edited
        </button>
        {edited ? (
          <ConfirmButton
            label="Replay as is"
            question="Replay the stored message as it is? Your edit is not sent."
            confirmLabel="Replay without my edit"
            disabled={state.busy}
            onConfirm={() => replay(false)}
          />
        ) : (
          <button type="button" disabled={state.busy} onClick={() => replay(false)}>
            Replay as is
          </button>
        )}
        {!edited && <span class="muted">Edit the message to replay an edited version.</span>}
        {edited && blocking && <span class="muted">Fix the problems above first.</span>}
      </div>
      {state.error && <ErrorBox error={state.error} />}
    </>
  );
}

export function DeadLetterEditor({ id }: { id: string }) {
  const message = useLoad(() => getMessage(id), [id]);
  return (
    <div class="dead-letter-editor">
      <p>
        <a href={href('/dead-letters')}>← Dead letters</a>
      </p>
      <h1>
        Edit and replay message <IdLink kind="message" id={id} />
      </h1>
      <Show loaded={message} what="the message">
        {(m) => (
          <>
            <dl class="meta">
              <dt>Status</dt>
              <dd>
                <StatusBadge status={m.status} />
              </dd>
              <dt>Channel</dt>
              <dd>{m.channel}</dd>
              <dt>Type</dt>
              <dd class="mono">{m.message_type ?? '—'}</dd>
              <dt>Received</dt>
              <dd>{formatDateTime(m.received_at)}</dd>
              {m.error_code && (
                <>
                  <dt>Reason</dt>
                  <dd>
                    <span class="mono">{m.error_code}</span> {m.error_text}{' '}
                    {m.error_stage && <span class="muted">(stage {m.error_stage})</span>}
                  </dd>
                </>
              )}
              <dt>Versions</dt>
              <dd>
                {m.contents.length} ({m.contents.map((c) => c.kind).join(', ')})
              </dd>
            </dl>
            {m.status !== 'error' && (
              <p class="state empty">This message is not a dead letter now (status {m.status}); it can still be replayed if it is final.</p>
            )}
            {m.raw === '' ? (
              <p class="state empty">The body of this message is not available (removed by retention, or unreadable).</p>
            ) : (
              <Editor m={m} />
            )}
          </>
        )}
      </Show>
    </div>
  );
}
