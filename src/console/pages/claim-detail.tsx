/**
 * One claim, `#/claims/<id>` (billing; GET /api/claims/:id): its state, the scrub findings in the clerk's words
 * (errors first), the lines, the actions its status allows — override a held claim with a reason, correct
 * (rebuild from today's data and scrub again), void with a reason, close an adjudicated one, edit the diagnoses,
 * place of service, modifiers and units of a held, ready or rejected claim (PATCH /api/claims/:id), replace a
 * sent claim with its encounter's late charges — what each 999 and 277CA said about it, its history,
 * payments from 835s, corrections and batch. Each action answers with the new state; the page reloads the claim.
 */
import { useState } from 'preact/hooks';
import { ConfirmButton, Empty, ErrorBox, IdLink, Show, StatusBadge, formatDateTime, useLoad } from '../components';
import { formatMoney } from '../format';
import {
  actOnClaim,
  ADJUDICATED_STATUSES,
  editClaim,
  getClaim,
  UNSENT_STATUSES,
  type ClaimAction,
  type ClaimDetail as ClaimDetailData,
  type ClaimEdit,
} from '../ops-api';
import { href } from '../router';
import { FREQUENCY } from './claims';

const SEVERITY_ORDER = { error: 0, warning: 1, info: 2 } as const;
const UNSENT = UNSENT_STATUSES;
const ADJUDICATED = ADJUDICATED_STATUSES;
const EDITABLE: ReadonlySet<string> = new Set(['held', 'ready', 'rejected']);

export function ClaimDetail({ id }: { id: string }) {
  const [reload, setReload] = useState(0);
  const loaded = useLoad(() => getClaim(id), [id, reload]);
  return (
    <section aria-labelledby="claim-title">
      <p class="crumbs">
        <a href={href('/claims')}>Claims</a> / #{id}
      </p>
      <Show loaded={loaded} what={`claim ${id}`}>
        {(c) => <ClaimView claim={c} onChanged={() => setReload((r) => r + 1)} />}
      </Show>
    </section>
  );
}

/** Coordination-of-benefits steps in words. */
const STEP: Record<number, string> = { 1: 'the primary', 2: 'the secondary', 3: 'the tertiary' };

function ClaimView({ claim: c, onChanged }: { claim: ClaimDetailData; onChanged(): void }) {
  const findings = [...c.findings].sort((a, b) => SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity]);
  const errors = findings.filter((f) => f.severity === 'error').length;
  return (
    <>
      <header class="page-head">
        <h1 id="claim-title">Claim #{c.id}</h1>
        <StatusBadge status={c.status} />
        <span class="badge">{FREQUENCY[c.frequency] ?? `frequency ${c.frequency}`}</span>
      </header>
      <dl class="facts">
        <dt>CLM01</dt>
        <dd class="mono">{c.controlNumber}</dd>
        <dt>Payer</dt>
        <dd>{c.payerName ? `${c.payerName} (${c.payerId})` : c.payerId}</dd>
        <dt>Patient</dt>
        <dd class="mono">{c.patientRef}</dd>
        <dt>Date of service</dt>
        <dd>{c.serviceDate}</dd>
        <dt>Charged</dt>
        <dd>{formatMoney(c.totalCharge)}</dd>
        <dt>Paid</dt>
        <dd>{formatMoney(c.paidAmount)}</dd>
        <dt>Patient owes</dt>
        <dd>
          {c.patientOwes ? (
            <>
              {formatMoney(c.patientOwes.amount)}{' '}
              <span class="muted">
                after {STEP[c.patientOwes.payerStep] ?? `payer ${c.patientOwes.payerStep}`} payer {c.patientOwes.payerId}
                {c.patientOwes.claimId !== c.id && (
                  <>
                    {' '}
                    (<a href={href(`/claims/${c.patientOwes.claimId}`)}>claim #{c.patientOwes.claimId}</a>)
                  </>
                )}
              </span>
            </>
          ) : (
            formatMoney(c.patientResponsibility)
          )}
        </dd>
        {c.followsClaimId && (
          <>
            <dt>Follows</dt>
            <dd>
              <a href={href(`/claims/${c.followsClaimId}`)}>claim #{c.followsClaimId}</a>{' '}
              <span class="muted">(this claim bills {STEP[c.payerStep ?? 2] ?? 'a later'} payer, with its adjudication)</span>
            </dd>
          </>
        )}
        {c.followedBy && (
          <>
            <dt>Next payer</dt>
            <dd>
              <a href={href(`/claims/${c.followedBy.id}`)}>claim #{c.followedBy.id}</a> to {c.followedBy.payerId}{' '}
              <StatusBadge status={c.followedBy.status} />
            </dd>
          </>
        )}
        <dt>Payer claim number</dt>
        <dd>{c.payerClaimNumber ?? '—'}</dd>
        {c.forwardedTo && (
          <>
            <dt>Forwarded to</dt>
            <dd>
              {c.forwardedTo}{' '}
              <span class="muted">(crossover: {c.awaitingCrossover ? 'its 835 has not come yet' : 'its 835 came'}; send it no claim)</span>
            </dd>
          </>
        )}
        <dt>Submitted</dt>
        <dd>{formatDateTime(c.submittedAt)}</dd>
        <dt>Adjudicated</dt>
        <dd>{formatDateTime(c.adjudicatedAt)}</dd>
        {c.correctsClaimId && (
          <>
            <dt>Corrects</dt>
            <dd>
              <a href={href(`/claims/${c.correctsClaimId}`)}>claim #{c.correctsClaimId}</a>
            </dd>
          </>
        )}
        {c.batch && (
          <>
            <dt>Batch</dt>
            <dd>
              <IdLink kind="batch" id={c.batch.id}>
                #{c.batch.id}
              </IdLink>{' '}
              <span class="mono">{c.batch.fileName}</span>
            </dd>
          </>
        )}
      </dl>

      <section class="panel" aria-labelledby="findings-title">
        <h2 id="findings-title">
          Scrub findings{' '}
          {findings.length > 0 && (
            <span class="muted">
              ({errors} {errors === 1 ? 'error' : 'errors'}, {findings.length - errors} other)
            </span>
          )}
        </h2>
        {c.override && (
          <p class="state warn">
            Overridden by {c.override.by ?? 'someone'} on {formatDateTime(c.override.at)}: “{c.override.reason}”
          </p>
        )}
        {findings.length === 0 ? (
          <Empty>No findings: the claim passed every scrub rule.</Empty>
        ) : (
          <ul class="findings">
            {findings.map((f, i) => (
              <li key={i} class={`finding ${f.severity}`}>
                <span class={`badge sev-${f.severity}`}>{f.severity}</span>{' '}
                {f.scope === 'line' && f.lineNumber !== undefined ? <strong>Line {f.lineNumber}: </strong> : null}
                {f.message} <span class="muted mono">({f.ruleId})</span>
              </li>
            ))}
          </ul>
        )}
      </section>

      <ClaimActions claim={c} onChanged={onChanged} />
      {EDITABLE.has(c.status) && <ClaimEditForm claim={c} onChanged={onChanged} />}

      <section aria-labelledby="lines-title">
        <h2 id="lines-title">Lines</h2>
        <table class="compact">
          <thead>
            <tr>
              <th>#</th>
              <th>Code</th>
              <th>Modifiers</th>
              <th>Units</th>
              <th>Charge</th>
              <th>Paid</th>
              <th>Service</th>
              <th>Date</th>
              <th>Charge id</th>
              <th>State</th>
            </tr>
          </thead>
          <tbody>
            {c.lines.map((l) => (
              <tr key={l.lineNumber}>
                <td>{l.lineNumber}</td>
                <td class="mono">{l.code}</td>
                <td>{l.modifiers.join(', ') || '—'}</td>
                <td>{l.units}</td>
                <td class="num">{formatMoney(l.chargeAmount)}</td>
                <td class="num">{formatMoney(l.paidAmount)}</td>
                <td>{l.serviceKind}</td>
                <td>{l.serviceDate}</td>
                <td>
                  {l.messageId ? (
                    <a href={href(`/messages/${l.messageId}`, { charge: l.chargeId })} title={`from message #${l.messageId}`}>
                      #{l.chargeId}
                    </a>
                  ) : (
                    `#${l.chargeId}`
                  )}
                </td>
                <td>{l.state}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>

      <section aria-labelledby="history-title">
        <h2 id="history-title">History</h2>
        {c.history.length === 0 ? (
          <Empty>No event recorded.</Empty>
        ) : (
          <table class="compact">
            <thead>
              <tr>
                <th>When</th>
                <th>Who</th>
                <th>Action</th>
                <th>From</th>
                <th>To</th>
                <th>Reason</th>
              </tr>
            </thead>
            <tbody>
              {c.history.map((h, i) => (
                <tr key={i}>
                  <td>{formatDateTime(h.at)}</td>
                  <td>{h.actor}</td>
                  <td>{h.action}</td>
                  <td>{h.from_status ?? '—'}</td>
                  <td>{h.to_status ?? '—'}</td>
                  <td>{h.reason ?? ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>

      {(c.acknowledgments ?? []).length > 0 && (
        <section aria-labelledby="acks-title">
          <h2 id="acks-title">Acknowledgments</h2>
          <ul class="findings">
            {(c.acknowledgments ?? []).map((a, i) => (
              <li key={i}>
                <strong>{a.kind}</strong> {formatDateTime(a.receivedAt)}: {a.outcome}
                {a.setStatus ? ` (IK5 ${a.setStatus})` : ''}
                {a.payerClaimNumber ? `, payer claim number ${a.payerClaimNumber}` : ''}
                {[...(a.errors ?? []), ...(a.statuses ?? [])].length > 0 && (
                  <ul>
                    {[...(a.errors ?? []), ...(a.statuses ?? [])].map((e, j) => (
                      <li key={j} class="mono">
                        {e.label}
                      </li>
                    ))}
                  </ul>
                )}
              </li>
            ))}
          </ul>
        </section>
      )}

      <section aria-labelledby="payments-title">
        <h2 id="payments-title">Payments</h2>
        {c.payments.length === 0 ? (
          <Empty>No 835 has paid or denied this claim yet.</Empty>
        ) : (
          <table class="compact">
            <thead>
              <tr>
                <th>Trace</th>
                <th>Payer</th>
                <th>Paid on</th>
                <th>Outcome</th>
                <th>Charged</th>
                <th>Paid</th>
                <th>Patient owes</th>
                <th>Adjustments</th>
              </tr>
            </thead>
            <tbody>
              {c.payments.map((p, i) => (
                <tr key={i}>
                  <td class="mono">
                    <IdLink kind="remittance" id={p.remittanceId}>
                      {p.traceNumber}
                    </IdLink>
                  </td>
                  <td>
                    {p.payerName ?? '—'}
                    {p.role && p.role !== 'claim-payer' ? <span class="muted"> ({p.role})</span> : null}
                  </td>
                  <td>{p.paymentDate ?? formatDateTime(p.receivedAt)}</td>
                  <td>{p.outcome}</td>
                  <td class="num">{formatMoney(p.charge)}</td>
                  <td class="num">{formatMoney(p.paid)}</td>
                  <td class="num">{formatMoney(p.patientResponsibility)}</td>
                  <td>
                    {[...p.adjustments, ...p.lines.flatMap((l) => l.adjustments)]
                      .map((a) => `${a.group}-${a.reason} ${formatMoney(a.amount)}`)
                      .join('; ') || '—'}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>

      {c.corrections.length > 0 && (
        <section aria-labelledby="corrections-title">
          <h2 id="corrections-title">Replacement and void claims</h2>
          <ul>
            {c.corrections.map((k) => (
              <li key={k.id}>
                <a href={href(`/claims/${k.id}`)}>#{k.id}</a> {FREQUENCY[k.frequency] ?? k.frequency} <StatusBadge status={k.status} />
              </li>
            ))}
          </ul>
        </section>
      )}
    </>
  );
}

type Action = ClaimAction;

function ClaimActions({ claim: c, onChanged }: { claim: ClaimDetailData; onChanged(): void }) {
  const [reason, setReason] = useState('');
  const [state, setState] = useState<{ busy?: Action; message?: string; voidClaim?: string; builtKind?: string; error?: Error }>({});
  const can: Record<Action, boolean> = {
    override: c.status === 'held',
    correct: ['held', 'ready', 'rejected'].includes(c.status),
    void: c.status !== 'voided' && c.status !== 'closed',
    close: ADJUDICATED.has(c.status),
    replace: !UNSENT.has(c.status) && c.status !== 'voided' && c.frequency !== '8',
  };
  const any = Object.values(can).some(Boolean);
  if (!any && !state.message && !state.error) return null;

  async function act(action: Action) {
    setState({ busy: action });
    try {
      const body =
        action === 'correct' || action === 'replace'
          ? undefined
          : action === 'close'
            ? reason.trim()
              ? { reason: reason.trim() }
              : {}
            : { reason: reason.trim() };
      const res = await actOnClaim(c.id, action, body);
      const status = res.status ?? res.voided?.status ?? res.replacement?.status;
      const built = res.voidClaim?.id ?? res.replacement?.id;
      setState({
        message: `${ACTION_DONE[action]}${status ? `: the ${res.replacement ? 'replacement' : 'claim'} is now ${status}` : ''}.`,
        voidClaim: built,
        builtKind: res.replacement ? 'replacement' : 'void',
      });
      setReason('');
      onChanged();
    } catch (err) {
      setState({ error: err as Error });
    }
  }

  const needsReason = reason.trim().length < 3;
  return (
    <section class="panel actions-panel" aria-labelledby="actions-title">
      <h2 id="actions-title">Actions</h2>
      {(can.override || can.void || can.close) && (
        <label class="block">
          Reason {can.close && !can.override && !can.void ? '(optional)' : '(needed to override or void; kept in the claim history)'}
          <textarea
            aria-label="Reason"
            rows={2}
            maxLength={500}
            value={reason}
            onInput={(e) => setReason((e.currentTarget as HTMLTextAreaElement).value)}
          />
        </label>
      )}
      {!any && <p class="muted">No action is open to a {c.status} claim.</p>}
      <div class="toolbar">
        {can.override && (
          <button type="button" class="primary" disabled={!!state.busy || needsReason} onClick={() => act('override')}>
            Override and make ready
          </button>
        )}
        {can.correct && (
          <button type="button" disabled={!!state.busy} onClick={() => act('correct')}>
            Correct (rebuild and scrub again)
          </button>
        )}
        {can.void && (
          <ConfirmButton
            label={UNSENT.has(c.status) ? 'Void' : 'Void (send a void claim)'}
            confirmLabel="Confirm void"
            disabled={!!state.busy || needsReason}
            question={
              UNSENT.has(c.status)
                ? `Void claim #${c.id}? It will never be sent; its charges can be billed again. Reason: ${reason.trim()}`
                : `Void claim #${c.id}? A void claim (frequency 8) goes to payer ${c.payerId} in the next batch. Reason: ${reason.trim()}`
            }
            onConfirm={() => act('void')}
          />
        )}
        {can.close && (
          <ConfirmButton
            label="Close"
            confirmLabel="Confirm close"
            disabled={!!state.busy}
            question={`Close claim #${c.id}? It leaves the work lists; nothing more is expected for it.`}
            onConfirm={() => act('close')}
          />
        )}
        {can.replace && (
          <ConfirmButton
            label="Replace with late charges"
            confirmLabel="Confirm replacement"
            disabled={!!state.busy}
            question={`Build a replacement (frequency 7) of claim #${c.id} with the late charges of its encounter? It goes to the payer in the next batch.`}
            onConfirm={() => act('replace')}
          />
        )}
      </div>
      {state.message && (
        <p class="state ok" role="status">
          {state.message}
          {state.voidClaim && (
            <>
              {' '}
              A {state.builtKind} claim was built: <a href={href(`/claims/${state.voidClaim}`)}>#{state.voidClaim}</a>.
            </>
          )}
        </p>
      )}
      {state.error && <ErrorBox error={state.error} />}
    </section>
  );
}

const ACTION_DONE: Record<Action, string> = {
  override: 'Overridden',
  correct: 'Corrected and scrubbed again',
  void: 'Voided',
  close: 'Closed',
  replace: 'Replacement built with the late charges of this encounter',
};

const codes = (text: string): string[] =>
  text
    .split(/[\s,]+/)
    .map((t) => t.trim().toUpperCase())
    .filter((t) => t !== '');

/**
 * Edit form of a held, ready or rejected claim: diagnoses (principal first), place of service, and each active line's
 * modifiers and units. Only what changed is sent; the answer names each change, the page reloads the claim.
 */
function ClaimEditForm({ claim: c, onChanged }: { claim: ClaimDetailData; onChanged(): void }) {
  const lines = c.lines.filter((l) => l.state === 'active');
  const [diagnoses, setDiagnoses] = useState(c.claim.diagnoses.join(', '));
  const [pos, setPos] = useState(c.claim.placeOfService);
  const [lineEdits, setLineEdits] = useState<Record<number, { modifiers: string; units: string }>>(
    Object.fromEntries(lines.map((l) => [l.lineNumber, { modifiers: l.modifiers.join(', '), units: l.units }])),
  );
  const [state, setState] = useState<{ busy?: boolean; message?: string; error?: Error }>({});

  async function save(e: Event) {
    e.preventDefault();
    const body: ClaimEdit = {};
    if (codes(diagnoses).join(',') !== c.claim.diagnoses.join(',')) body.diagnoses = codes(diagnoses);
    if (pos.trim() !== c.claim.placeOfService) body.placeOfService = pos.trim();
    for (const l of lines) {
      const edit = lineEdits[l.lineNumber]!;
      const change: { lineNumber: number; modifiers?: string[]; units?: string } = { lineNumber: l.lineNumber };
      if (codes(edit.modifiers).join(',') !== l.modifiers.join(',')) change.modifiers = codes(edit.modifiers);
      if (edit.units.trim() !== l.units) change.units = edit.units.trim();
      if (change.modifiers || change.units) body.lines = [...(body.lines ?? []), change];
    }
    if (!body.diagnoses && !body.placeOfService && !body.lines) {
      setState({ message: 'Nothing changed.' });
      return;
    }
    setState({ busy: true });
    try {
      const res = await editClaim(c.id, body);
      setState({ message: `Saved (${res.changes.join('; ')}): the claim is now ${res.status}.` });
      onChanged();
    } catch (err) {
      setState({ error: err as Error });
    }
  }

  const setLine = (n: number, field: 'modifiers' | 'units', value: string) =>
    setLineEdits((all) => ({ ...all, [n]: { ...all[n]!, [field]: value } }));
  return (
    <section class="panel" aria-labelledby="edit-title">
      <h2 id="edit-title">Edit claim</h2>
      <p class="muted">Kept with the claim: a later correct applies the edit again. The claim is scrubbed again when saved.</p>
      <form onSubmit={save}>
        <label class="block">
          Diagnoses (ICD-10-CM, principal first, comma-separated)
          <input aria-label="Diagnoses" value={diagnoses} onInput={(e) => setDiagnoses((e.currentTarget as HTMLInputElement).value)} />
        </label>
        <label class="block">
          Place of service
          <input
            aria-label="Place of service"
            size={3}
            maxLength={2}
            value={pos}
            onInput={(e) => setPos((e.currentTarget as HTMLInputElement).value)}
          />
        </label>
        <table class="compact">
          <thead>
            <tr>
              <th>#</th>
              <th>Code</th>
              <th>Modifiers</th>
              <th>Units</th>
            </tr>
          </thead>
          <tbody>
            {lines.map((l) => (
              <tr key={l.lineNumber}>
                <td>{l.lineNumber}</td>
                <td class="mono">{l.code}</td>
                <td>
                  <input
                    aria-label={`Line ${l.lineNumber} modifiers`}
                    value={lineEdits[l.lineNumber]?.modifiers ?? ''}
                    onInput={(e) => setLine(l.lineNumber, 'modifiers', (e.currentTarget as HTMLInputElement).value)}
                  />
                </td>
                <td>
                  <input
                    aria-label={`Line ${l.lineNumber} units`}
                    size={6}
                    value={lineEdits[l.lineNumber]?.units ?? ''}
                    onInput={(e) => setLine(l.lineNumber, 'units', (e.currentTarget as HTMLInputElement).value)}
                  />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        <div class="toolbar">
          <button type="submit" class="primary" disabled={!!state.busy}>
            Save edit
          </button>
        </div>
      </form>
      {state.message && (
        <p class="state ok" role="status">
          {state.message}
        </p>
      )}
      {state.error && <ErrorBox error={state.error} />}
    </section>
  );
}
