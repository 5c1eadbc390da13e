/**
 * One dead letter in the HL7 editor (`#/dead-letters/<id>`, operator): the reason it failed, its latest content
 * (GET /api/messages/:id, an audited view) in the editor with highlighting and validation as you type, and
 * "Replay edited" (POST /api/messages/:id/replay {raw}): the edit becomes a new content version, the original
 * stays. "Replay as is" replays the stored content unchanged (after the cause was fixed elsewhere).
 */
import { useMemo, useState } from 'preact/hooks';
import { ErrorBox, Show, StatusBadge, formatDateTime, useLoad } from '../components';
import { Hl7Editor, fromEditorText, toEditorText } from '../hl7-editor';
import { validateHl7 } from '../hl7-view';
import { getMessage, replayOne, type MessageDetail } from '../ops-api';
import { href } from '../router';

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
  const edited = raw !== fromEditorText(toEditorText(original));
  const blocking = validateHl7(raw).some((i) => i.severity === 'error');

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
          <a href={href(`/messages/${m.id}`)}>Follow message {m.id}</a> · <a href={href('/dead-letters')}>Back to dead letters</a>
        </p>
      </div>
    );
  }

  return (
    <>
      <Hl7Editor initial={original} onChange={setRaw} label={`HL7 message ${m.id}`} />
      <Issues raw={raw} />
      <div class="toolbar">
        <button type="button" class="primary" disabled={!edited || blocking || state.busy} onClick={() => replay(true)}>
          Replay edited
        </button>
        <button type="button" disabled={state.busy} onClick={() => replay(false)}>
          Replay as is
        </button>
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
      <h1>Edit and replay message {id}</h1>
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
