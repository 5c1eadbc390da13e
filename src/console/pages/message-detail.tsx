/**
 * One message (`#/messages/<id>`). Everyone (viewer+) sees its metadata, timeline and charges
 * (GET /api/messages/:id/timeline, no body). Operators and above also see the body — the field tree next to the
 * raw text, per content version (GET /api/messages/:id, which the server audits as a view) —, the state of the
 * application ACK the sender asked for (from the same answer), and may replay it or open it in the dead-letter
 * editor. A viewer gets no body, no application ACK line (the timeline shows its outcomes) and no replay button.
 */
import { useEffect, useState } from 'preact/hooks';
import { describeApplicationAck, type ApplicationAck } from '../application-ack';
import { ErrorBox, IdLink, Loading, ReusedControlIdBadge, Show, StatusBadge, formatDateTime, useLoad } from '../components';
import { MessageBody } from '../message-view';
import { getMessage, getTimeline, replayDelivery, replayOne, type MessageDelivery, type MessageDetail, type Timeline } from '../ops-api';
import { href } from '../router';
import { hasRole, type User } from '../session';
import { TimelineView } from '../timeline';
import { toneClass } from '../tone';

const REPLAYABLE = ['processed', 'filtered', 'error', 'rejected'];
const OPEN = ['received', 'processing'];

/**
 * `sent AA (MSH-10 …) at …`, `open, attempt n, last error …`, `failed after n attempts: …` or `not needed`, with
 * what MSH-16 asked for. An open one can be looked at again (the body answer is reloaded: an audited view).
 */
function AckLine({ ack, onRefresh }: { ack: ApplicationAck; onRefresh(): void }) {
  const line = describeApplicationAck(ack, formatDateTime);
  return (
    <dd class="application-ack" data-state={ack.state}>
      <span class={toneClass(line.tone)}>{line.text}</span> <span class="muted">(MSH-16 {ack.requested})</span>
      {ack.state === 'open' && (
        <>
          {' '}
          <button type="button" class="link" onClick={onRefresh}>
            Check again
          </button>
        </>
      )}
    </dd>
  );
}

/** The control id was used before by another message with other content: which one, and why this one was processed. */
function ReusedControlIdNote({ of }: { of: string }) {
  return (
    <>
      {' '}
      <ReusedControlIdBadge of={of} />{' '}
      <span class="muted">
        also used by message <IdLink kind="message" id={of} /> with other content: processed as a new message, not a duplicate
      </span>
    </>
  );
}

function Meta({ t, detail, onRefreshDetail }: { t: Timeline; detail?: MessageDetail; onRefreshDetail(): void }) {
  const m = t.message;
  return (
    <dl class="meta">
      <dt>Channel</dt>
      <dd>{m.channel}</dd>
      <dt>Type</dt>
      <dd class="mono">{m.type ?? '—'}</dd>
      {detail && (
        <>
          <dt>Control id</dt>
          <dd class="mono">
            {detail.control_id ?? '—'}
            {detail.reused_control_id_of && <ReusedControlIdNote of={detail.reused_control_id_of} />}
          </dd>
          <dt>Sender</dt>
          <dd class="mono">{detail.sender ?? '—'}</dd>
          {detail.duplicate_of && (
            <>
              <dt>Duplicate of</dt>
              <dd>
                message <IdLink kind="message" id={detail.duplicate_of} />
              </dd>
            </>
          )}
        </>
      )}
      <dt>Status</dt>
      <dd>
        <StatusBadge status={m.status} />
      </dd>
      <dt>Received</dt>
      <dd>{formatDateTime(m.receivedAt)}</dd>
      <dt>Finished</dt>
      <dd>{formatDateTime(m.finishedAt)}</dd>
      <dt>Attempts</dt>
      <dd>{m.attempts}</dd>
      {m.errorCode && (
        <>
          <dt>Error</dt>
          <dd>
            <span class="mono">{m.errorCode}</span> {m.errorText}
          </dd>
        </>
      )}
      {detail?.applicationAck && (
        <>
          <dt>Application ACK</dt>
          <AckLine ack={detail.applicationAck} onRefresh={onRefreshDetail} />
        </>
      )}
    </dl>
  );
}

const DELIVERY_TONE: Record<MessageDelivery['state'], string> = {
  delivered: 'processed',
  open: 'processing',
  failed: 'error',
  filtered: 'filtered',
};

/** The message's deliveries to its channel's destinations: state, tries, control id, last error; replay of a failed one. */
function Deliveries({ deliveries, onReplayed }: { deliveries: MessageDelivery[]; onReplayed(): void }) {
  const [busy, setBusy] = useState<string | undefined>();
  const [error, setError] = useState<Error | undefined>();
  if (deliveries.length === 0) return null;
  async function replay(id: string) {
    setBusy(id);
    setError(undefined);
    try {
      await replayDelivery(id);
      onReplayed();
    } catch (e) {
      setError(e as Error);
    } finally {
      setBusy(undefined);
    }
  }
  return (
    <section class="panel deliveries" aria-label="Destinations">
      <h2>Destinations</h2>
      <table aria-label="Deliveries">
        <thead>
          <tr>
            <th>Destination</th>
            <th>State</th>
            <th>Attempts</th>
            <th>Control id</th>
            <th>Answer or last error</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {deliveries.map((d) => (
            <tr key={d.id} data-destination={d.destination} data-state={d.state}>
              <td>
                <strong>{d.destination}</strong>
              </td>
              <td>
                <StatusBadge status={DELIVERY_TONE[d.state]} /> {d.state}
                {d.state === 'open' && d.attempts > 0 && <span class="muted"> · next try {formatDateTime(d.next_attempt_at)}</span>}
              </td>
              <td class="mono">{d.attempts}</td>
              <td class="mono">{d.control_id ?? '—'}</td>
              <td>{d.state === 'delivered' ? (d.detail ?? '') : (d.last_error ?? '')}</td>
              <td>
                {d.state === 'failed' && (
                  <button type="button" onClick={() => replay(d.id)} disabled={busy !== undefined}>
                    {busy === d.id ? 'Replaying…' : 'Replay'}
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {error && <ErrorBox error={error} />}
    </section>
  );
}

function Body({ detail }: { detail: MessageDetail }) {
  const versions = detail.contents;
  const [chosen, setChosen] = useState(versions.length > 0 ? versions[versions.length - 1]!.version : 0);
  const content = versions.find((v) => v.version === chosen);
  return (
    <section aria-label="Message body">
      {versions.length > 1 && (
        <label class="inline">
          Content version{' '}
          <select value={String(chosen)} onChange={(e) => setChosen(Number((e.target as HTMLSelectElement).value))}>
            {versions.map((v) => (
              <option key={v.version} value={String(v.version)}>
                {v.version} · {v.kind === 'raw' ? 'as received' : 'edited'} · {formatDateTime(v.created_at)}
              </option>
            ))}
          </select>
        </label>
      )}
      {!content || content.content === null ? (
        <p class="state empty">
          {content?.pruned_at
            ? 'This body was removed by the retention setting; its metadata, events and charges remain.'
            : content?.error
              ? `This body cannot be opened (${content.error}).`
              : 'No body is stored.'}
        </p>
      ) : (
        <MessageBody text={content.content} />
      )}
    </section>
  );
}

/** `markedCharge`: a charge to highlight among the message's charges (a charge link, `?charge=`). */
export function MessageDetailView({ id, user, markedCharge }: { id: string; user: User; markedCharge?: string }) {
  const operator = hasRole(user, 'operator');
  const [tick, setTick] = useState(0);
  // The body is loaded once per replay, not on every poll: each load is an audited view.
  const [bodyTick, setBodyTick] = useState(0);
  const timeline = useLoad(() => getTimeline(id), [id, tick]);
  const detail = useLoad(() => (operator ? getMessage(id) : Promise.resolve(undefined)), [id, operator, bodyTick]);
  const [replay, setReplay] = useState<{ busy: boolean; result?: string; error?: Error }>({ busy: false });

  // While the message is in the pipeline, look again every second (a replay finishes within moments).
  const status = timeline.data?.message.status;
  useEffect(() => {
    if (!status || !OPEN.includes(status)) return;
    const t = setTimeout(() => setTick((n) => n + 1), 1000);
    return () => clearTimeout(t);
  }, [status, timeline.data]);

  async function doReplay() {
    setReplay({ busy: true });
    try {
      const r = await replayOne(id);
      setReplay({ busy: false, result: `Replay ${r.replay} queued.` });
      setTick((n) => n + 1);
      setBodyTick((n) => n + 1);
    } catch (e) {
      setReplay({ busy: false, error: e as Error });
    }
  }

  return (
    <div class="message-detail">
      <p>
        <a href={href('/messages')}>← Messages</a>
      </p>
      <h1>Message {id}</h1>
      <Show loaded={timeline} what="the message">
        {(t) => (
          <>
            <Meta t={t} detail={detail.data} onRefreshDetail={() => setBodyTick((n) => n + 1)} />
            {operator && (
              <div class="toolbar actions">
                {REPLAYABLE.includes(t.message.status) && (
                  <button type="button" onClick={doReplay} disabled={replay.busy}>
                    {replay.busy ? 'Replaying…' : 'Replay'}
                  </button>
                )}
                {t.message.status === 'error' && (
                  <a class="button" href={href(`/dead-letters/${id}`)}>
                    Edit and replay
                  </a>
                )}
                {replay.result && <span role="status">{replay.result}</span>}
                {replay.error && <ErrorBox error={replay.error} />}
              </div>
            )}
            <TimelineView t={t} markedCharge={markedCharge} billing={hasRole(user, 'billing')} />
          </>
        )}
      </Show>
      {operator ? (
        detail.error ? (
          <ErrorBox error={detail.error} />
        ) : detail.data ? (
          <>
            <Deliveries deliveries={detail.data.deliveries} onReplayed={() => setBodyTick((n) => n + 1)} />
            <Body key={detail.data.contents.length} detail={detail.data} />
          </>
        ) : (
          <Loading what="the message body" />
        )
      ) : (
        <p class="state empty">
          Message bodies are shown to operators and above; your role ({user.role}) sees the metadata, timeline and charges.
        </p>
      )}
    </div>
  );
}
