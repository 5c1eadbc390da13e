/**
 * What happened to one message (GET /api/messages/:id/timeline; viewer: no message body in it): a strip of the
 * stages received → pipeline → charges → claim → payment, the events in order (status changes, and the
 * application ACK's outcomes under their own label), and the charges, claims and payments it led to.
 */
import { stageEventLine } from './application-ack';
import { IdLink, StatusBadge, formatDateTime } from './components';
import type { Timeline } from './ops-api';
import { toneClass } from './tone';

function EventLine({ e }: { e: Timeline['events'][number] }) {
  const stage = stageEventLine(e);
  if (stage) {
    return (
      <li data-stage={e.stage ?? undefined}>
        <time>{formatDateTime(e.at)}</time> <span class={toneClass(stage.tone)}>{stage.label}</span>{' '}
        <span class="detail">{stage.text}</span>
      </li>
    );
  }
  if (e.stage === 'line') {
    // One line's outcome within the message (charged, held with its reason, or the charge a credit reversed).
    return (
      <li data-stage="line">
        <time>{formatDateTime(e.at)}</time> <span class="detail">{e.detail}</span>
      </li>
    );
  }
  return (
    <li data-stage={e.stage ?? undefined}>
      <time>{formatDateTime(e.at)}</time>{' '}
      {e.from && (
        <>
          <StatusBadge status={e.from} /> →{' '}
        </>
      )}
      {e.to && <StatusBadge status={e.to} />} {e.detail && <span class="detail">{e.detail}</span>}
    </li>
  );
}

/** "…|MSH-10|5|line" → "segment 5": where in its message a charge was written from. */
function segmentOf(sourceKey: string | undefined): string {
  const parts = (sourceKey ?? '').split('|');
  return parts.length >= 2 ? `segment ${parts[parts.length - 2]}` : '—';
}

/** The charge a reversal names: by id when it is a line of this message, else as an earlier message's line. */
function describeLine(sourceKey: string, charges: Timeline['charges']): string {
  const here = charges.find((c) => c.source_key === sourceKey);
  return here ? `charge ${here.id} (${segmentOf(sourceKey)} of this message)` : `${segmentOf(sourceKey)} of an earlier message`;
}

function Step({ label, done, detail }: { label: string; done: boolean; detail: string }) {
  return (
    <li class={done ? 'step done' : 'step'} aria-label={`${label}: ${detail}`}>
      <span class="step-label">{label}</span> <span class="muted">{detail}</span>
    </li>
  );
}

/**
 * `markedCharge`: a charge id to highlight (a link from elsewhere, `?charge=`). `billing`: the user may open the
 * billing pages (claims, batches, remittances), so their ids are links.
 */
export function TimelineView({ t, markedCharge, billing = false }: { t: Timeline; markedCharge?: string; billing?: boolean }) {
  const m = t.message;
  const final = ['processed', 'filtered', 'error', 'rejected', 'duplicate'].includes(m.status);
  return (
    <div class="timeline-view">
      <ol class="steps" aria-label="Stages">
        <Step label="Received" done detail={formatDateTime(m.receivedAt)} />
        <Step
          label={final ? m.status : 'in progress'}
          done={final && m.status !== 'error' && m.status !== 'rejected'}
          detail={m.finishedAt ? formatDateTime(m.finishedAt) : m.status}
        />
        <Step label="Charges" done={t.charges.length > 0} detail={String(t.charges.length)} />
        <Step label="Claims" done={t.claims.length > 0} detail={String(t.claims.length)} />
        <Step label="Payments" done={t.payments.length > 0} detail={String(t.payments.length)} />
      </ol>

      <section class="panel">
        <h2>Timeline</h2>
        <ol class="timeline" aria-label="Timeline">
          <li>
            <time>{formatDateTime(m.receivedAt)}</time> <StatusBadge status="received" /> stored and acknowledged
          </li>
          {t.events.map((e, i) => (
            <EventLine key={i} e={e} />
          ))}
          {t.charges.length > 0 && (
            <li>
              <time>{formatDateTime(t.charges[0]!.created_at)}</time> {t.charges.length} charge{t.charges.length === 1 ? '' : 's'} written
            </li>
          )}
          {t.claims.map((c) => (
            <li key={`c${c.id}`}>
              claim <IdLink kind="claim" id={c.id} plain={!billing} />
              {c.claimNumber && c.claimNumber !== c.id && <span class="muted"> ({c.claimNumber})</span>} <StatusBadge status={c.status} />
              {c.batchId && (
                <>
                  {' '}
                  in batch <IdLink kind="batch" id={c.batchId} plain={!billing} />
                </>
              )}
            </li>
          ))}
          {t.payments.map((p, i) => (
            <li key={`p${i}`}>
              <time>{formatDateTime(p.receivedAt)}</time> payment {p.paidAmount} on claim{' '}
              {p.claimId ? <IdLink kind="claim" id={p.claimId} plain={!billing} /> : '—'} from remittance{' '}
              <IdLink kind="remittance" id={p.remittanceId} plain={!billing} /> <StatusBadge status={p.status} />
            </li>
          ))}
        </ol>
      </section>

      <section class="panel">
        <h2>Charges</h2>
        {t.charges.length === 0 ? (
          <p class="state empty">
            {m.status === 'error'
              ? 'No charge: the message is a dead letter. Fix the cause and replay it.'
              : 'This message produced no charge.'}
          </p>
        ) : (
          <table aria-label="Charges">
            <thead>
              <tr>
                <th>Id</th>
                <th>Line</th>
                <th>Transaction</th>
                <th>Service date</th>
                <th>Code</th>
                <th>Units</th>
                <th>Amount</th>
                <th>Status</th>
                <th>Note</th>
              </tr>
            </thead>
            <tbody>
              {t.charges.map((c) => (
                <tr key={c.id} data-charge={c.id} id={`charge-${c.id}`} class={markedCharge === String(c.id) ? 'marked' : undefined}>
                  <td>
                    <IdLink kind="charge" id={c.id} messageId={m.id} />
                  </td>
                  <td>{segmentOf(c.source_key)}</td>
                  <td class="mono">{c.transaction_id ?? '—'}</td>
                  <td>{c.service_date ?? '—'}</td>
                  <td class="mono">
                    {c.code_system ? `${c.code_system} ` : ''}
                    {c.code ?? '—'}
                    {c.modifiers?.length ? `-${c.modifiers.join('-')}` : ''}
                  </td>
                  <td>{c.units ?? '—'}</td>
                  <td class="mono">{c.charge_amount ?? '—'}</td>
                  <td>
                    <StatusBadge status={c.status} />
                  </td>
                  <td class="detail">{c.hold_reason ?? (c.reversal_of ? `reverses ${describeLine(c.reversal_of, t.charges)}` : '')}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </div>
  );
}
